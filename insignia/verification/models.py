"""Revocation status lists (W3C Bitstring Status List) and which award holds which bit.

Each issuer has one or more lists of ``statuslist.MIN_ENTRIES`` bits; an award gets the next free
index of its issuer's open list when its OB 3.0 credential is first built (or when it is
revoked, whichever comes first). Indexes are never reused, so a bit always means one credential.
"""

from __future__ import annotations

from django.db import models

from insignia.awards.models import Award
from insignia.core.models import BaseModel
from insignia.issuers.models import Issuer


class StatusList(BaseModel):
    """One revocation list served at ``/status/<public_id>``.

    ``bits`` is the raw bitstring (MSB first). ``version`` goes up with every change, in the same
    transaction, so cached signed copies keyed by it are never stale.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="status_lists")
    sequence = models.PositiveIntegerField()
    purpose = models.CharField(max_length=16, default="revocation")
    size = models.PositiveIntegerField()
    next_index = models.PositiveIntegerField(default=0)
    bits = models.BinaryField()
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["issuer", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sequence"], name="uniq_status_list_seq"),
            models.CheckConstraint(
                condition=models.Q(next_index__lte=models.F("size")),
                name="status_list_index_within_size",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} status list {self.sequence} ({self.next_index}/{self.size})"

    @property
    def is_full(self) -> bool:
        return self.next_index >= self.size


class StatusAllocation(models.Model):
    """Bit ``index`` of ``status_list`` belongs to ``award`` (forever)."""

    award = models.OneToOneField(Award, on_delete=models.CASCADE, related_name="status_allocation")
    status_list = models.ForeignKey(
        StatusList, on_delete=models.PROTECT, related_name="allocations"
    )
    index = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "index"], name="uniq_status_allocation_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.award_id} → {self.status_list_id}[{self.index}]"

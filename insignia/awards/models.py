"""An award is one badge issued to one person (by email address)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from insignia.badges.models import BadgeTemplate
from insignia.core.models import BaseModel
from insignia.issuers.models import Issuer


class AwardState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class AwardSource(models.TextChoices):
    UI = "ui", _("Web UI")
    API = "api", _("API")
    CSV = "csv", _("CSV upload")
    BACKFILL = "backfill", _("Backfill")
    CLI = "cli", _("Command line")


class Status(models.TextChoices):
    """What a verifier sees, derived from dates and revocation (never stored)."""

    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Award(BaseModel):
    # No single-column indexes on issuer and template: the (issuer, -issued_on) and
    # (template, recipient_email) indexes below start with them and serve the same lookups;
    # two fewer indexes to update per award (a 100,000-row backfill writes each 100,000 times).
    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="awards", db_index=False
    )
    template = models.ForeignKey(
        BadgeTemplate, on_delete=models.PROTECT, related_name="awards", db_index=False
    )
    recipient_email = models.EmailField(_("recipient email"), db_index=True)
    recipient_name = models.CharField(_("recipient name"), max_length=200)
    # Per-award salt: the published identity hash cannot be matched across awards.
    salt = models.CharField(max_length=64)
    external_id = models.CharField(
        _("issuer's earner id"),
        max_length=200,
        blank=True,
        help_text=_("Your own id for this person."),
    )
    issued_on = models.DateTimeField(_("issued on"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    narrative = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=AwardState.choices, default=AwardState.PENDING)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=500, blank=True)
    expiry_recorded_at = models.DateTimeField(null=True, blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    earner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="awards",
    )
    claim_token_hash = models.CharField(max_length=64, blank=True)
    claim_token_expires_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=AwardSource.choices, default=AwardSource.UI)
    idempotency_key = models.CharField(max_length=200, blank=True)
    suppress_notifications = models.BooleanField(default=False)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_award_issuer_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("issued_on")),
                name="award_expires_after_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["template", "recipient_email"]),
            models.Index(fields=["issuer", "-issued_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient_email}"

    def get_absolute_url(self) -> str:
        return reverse("verification:badge", args=[self.public_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def status(self, now: dt.datetime) -> Status:
        if self.is_revoked:
            return Status.REVOKED
        if self.is_expired(now):
            return Status.EXPIRED
        return Status.VALID

    @property
    def is_public(self) -> bool:
        return self.state == AwardState.ACCEPTED and self.visibility == Visibility.PUBLIC

"""The outbox (one row per message to deliver), the reminder log and the local mail outbox.

An outbox row is written in the same transaction as the change it announces, so a message
exists if and only if the change committed. Delivery happens later, from a worker.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from insignia.awards.models import Award
from insignia.core.models import BaseModel


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxChannel(models.TextChoices):
    # Webhooks (issue 5) will reuse the same table, retry and sweep machinery.
    EMAIL = "email", _("Email")


class OutboxMessage(BaseModel):
    channel = models.CharField(
        max_length=16, choices=OutboxChannel.choices, default=OutboxChannel.EMAIL
    )
    kind = models.CharField(max_length=64, db_index=True)
    # The caller's name for "this message": a second enqueue with the same key is a no-op.
    dedupe_key = models.CharField(max_length=200, unique=True)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict, blank=True)
    award = models.ForeignKey(
        Award, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_messages"
    )
    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When the sweep may (re)queue a pending row: the retry time after a failure, or a grace
    # period after enqueue for the on-commit task to do it first.
    next_attempt_at = models.DateTimeField()
    # When a worker took the row for sending; a row "sending" for too long is presumed lost.
    locked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to} ({self.state})"


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", _("Claim reminder")
    RENEWAL = "renewal", _("Renewal reminder")


class ReminderLog(models.Model):
    """One row per reminder sent; the unique constraint makes ``send_reminders`` idempotent."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="reminder_logs")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sequence = models.PositiveIntegerField()
    message = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["award", "kind", "sequence"], name="uniq_reminder_award_kind_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.sequence} for award {self.award_id}"


class ReminderOptOut(models.Model):
    """An address that asked for no reminder or renewal emails (award emails still go out).

    Keyed by address, not account: people without an account can opt out too.
    """

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email


class CapturedEmail(BaseModel):
    """A message the local outbox backend "sent": the embedded default's mailbox at /_outbox/."""

    to = models.TextField()
    from_email = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

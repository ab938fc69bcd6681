"""Webhook endpoints, one delivery row per (endpoint, event), and one attempt row per POST.

Deliveries are an outbox fed from the audit trail: the audit row commits with the change, the
dispatcher later copies the events an endpoint chose into deliveries, and workers send them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from insignia.core.models import AuditEvent, BaseModel
from insignia.issuers.models import Issuer


class EventType(models.TextChoices):
    AWARD_CREATED = "award.created", _("Award created")
    AWARD_ACCEPTED = "award.accepted", _("Award accepted")
    AWARD_REJECTED = "award.rejected", _("Award rejected")
    AWARD_REVOKED = "award.revoked", _("Award revoked")
    AWARD_EXPIRED = "award.expired", _("Award expired")
    TEMPLATE_CREATED = "template.created", _("Badge template created")
    TEMPLATE_CHANGED = "template.changed", _("Badge template changed")


PING = "ping"


class WebhookEndpoint(BaseModel):
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(default=list, help_text=_("The EventType values it receives."))
    is_active = models.BooleanField(_("active"), default=True)
    # AES-GCM ciphertext of the signing secret (insignia/webhooks/secrets.py): the sender
    # needs the plaintext to sign, so it cannot be stored hashed like tokens are.
    secret_encrypted = models.BinaryField()
    # Audit events up to this id are fanned out (or predate the endpoint: no history).
    cursor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(BaseModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Null for test pings, which announce no event.
    event = models.ForeignKey(
        AuditEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_type = models.CharField(max_length=32)
    # The exact JSON sent, built once at fan-out: every retry and replay sends the same bytes
    # describing the object as it was at the event, only the signature's timestamp changes.
    body = models.TextField()
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Attempt number after which a failure is final; a replay allows one more.
    max_attempts = models.PositiveIntegerField()
    next_attempt_at = models.DateTimeField()
    locked_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="uniq_webhook_endpoint_event"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_body = models.TextField(blank=True, help_text=_("The first 2 KB, sanitised."))

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

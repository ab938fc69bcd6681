"""Reads for notifications: an award's emails for staff, and the local outbox's pages."""

from __future__ import annotations

from django.db.models import QuerySet

from insignia.awards.models import Award
from insignia.notifications.models import CapturedEmail, OutboxMessage


def award_messages(*, award: Award) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(award=award).order_by("-created_at", "-id")


def captured_emails(*, to: str = "") -> QuerySet[CapturedEmail]:
    rows = CapturedEmail.objects.all()
    if to:
        rows = rows.filter(to__icontains=to)
    return rows


def captured_email(*, public_id: str) -> CapturedEmail | None:
    return CapturedEmail.objects.filter(public_id=public_id).first()

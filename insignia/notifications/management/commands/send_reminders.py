"""``manage.py send_reminders``: send every due reminder now (idempotent; beat runs it too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insignia.notifications.services import reminders_send_due


class Command(BaseCommand):
    help = "Queue the claim and renewal reminders that are due. Safe to run any number of times."

    def handle(self, *args: Any, **options: Any) -> None:
        run = reminders_send_due()
        self.stdout.write(f"Queued {run.reminders} reminder(s) and {run.renewals} renewal(s).")

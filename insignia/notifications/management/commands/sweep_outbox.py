"""``manage.py sweep_outbox``: queue due retries and messages whose worker died (beat does it
every minute in production)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insignia.notifications.services import outbox_sweep


class Command(BaseCommand):
    help = "Re-queue outbox messages whose retry is due or that were stuck while sending."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Queued {outbox_sweep()} message(s).")

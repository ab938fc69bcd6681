"""``manage.py record_expired``: write an audit event for each badge whose expiry has passed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insignia.awards.services import awards_record_expired


class Command(BaseCommand):
    help = "Record expiry events for badges past their expiry date (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = awards_record_expired()
        self.stdout.write(f"Recorded {count} expired badge(s).")

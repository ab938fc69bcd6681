"""``manage.py sweep_webhooks``: fan out new events and send due retries (beat's
``webhooks.tick`` does it every 10 s in production; without beat, run this from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insignia.webhooks.services import webhooks_dispatch, webhooks_sweep


class Command(BaseCommand):
    help = "Create deliveries for new events and queue webhook deliveries whose retry is due."

    def handle(self, *args: Any, **options: Any) -> None:
        created = webhooks_dispatch()
        queued = webhooks_sweep()
        self.stdout.write(f"{created} new delivery(ies); queued {queued} due delivery(ies).")

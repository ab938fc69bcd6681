"""``manage.py rebuild_job_index``: the bitmap index of jobs, rebuilt from the rows.

The write paths keep the index exact; this is for data written around them (a bulk load in
SQL, a restore of the jobs tables alone)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from insignia.insights import jobindex
from insignia.insights.models import JobBitmap


class Command(BaseCommand):
    help = "Rebuild the bitmap index of jobs (insights figures) from the job rows."

    def handle(self, *args: Any, **options: Any) -> None:
        jobindex.rebuild(now=timezone.now())
        self.stdout.write(
            self.style.SUCCESS(f"Job index rebuilt: {JobBitmap.objects.count()} bitmaps.")
        )

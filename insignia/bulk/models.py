"""A bulk job (one uploaded file) and its rows.

Every row of the file is stored once, validated: valid rows carry the cleaned values and their
place in the job's priority order; invalid rows carry their errors (the downloadable report).
Valid rows are grouped into chunks; a chunk is awarded in one transaction that also marks it
done, so "done" is the persisted cursor: a worker killed mid-chunk leaves the chunk undone and
its awards rolled back, and whoever runs the chunk next awards it exactly once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from insignia.badges.models import Programme
from insignia.core.models import BaseModel
from insignia.issuers.models import Issuer


class JobKind(models.TextChoices):
    BULK = "bulk", _("Bulk issue")
    BACKFILL = "backfill", _("Backfill")


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class BulkJob(BaseModel):
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="bulk_jobs")
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="bulk_jobs"
    )
    kind = models.CharField(max_length=16, choices=JobKind.choices, default=JobKind.BULK)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    filename = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    chunk_count = models.PositiveIntegerField(default=0)
    # Throttled emails (backfill): the email of the row at priority position p is not sent
    # before notify_start + p / rate.
    notify_start = models.DateTimeField(null=True, blank=True)
    emails_per_minute = models.PositiveIntegerField(default=0)
    # Last time a chunk finished: the resume sweep re-queues jobs that stopped moving.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.state})"


class BulkChunk(models.Model):
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    done = models.BooleanField(default=False)
    created_awards = models.PositiveIntegerField(default=0)
    existing_awards = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="uniq_bulkchunk_job_index")
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of job {self.job_id}"


class BulkRow(models.Model):
    """One data row of the file: valid (``chunk``/``position`` set) or invalid (``errors``)."""

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    # Priority order within the job (valid rows only); chunks are consecutive ranges of it.
    position = models.PositiveIntegerField(null=True, blank=True)
    chunk = models.PositiveIntegerField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    cleaned = models.JSONField(default=dict, blank=True)
    # [{"column": ..., "message": ...}]; also filled when awarding refuses a row.
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["job", "chunk"]),
            models.Index(fields=["job", "row_number"]),
        ]

    def __str__(self) -> str:
        return f"row {self.row_number} of job {self.job_id}"

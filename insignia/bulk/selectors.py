"""Reads for bulk jobs: progress, the job list and the invalid-rows report."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from insignia.bulk.csvio import write_csv
from insignia.bulk.models import BulkJob, BulkRow
from insignia.bulk.services import bulk_job_totals
from insignia.issuers.models import Issuer


def bulk_job_progress(job: BulkJob) -> dict[str, Any]:
    """Where a job stands, for the UI, the CLI and the API (plain JSON types)."""
    job.refresh_from_db(fields=["state", "heartbeat_at", "finished_at", "updated_at"])
    totals = bulk_job_totals(job)
    percent = 100 if job.valid_rows == 0 else int(100 * totals["processed"] / job.valid_rows)
    return {
        "id": job.public_id,
        "kind": job.kind,
        "state": job.state,
        "filename": job.filename,
        "total_rows": job.total_rows,
        "valid_rows": job.valid_rows,
        "invalid_rows": job.invalid_rows,
        "processed_rows": totals["processed"],
        "created": totals["created"],
        "existing": totals["existing"],
        "refused": totals["refused"],
        "percent": percent,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def bulk_job_list(*, issuer: Issuer) -> QuerySet[BulkJob]:
    return BulkJob.objects.filter(issuer=issuer).select_related("programme")


def bulk_job_error_rows(job: BulkJob) -> QuerySet[BulkRow]:
    """Rows refused at validation or when awarding, in file order."""
    return job.rows.exclude(errors=[]).order_by("row_number")


def bulk_job_errors_csv(job: BulkJob) -> str:
    """The report: one line per error (row, column, message) plus the row's cells, with every
    cell neutralised against spreadsheet formula injection."""
    rows = list(bulk_job_error_rows(job))
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row.raw if k not in columns)
    lines = [
        [row.row_number, error.get("column", ""), error.get("message", "")]
        + [row.raw.get(c, "") for c in columns]
        for row in rows
        for error in row.errors
    ]
    return write_csv(["Row", "Column", "Message", *columns], lines)

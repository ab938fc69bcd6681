"""Shared by ``manage.py bulk_issue`` and ``manage.py backfill``: submit, then show progress."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from insignia.badges.models import Programme
from insignia.bulk.models import BulkJob, JobState
from insignia.bulk.selectors import bulk_job_errors_csv, bulk_job_progress
from insignia.bulk.services import bulk_job_create, check_size
from insignia.core.audit import Actor
from insignia.core.cli import command_error
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", help="CSV (any delimiter, UTF-8 or Latin-1) or JSON array.")
    parser.add_argument(
        "--progress", action="store_true", help="Draw a progress bar while waiting."
    )
    parser.add_argument("--no-wait", action="store_true", help="Queue the job and return at once.")
    parser.add_argument("--errors-csv", help="Write the invalid rows to this CSV file.")


def find_issuer(ref: str) -> Issuer:
    query = Q(slug=ref) | Q(public_id=ref)
    if ref.isdigit():
        query |= Q(pk=int(ref))
    issuer = Issuer.objects.filter(query).first()
    if issuer is None:
        raise CommandError(f"No issuer {ref!r} (give its slug or id).")
    return issuer


def find_programme(ref: str) -> Programme:
    query = Q(public_id=ref) | Q(slug=ref)
    if ref.isdigit():
        query |= Q(pk=int(ref))
    programme = Programme.objects.filter(query).select_related("issuer").first()
    if programme is None:
        raise CommandError(f"No programme {ref!r} (give its id or slug).")
    return programme


def _bar(progress: dict[str, Any], width: int = 30) -> str:
    filled = width * progress["percent"] // 100
    return (
        f"\r[{'#' * filled}{'.' * (width - filled)}] {progress['percent']:3d}% "
        f"{progress['processed_rows']}/{progress['valid_rows']} rows"
    )


def run(
    command: BaseCommand,
    options: dict[str, Any],
    *,
    issuer: Issuer,
    kind: str,
    programme: Programme | None = None,
) -> None:
    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"No file {path}.")
    try:
        check_size(path.stat().st_size)  # before reading a byte of it
        job = bulk_job_create(
            actor=Actor.system("cli"),
            issuer=issuer,
            file_bytes=path.read_bytes(),
            filename=path.name,
            kind=kind,
            programme=programme,
        )
    except ServiceError as exc:
        raise command_error(exc) from exc
    out = command.stdout
    out.write(
        f"Job {job.public_id}: {job.total_rows} rows, {job.valid_rows} valid, "
        f"{job.invalid_rows} invalid."
    )
    if not options["no_wait"]:
        progress = bulk_job_progress(job)
        while progress["state"] != JobState.DONE:
            if options["progress"]:
                out.write(_bar(progress), ending="")
                out.flush()
            time.sleep(0.5)
            progress = bulk_job_progress(job)
        if options["progress"]:
            out.write(_bar(progress))
        out.write(
            f"Done: {progress['created']} awarded, {progress['existing']} already existed, "
            f"{progress['refused']} refused when awarding."
        )
    if options["errors_csv"] and job.invalid_rows:
        Path(options["errors_csv"]).write_text(bulk_job_errors_csv(BulkJob.objects.get(pk=job.pk)))
        out.write(f"Invalid rows written to {options['errors_csv']}.")

"""Writes for bulk jobs: create (parse and validate the whole file first), run chunks, resume.

A job's valid rows are stored in priority order and cut into chunks. Each chunk is one task
and one transaction that awards its rows and marks itself done, so the set of done chunks is
the job's persisted cursor: a worker killed mid-chunk loses only that uncommitted transaction,
and the chunk is awarded exactly once by whoever runs it next. The awards' idempotency keys
(issuer + template + email + issue date) make even a re-uploaded file create nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.utils import timezone

from insignia.accounts.models import normalize_email_address
from insignia.awards.bulk import BulkAwardInput, awards_issue_bulk
from insignia.awards.models import AwardSource
from insignia.awards.pgcopy import copy_values
from insignia.awards.services import CLOCK_SKEW
from insignia.badges.models import BadgeTemplate, DuplicatePolicy, Programme, TemplateState
from insignia.bulk import app_settings
from insignia.bulk.csvio import DISPLAY, FileRefused, ParsedFile, parse_file
from insignia.bulk.models import BulkChunk, BulkJob, BulkRow, JobKind, JobState
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability
from insignia.issuers.services import require_capability

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_US_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
logger = logging.getLogger(__name__)
# awards_issue_bulk's field names → the columns a user's file calls them.
_COLUMNS = {
    "template": DISPLAY["template"],
    "recipient_email": DISPLAY["email"],
    "issued_on": DISPLAY["issued"],
    "expires_at": DISPLAY["expires"],
}
DATE_HELP = "Use YYYY-MM-DD (ISO 8601, optionally with a time) or MM/DD/YYYY."


def parse_date(value: str) -> dt.datetime:
    """ISO 8601 date or date-time (no offset = UTC), or US ``MM/DD/YYYY``; ValueError if not."""
    raw = value.strip()
    if _ISO_DATE.match(raw):
        return dt.datetime.combine(dt.date.fromisoformat(raw), dt.time.min, tzinfo=dt.UTC)
    if _US_DATE.match(raw):
        day = dt.datetime.strptime(raw, "%m/%d/%Y").date()
        return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def idempotency_key(
    *, issuer_id: int, template_public_id: str, email: str, issued_on: dt.datetime
) -> str:
    digest = hashlib.sha256(
        f"{issuer_id}|{template_public_id}|{email}|{issued_on.date().isoformat()}".encode()
    ).hexdigest()
    return f"bulk:{digest}"


def _templates_by_ref(issuer: Issuer) -> dict[str, BadgeTemplate]:
    refs: dict[str, BadgeTemplate] = {}
    for template in BadgeTemplate.objects.filter(issuer=issuer).select_related("programme"):
        refs[template.public_id] = template
        refs[template.slug.lower()] = template
    return refs


def _validate_rows(
    parsed: ParsedFile,
    *,
    issuer: Issuer,
    programme: Programme | None,
    now: dt.datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row checked; returns (valid rows, invalid rows) as BulkRow field dicts."""
    templates = _templates_by_ref(issuer)
    headers = parsed.headers
    url_ok = URLValidator(schemes=["http", "https"])
    valid: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    first_of_key: dict[str, int] = {}
    first_of_pair: dict[tuple[int, str], int] = {}

    def col(name: str) -> str:
        return headers.get(name, DISPLAY[name])

    for row_number, values, raw in parsed.rows:
        errors: list[dict[str, str]] = []

        def err(name: str, message: str, _errors: list[dict[str, str]] = errors) -> None:
            _errors.append({"column": col(name), "message": message})

        ref = values.get("template", "")
        template = templates.get(ref) or templates.get(ref.lower())
        if not ref:
            err("template", "The badge template id is empty.")
        elif template is None:
            err("template", f"No badge template {ref!r} for this issuer.")
        elif template.state == TemplateState.ARCHIVED:
            err("template", f"{template.name!r} is archived and cannot be issued.")
        elif template.state != TemplateState.ACTIVE:
            err("template", f"{template.name!r} is a draft; activate it before issuing.")
        elif programme is not None and template.programme_id != programme.pk:
            err("template", f"{template.name!r} does not belong to {programme.name!r}.")

        email = normalize_email_address(values.get("email", ""))
        try:
            validate_email(email)
        except ValidationError:
            err("email", f"{values.get('email', '') or '(empty)'!r} is not a valid email address.")

        name = values.get("name", "") or " ".join(
            p for p in (values.get("first_name", ""), values.get("last_name", "")) if p
        )
        name = " ".join(name.split())
        if not name:
            err(
                "first_name" if "first_name" in headers else "name",
                "The recipient's name is empty.",
            )
        elif len(name) > 200:
            err(
                "first_name" if "first_name" in headers else "name",
                "The name is over 200 characters.",
            )

        issued_on: dt.datetime | None = None
        try:
            issued_on = parse_date(values.get("issued", ""))
        except ValueError:
            err("issued", f"{values.get('issued', '') or '(empty)'!r} is not a date. {DATE_HELP}")
        if issued_on is not None:
            if issued_on > now + CLOCK_SKEW:
                err(
                    "issued",
                    f"{values['issued']!r} is in the future; badges record what was earned.",
                )
                issued_on = None
            elif programme is not None and issued_on.date() < programme.effective_date:
                err(
                    "issued",
                    f"{values['issued']!r} is before the programme's effective date "
                    f"{programme.effective_date:%Y-%m-%d}; it is not backfilled.",
                )
                issued_on = None

        expires_at: dt.datetime | None = None
        if values.get("expires"):
            try:
                expires_at = parse_date(values["expires"])
            except ValueError:
                err("expires", f"{values['expires']!r} is not a date. {DATE_HELP}")
            if expires_at is not None and issued_on is not None and expires_at <= issued_on:
                err("expires", "The expiry date must be after the issue date.")
        elif template is not None and template.validity_days and issued_on is not None:
            expires_at = issued_on + dt.timedelta(days=template.validity_days)

        evidence_url = values.get("evidence_url", "")
        if evidence_url:
            try:
                url_ok(evidence_url)
            except ValidationError:
                err("evidence_url", f"{evidence_url!r} is not an http(s) URL.")
        locale = values.get("locale", "")
        if locale and not _LOCALE.match(locale):
            err("locale", f"{locale!r} is not a language tag such as en or fr-CA.")
        external_id = values.get("external_id", "")
        if len(external_id) > 200:
            err("external_id", "The earner id is over 200 characters.")

        if not errors and template is not None and issued_on is not None:
            key = idempotency_key(
                issuer_id=issuer.pk,
                template_public_id=template.public_id,
                email=email,
                issued_on=issued_on,
            )
            pair = (template.pk, email)
            if key in first_of_key:
                err("email", f"Duplicate of row {first_of_key[key]}; one badge is issued.")
            elif template.duplicate_policy != DuplicatePolicy.ALLOW and pair in first_of_pair:
                err(
                    "email",
                    f"Row {first_of_pair[pair]} already gives {email} this badge; its duplicate "
                    "policy allows one per person.",
                )
            else:
                first_of_key[key] = row_number
                first_of_pair.setdefault(pair, row_number)
                valid.append(
                    {
                        "row_number": row_number,
                        # Not stored for valid rows: the cleaned values are enough to award
                        # (and to report the rare row refused when awarding); half the bytes.
                        "raw": {},
                        "cleaned": {
                            "template_id": template.pk,
                            "email": email,
                            "name": name,
                            "issued_on": issued_on.isoformat(),
                            "expires_at": expires_at.isoformat() if expires_at else None,
                            "external_id": external_id,
                            "evidence_url": evidence_url,
                            "locale": locale,
                            "key": key,
                        },
                    }
                )
                continue
        invalid.append({"row_number": row_number, "raw": raw, "errors": errors})
    return valid, invalid


def _priority(row: dict[str, Any], now: dt.datetime) -> tuple[int, float]:
    """Still-active certifications first (not expired now), then newest first."""
    cleaned = row["cleaned"]
    expires = cleaned["expires_at"]
    active = expires is None or dt.datetime.fromisoformat(expires) > now
    return (0 if active else 1, -dt.datetime.fromisoformat(cleaned["issued_on"]).timestamp())


def bulk_job_create(
    *,
    actor: Actor,
    issuer: Issuer,
    file_bytes: bytes,
    filename: str,
    kind: str = JobKind.BULK,
    programme: Programme | None = None,
    now: dt.datetime | None = None,
) -> BulkJob:
    """Validate every row of an uploaded file and queue the valid ones as a job.

    A file-level problem (too big, binary, missing column) raises ``ServiceError`` and stores
    nothing; row-level problems are stored on the job for the report.
    """
    require_capability(actor=actor, issuer=issuer, capability=Capability.ISSUE)
    now = now or timezone.now()
    if kind not in JobKind.values:
        raise ServiceError(f"Unknown job kind {kind!r}.", field="kind")
    if kind == JobKind.BACKFILL:
        if programme is None:
            raise ServiceError("A backfill needs a programme.", field="programme")
        if programme.issuer_id != issuer.pk:
            raise ServiceError("That programme belongs to another issuer.", field="programme")
    check_size(len(file_bytes))
    digest = hashlib.sha256(file_bytes).hexdigest()
    # The same file sent again while its job is still queued or running (a double click, a
    # client retrying a timed-out upload) is that job, not a second one. Once a job is done a
    # re-upload makes a new job, so rows refused for a reason since fixed (an archived template
    # restored) can be retried; its rows already awarded come out as "existing", never twice.
    in_flight = BulkJob.objects.filter(
        issuer=issuer,
        kind=kind,
        programme=programme,
        file_sha256=digest,
        state__in=(JobState.QUEUED, JobState.RUNNING),
    ).first()
    if in_flight is not None:
        return in_flight
    try:
        parsed = parse_file(file_bytes, filename)
    except FileRefused as exc:
        raise ServiceError(exc.message, field="file", code=exc.code) from exc
    valid, invalid = _validate_rows(parsed, issuer=issuer, programme=programme, now=now)
    if kind == JobKind.BACKFILL:
        valid.sort(key=lambda row: _priority(row, now))
    size = app_settings.chunk_size()
    rate = app_settings.backfill_emails_per_minute() if kind == JobKind.BACKFILL else 0
    with transaction.atomic():
        job = BulkJob.objects.create(
            issuer=issuer,
            programme=programme,
            kind=kind,
            filename=filename[:255],
            file_sha256=digest,
            encoding=parsed.encoding,
            created_by=actor.user,
            actor_label=actor.label,
            total_rows=len(valid) + len(invalid),
            valid_rows=len(valid),
            invalid_rows=len(invalid),
            chunk_count=(len(valid) + size - 1) // size,
            notify_start=now if rate else None,
            emails_per_minute=rate,
        )
        # COPY on PostgreSQL, from tuples (see insignia/awards/pgcopy.py): most of an
        # upload's time was building 100,000 model instances and bulk_create quoting their
        # values in Python.
        copy_values(
            BulkRow,
            ("job_id", "row_number", "position", "chunk", "raw", "cleaned", "errors"),
            [
                (job.pk, row["row_number"], i, i // size, row["raw"], row["cleaned"], [])
                for i, row in enumerate(valid)
            ]
            + [
                (job.pk, row["row_number"], None, None, row["raw"], {}, row["errors"])
                for row in invalid
            ],
        )
        BulkChunk.objects.bulk_create(
            [
                BulkChunk(job=job, index=c, size=min(size, len(valid) - c * size))
                for c in range(job.chunk_count)
            ]
        )
        audit_record(
            actor=actor,
            verb="bulk_job.created",
            object_type="bulk_job",
            object_id=job.public_id,
            issuer_id=issuer.pk,
            after={
                "kind": kind,
                "filename": job.filename,
                "rows": job.total_rows,
                "valid": job.valid_rows,
                "invalid": job.invalid_rows,
                "programme": programme.public_id if programme else None,
            },
        )
        from insignia.bulk.tasks import bulk_job_start_task

        transaction.on_commit(lambda: bulk_job_start_task.delay(job.pk), robust=True)
    return job


def check_size(size: int) -> None:
    limit = app_settings.max_bytes()
    if size > limit:
        raise ServiceError(
            f"The file is {size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB. "
            "Split it into smaller files.",
            field="file",
            code="too_large",
        )


def _pending_chunk_ids(job_id: int) -> list[int]:
    return list(
        BulkChunk.objects.filter(job_id=job_id, done=False)
        .order_by("index")
        .values_list("pk", flat=True)
    )


def bulk_job_start(*, job_id: int) -> int:
    """Queue every chunk not yet done, in priority order; returns how many."""
    from insignia.bulk.tasks import bulk_chunk_run_task

    now = timezone.now()
    BulkJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, heartbeat_at=now, updated_at=now
    )
    ids = _pending_chunk_ids(job_id)
    for chunk_id in ids:
        bulk_chunk_run_task.delay(chunk_id)
    _job_finish_if_complete(job_id)
    return len(ids)


def _items(job: BulkJob, rows: Iterable[tuple[int, int | None, Any]]) -> list[BulkAwardInput]:
    """The awards to issue for a chunk's rows, given as (id, position, cleaned) tuples."""
    items = []
    for _, position, c in rows:
        notify_at = None
        if job.emails_per_minute and job.notify_start is not None and position is not None:
            notify_at = job.notify_start + dt.timedelta(
                seconds=position * 60 / job.emails_per_minute
            )
        items.append(
            BulkAwardInput(
                template_id=c["template_id"],
                recipient_email=c["email"],
                recipient_name=c["name"],
                issued_on=dt.datetime.fromisoformat(c["issued_on"]),
                expires_at=dt.datetime.fromisoformat(c["expires_at"]) if c["expires_at"] else None,
                idempotency_key=c["key"],
                external_id=c["external_id"],
                evidence=({"url": c["evidence_url"]},) if c["evidence_url"] else (),
                notify_at=notify_at,
            )
        )
    return items


def bulk_chunk_run(*, chunk_id: int) -> str:
    """Award one chunk in one transaction, marking it done in the same commit."""
    timings: dict[str, float] = {}
    with transaction.atomic():
        chunks = BulkChunk.objects.filter(pk=chunk_id)
        if connection.features.has_select_for_update_skip_locked:
            # Another worker holding this chunk is working on it: leave it to them.
            chunks = chunks.select_for_update(skip_locked=True)
        chunk = chunks.first()
        if chunk is None or chunk.done:
            return "skipped"
        job = BulkJob.objects.select_related("issuer", "created_by").get(pk=chunk.job_id)
        loading = time.perf_counter()
        # (id, position, cleaned) tuples, not model instances: a thousand fewer per chunk.
        rows = list(
            BulkRow.objects.filter(job=job, chunk=chunk.index)
            .order_by("position")
            .values_list("pk", "position", "cleaned")
        )
        items = _items(job, rows)
        loaded = time.perf_counter() - loading
        actor = Actor(user=job.created_by, label=job.actor_label or "bulk")
        source = AwardSource.BACKFILL if job.kind == JobKind.BACKFILL else AwardSource.CSV
        try:
            outcome = awards_issue_bulk(actor=actor, issuer=job.issuer, items=items, source=source)
            refused = {index: (_COLUMNS.get(f, f), m) for index, f, m in outcome.refused}
            created, existing = len(outcome.created), outcome.existing
            timings = outcome.timings
        except ServiceError as exc:  # e.g. the uploader lost the right to issue meanwhile
            refused = {index: ("", exc.message) for index in range(len(rows))}
            created = existing = 0
        timings["load"] = loaded
        changed = [
            BulkRow(pk=rows[index][0], errors=[{"column": field, "message": message}])
            for index, (field, message) in refused.items()
        ]
        BulkRow.objects.bulk_update(changed, ["errors"], batch_size=1000)
        chunk.done = True
        chunk.created_awards, chunk.existing_awards, chunk.refused = (
            created,
            existing,
            len(refused),
        )
        chunk.save(update_fields=["done", "created_awards", "existing_awards", "refused"])
        commit_started = time.perf_counter()
    timings["commit"] = time.perf_counter() - commit_started
    # One line per chunk: bench/backfill.py reads it to say where the time goes.
    logger.info("bulk-chunk-timings %s", json.dumps(timings))
    _job_finish_if_complete(chunk.job_id)
    return "done"


def _job_finish_if_complete(job_id: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        job.heartbeat_at = now
        fields = ["heartbeat_at", "updated_at"]
        if (
            job.state != JobState.DONE
            and not BulkChunk.objects.filter(job=job, done=False).exists()
        ):
            job.state, job.finished_at = JobState.DONE, now
            fields += ["state", "finished_at"]
            totals = bulk_job_totals(job)
            audit_record(
                actor=Actor(user=job.created_by, label=job.actor_label),
                verb="bulk_job.finished",
                object_type="bulk_job",
                object_id=job.public_id,
                issuer_id=job.issuer_id,
                after=totals,
            )
        job.save(update_fields=fields)


def bulk_job_totals(job: BulkJob) -> dict[str, int]:
    from django.db.models import Sum

    sums = BulkChunk.objects.filter(job=job, done=True).aggregate(
        processed=Sum("size"),
        created=Sum("created_awards"),
        existing=Sum("existing_awards"),
        refused=Sum("refused"),
    )
    return {k: int(v or 0) for k, v in sums.items()}


def bulk_jobs_resume(*, now: dt.datetime | None = None) -> int:
    """Re-queue the remaining chunks of jobs that stopped moving (their worker died)."""
    from insignia.bulk.tasks import bulk_chunk_run_task

    now = now or timezone.now()
    stalled = BulkJob.objects.filter(
        state__in=[JobState.QUEUED, JobState.RUNNING],
        updated_at__lt=now - app_settings.lease(),
    ).values_list("pk", flat=True)
    queued = 0
    for job_id in stalled:
        BulkJob.objects.filter(pk=job_id).update(state=JobState.RUNNING, updated_at=now)
        for chunk_id in _pending_chunk_ids(job_id):
            bulk_chunk_run_task.delay(chunk_id)
            queued += 1
        _job_finish_if_complete(job_id)
    return queued

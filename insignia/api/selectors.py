"""Reads for the issuer API, always within one issuer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from insignia.accounts.models import normalize_email_address
from insignia.api.models import ApiClient, ApiToken
from insignia.awards.models import Award
from insignia.badges.models import BadgeTemplate, Programme
from insignia.bulk.models import BulkJob, BulkRow, JobKind
from insignia.bulk.selectors import bulk_job_list, bulk_job_progress
from insignia.core.models import AuditEvent
from insignia.issuers.models import Issuer


def api_templates(*, issuer: Issuer) -> QuerySet[BadgeTemplate]:
    return (
        BadgeTemplate.objects.filter(issuer=issuer)
        .select_related("programme")
        .prefetch_related("skills", "alignments")
        .order_by("name", "id")
    )


def api_template_get(*, issuer: Issuer, public_id: str) -> BadgeTemplate:
    # Another issuer's template is a 404, not a 403: a client learns nothing about it.
    return get_object_or_404(api_templates(issuer=issuer), public_id=public_id)


def api_template_for_issue(*, issuer: Issuer, public_id: str) -> BadgeTemplate:
    # Issuing needs only the row (and its issuer for the permission check), not the skills
    # and alignments the template's own endpoints show: two queries fewer per award.
    return get_object_or_404(
        BadgeTemplate.objects.filter(issuer=issuer).select_related("issuer"), public_id=public_id
    )


def api_programmes(*, issuer: Issuer) -> QuerySet[Programme]:
    return Programme.objects.filter(issuer=issuer).order_by("name", "id")


def api_programme_get(*, issuer: Issuer, public_id: str) -> Programme:
    return get_object_or_404(api_programmes(issuer=issuer), public_id=public_id)


def api_awards(*, issuer: Issuer, filters: dict[str, Any] | None = None) -> QuerySet[Award]:
    qs = Award.objects.filter(issuer=issuer).select_related("template", "replaced_by")
    f = filters or {}
    if f.get("template"):
        qs = qs.filter(template__public_id=f["template"])
    if f.get("email"):
        qs = qs.filter(recipient_email=normalize_email_address(f["email"]))
    if f.get("issued_after"):
        qs = qs.filter(issued_on__gte=f["issued_after"])
    if f.get("issued_before"):
        qs = qs.filter(issued_on__lt=f["issued_before"])
    state = f.get("state")
    now = timezone.now()
    if state in ("pending", "accepted", "rejected"):
        qs = qs.filter(state=state, revoked_at__isnull=True)
    elif state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    elif state == "expired":
        qs = qs.filter(revoked_at__isnull=True, expires_at__lte=now)
    elif state == "valid":
        qs = qs.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)
    return qs.order_by("-issued_on", "-id")


def api_award_get(*, issuer: Issuer, public_id: str) -> Award:
    return get_object_or_404(api_awards(issuer=issuer), public_id=public_id)


def api_events(*, issuer: Issuer, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """The issuer's audit trail, oldest first: a consumer polls with ``after_id`` = last seen."""
    qs = AuditEvent.objects.filter(issuer_id=issuer.pk)
    f = filters or {}
    if f.get("after_id") is not None:
        qs = qs.filter(id__gt=f["after_id"])
    if f.get("verb"):
        qs = qs.filter(verb=f["verb"])
    if f.get("object_type"):
        qs = qs.filter(object_type=f["object_type"])
    if f.get("since"):
        qs = qs.filter(created_at__gte=f["since"])
    if f.get("until"):
        qs = qs.filter(created_at__lt=f["until"])
    return qs.order_by("id")


def api_bulk_jobs(*, issuer: Issuer) -> QuerySet[BulkJob]:
    return bulk_job_list(issuer=issuer).order_by("-created_at", "-id")


def api_bulk_job_get(*, issuer: Issuer, public_id: str) -> BulkJob:
    return get_object_or_404(api_bulk_jobs(issuer=issuer), public_id=public_id)


def api_bulk_job_out(job: BulkJob, *, build_uri: Callable[[str], str]) -> dict[str, Any]:
    """A job's progress as the API shows it: the bulk app's numbers under the API's names."""
    progress = bulk_job_progress(job)
    url = reverse("api:bulk-job", args=[job.public_id])
    return {
        "id": job.public_id,
        "kind": "backfill" if job.kind == JobKind.BACKFILL else "issue",
        "state": progress["state"],
        "filename": job.filename,
        "programme_id": job.programme.public_id if job.programme else None,
        "total_rows": progress["total_rows"],
        "valid_rows": progress["valid_rows"],
        "invalid_rows": progress["invalid_rows"],
        "processed_rows": progress["processed_rows"],
        "awarded": progress["created"],
        "existing": progress["existing"],
        "refused": progress["refused"],
        "percent": progress["percent"],
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "progress_url": build_uri(url),
        "errors_url": build_uri(reverse("api:bulk-job-errors", args=[job.public_id])),
    }


def api_bulk_job_errors(rows: Iterable[BulkRow]) -> list[dict[str, Any]]:
    """One item per error of ``rows`` (a row can have several)."""
    return [
        {"row": row.row_number, "column": e.get("column", ""), "message": e.get("message", "")}
        for row in rows
        for e in row.errors
    ]


def api_tokens(*, issuer: Issuer) -> QuerySet[ApiToken]:
    # Live ones first, on every database (PostgreSQL would sort NULLs last).
    return ApiToken.objects.filter(issuer=issuer).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )


def api_clients(*, issuer: Issuer) -> QuerySet[ApiClient]:
    return (
        ApiClient.objects.filter(issuer=issuer)
        .select_related("application")
        .order_by(F("revoked_at").asc(nulls_first=True), "name", "id")
    )

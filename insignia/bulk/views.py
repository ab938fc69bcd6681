"""Issuer UI for bulk upload and backfill: upload, job progress, the invalid-rows report.

Thin: the upload is checked for size before it is read, then handed to ``bulk_job_create``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from insignia.badges.models import Programme
from insignia.bulk import app_settings
from insignia.bulk.models import BulkJob, JobKind, JobState
from insignia.bulk.selectors import (
    bulk_job_error_rows,
    bulk_job_errors_csv,
    bulk_job_list,
    bulk_job_progress,
)
from insignia.bulk.services import bulk_job_create, check_size
from insignia.core.errors import ServiceError
from insignia.issuers.permissions import Capability
from insignia.issuers.views import IssuerAccess, _render, issuer_view

REPORT_ROWS_SHOWN = 200


@issuer_view(Capability.ISSUE, methods=("GET", "POST"))
def bulk_upload(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    issuer = access.issuer
    programmes = Programme.objects.filter(issuer=issuer).order_by("name")
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        programme_ref = request.POST.get("programme", "")
        programme = programmes.filter(public_id=programme_ref).first() if programme_ref else None
        try:
            if upload is None:
                raise ServiceError(_("Choose a CSV or JSON file to upload."), field="file")
            if programme_ref and programme is None:
                raise ServiceError(_("Choose one of your programmes."), field="programme")
            check_size(upload.size or 0)  # before reading it
            job = bulk_job_create(
                actor=access.actor,
                issuer=issuer,
                file_bytes=upload.read(),
                filename=upload.name or "upload.csv",
                kind=JobKind.BACKFILL if programme else JobKind.BULK,
                programme=programme,
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("%(rows)s rows read: %(valid)s valid, %(invalid)s invalid.")
                % {"rows": job.total_rows, "valid": job.valid_rows, "invalid": job.invalid_rows},
            )
            return redirect("issuer_ui:bulk_job", issuer.slug, job.public_id)
    return _render(
        request,
        "bulk/upload.html",
        access,
        "bulk",
        {
            "programmes": programmes,
            "error": error,
            "jobs": bulk_job_list(issuer=issuer)[:20],
            "max_mb": app_settings.max_bytes() // 1_048_576,
        },
        status=400 if error else 200,
    )


@issuer_view(Capability.VIEW)
def bulk_job(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    job = get_object_or_404(BulkJob, issuer=access.issuer, public_id=public_id)
    progress = bulk_job_progress(job)
    return _render(
        request,
        "bulk/job.html",
        access,
        "bulk",
        {
            "job": job,
            "progress": progress,
            "running": progress["state"] != JobState.DONE,
            "error_rows": bulk_job_error_rows(job)[:REPORT_ROWS_SHOWN],
            "shown": REPORT_ROWS_SHOWN,
        },
    )


@issuer_view(Capability.VIEW)
def bulk_job_errors(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    job = get_object_or_404(BulkJob, issuer=access.issuer, public_id=public_id)
    response = HttpResponse(bulk_job_errors_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="invalid-rows-{job.public_id}.csv"'
    return response

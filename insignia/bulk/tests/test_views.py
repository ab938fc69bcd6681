"""The issuer UI pages: upload, progress with the report, the downloadable invalid rows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from insignia.awards.models import Award
from insignia.bulk.models import BulkJob
from insignia.issuers.models import Role
from insignia.testing.factories import BadgeTemplateFactory

pytestmark = pytest.mark.django_db


def _upload(client, issuer, body: str, name: str = "people.csv"):
    return client.post(
        reverse("issuer_ui:bulk_upload", args=[issuer.slug]),
        {"file": SimpleUploadedFile(name, body.encode(), "text/csv")},
    )


def test_upload_shows_progress_and_the_invalid_rows_report(
    client, issuer, staff_by_role, django_capture_on_commit_callbacks
):
    template = BadgeTemplateFactory(issuer=issuer)
    client.force_login(staff_by_role[Role.ISSUER])
    body = (
        "Badge Template ID,Recipient Email,First Name,Last Name,Issued At\n"
        f"{template.public_id},ok@example.com,Ok,Person,2024-01-01\n"
        f"{template.public_id},=cmd|' /C calc'!A0,Bad,Email,2024-01-01\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, issuer, body)
    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert Award.objects.filter(recipient_email="ok@example.com").exists()
    page = client.get(response["Location"]).content.decode()
    assert '<progress max="100" value="100"' in page
    assert "is not a valid email address" in page
    assert 'http-equiv="refresh"' not in page  # done: no more polling
    csv_response = client.get(
        reverse("issuer_ui:bulk_job_errors", args=[issuer.slug, job.public_id])
    )
    assert csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode()
    assert "3,Recipient Email" in text
    assert "'=cmd" in text


def test_a_running_job_page_refreshes_itself(client, issuer, staff_by_role):
    job = BulkJob.objects.create(
        issuer=issuer, filename="x.csv", file_sha256="0" * 64, valid_rows=5
    )
    client.force_login(staff_by_role[Role.VIEWER])
    page = client.get(reverse("issuer_ui:bulk_job", args=[issuer.slug, job.public_id]))
    assert 'http-equiv="refresh"' in page.content.decode()


def test_a_binary_file_is_refused_with_a_clear_message(client, issuer, staff_by_role):
    client.force_login(staff_by_role[Role.ISSUER])
    response = client.post(
        reverse("issuer_ui:bulk_upload", args=[issuer.slug]),
        {"file": SimpleUploadedFile("badges.csv", b"\x00\x01\x02PK\x03\x04" * 100)},
    )
    assert response.status_code == 400
    assert "not a text CSV" in response.content.decode()
    assert BulkJob.objects.count() == 0


def test_a_file_over_the_limit_is_refused(client, issuer, staff_by_role, settings):
    settings.INSIGNIA_BULK_MAX_BYTES = 100
    client.force_login(staff_by_role[Role.ISSUER])
    response = _upload(client, issuer, "x" * 101)
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()

"""Bulk jobs through the API: CSV (multipart or raw body) and JSON rows, progress, errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from insignia.api.tests.conftest import client_for
from insignia.awards.models import Award, AwardSource
from insignia.bulk.models import BulkJob, JobKind
from insignia.core.models import AuditEvent
from insignia.notifications.models import OutboxMessage
from insignia.testing.factories import BadgeTemplateFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db
HEADER = "Badge Template ID,Recipient Email,First Name,Last Name,Issued At\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def _row(template, email: str, issued: str = "2024-03-01", **extra) -> dict[str, str]:
    return {
        "template_id": template.public_id,
        "recipient_email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "issued_on": issued,
    } | extra


@pytest.fixture
def post(api, django_capture_on_commit_callbacks):
    """POST with the job's tasks run at commit, as a worker would right after."""

    def send(path="/api/v1/bulk-jobs", data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(path, data, **kwargs)

    return send


def test_json_rows_become_a_job_whose_progress_and_awards_follow(api, post, template):
    rows = [_row(template, "ana@example.com"), _row(template, "bo@example.com")]
    response = post(data={"rows": rows}, format="json")
    assert response.status_code == 202, response.json()
    data = response.json()["data"]
    assert data["kind"] == "issue"
    assert (data["total_rows"], data["valid_rows"], data["invalid_rows"]) == (2, 2, 0)
    assert response["Location"] == data["progress_url"]
    assert data["progress_url"].endswith(f"/api/v1/bulk-jobs/{data['id']}")

    progress = api.get(data["progress_url"]).json()["data"]
    assert progress["state"] == "done"
    assert (progress["awarded"], progress["existing"], progress["percent"]) == (2, 0, 100)
    assert progress["finished_at"] is not None
    awards = Award.objects.filter(template=template)
    assert {a.recipient_email for a in awards} == {"ana@example.com", "bo@example.com"}
    assert {a.source for a in awards} == {AwardSource.CSV}
    assert OutboxMessage.objects.filter(award__in=awards).count() == 2
    created = AuditEvent.objects.get(verb="bulk_job.created", object_id=data["id"])
    assert created.actor_label == "api:Exam system"


def test_a_bare_json_array_is_accepted_too(post, template):
    response = post(data=[_row(template, "ana@example.com")], format="json")
    assert response.status_code == 202, response.json()
    assert Award.objects.count() == 1


def test_multipart_csv_upload(post, template):
    upload = SimpleUploadedFile(
        "results.csv", _csv(f"{template.public_id},ana@example.com,Ana,Ng,2024-03-01")
    )
    response = post(data={"file": upload}, format="multipart")
    assert response.status_code == 202, response.json()
    assert response.json()["data"]["filename"] == "results.csv"
    assert Award.objects.get().recipient_email == "ana@example.com"


def test_raw_text_csv_body_with_a_semicolon_and_latin1(post, template):
    body = (
        "Badge Template ID;Recipient Email;First Name;Last Name;Issued At\n"
        f"{template.public_id};jose@example.com;José;Núñez;2024-03-01\n"
    ).encode("latin-1")
    response = post(data=body, content_type="text/csv")
    assert response.status_code == 202, response.json()
    assert Award.objects.get().recipient_name == "José Núñez"


def test_reposting_the_same_rows_creates_no_new_award(api, post, template):
    rows = [_row(template, "ana@example.com"), _row(template, "bo@example.com")]
    first = post(data={"rows": rows}, format="json").json()["data"]
    again = post(data={"rows": rows}, format="json").json()["data"]
    assert Award.objects.count() == 2
    progress = api.get(again["progress_url"]).json()["data"]
    assert (progress["awarded"], progress["existing"]) == (0, 2)
    assert again["id"] != first["id"]  # the upload is recorded; the awards are not repeated
    # A CSV with the same people, template and dates is the same awards.
    csv = _csv(
        f"{template.public_id},ana@example.com,Ada,Lovelace,2024-03-01",
        f"{template.public_id},bo@example.com,Ada,Lovelace,2024-03-01",
    )
    post(data=csv, content_type="text/csv")
    assert Award.objects.count() == 2


def test_invalid_rows_are_reported_by_1_based_array_position(api, post, template):
    rows = [
        _row(template, "ana@example.com"),
        _row(template, "not-an-email"),
        _row(template, "bo@example.com", issued="yesterday"),
    ]
    data = post(data={"rows": rows}, format="json").json()["data"]
    assert (data["valid_rows"], data["invalid_rows"]) == (1, 2)
    errors = api.get(data["errors_url"])
    assert errors.status_code == 200
    items = errors.json()["data"]
    assert [(e["row"], e["column"]) for e in items] == [(2, "recipient_email"), (3, "issued_on")]
    assert "not a valid email" in items[0]["message"]
    assert errors.json()["metadata"]["total_count"] == 2


def test_error_report_as_csv_neutralises_formulas(api, post, template):
    rows = [_row(template, '=HYPERLINK("http://evil.example")')]
    data = post(data={"rows": rows}, format="json").json()["data"]
    response = api.get(data["errors_url"], HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.splitlines()[0].startswith("Row,Column,Message")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text
    by_query = api.get(f"{data['errors_url']}?format=csv")
    assert by_query["Content-Type"].startswith("text/csv")
    assert by_query.content == response.content


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rows": [{"recipient_email": 12}]}, "rows.0.recipient_email"),
        ({"rows": [{"colour": "red"}]}, "rows.0.colour"),
        ({"rows": ["a@example.com"]}, "rows.0"),
        ({"rows": []}, "rows"),
        ({"rows": "a.csv"}, "rows"),
        ({"rows": [{}], "kind": "sideways"}, "kind"),
        ({"rows": [{}], "extra": 1}, "extra"),
    ],
)
def test_wrong_types_and_extra_fields_are_400_naming_the_field(post, body, field):
    response = post(data=body, format="json")
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert BulkJob.objects.count() == 0


def test_missing_column_is_400_on_the_rows(post, template):
    rows = [{"template_id": template.public_id, "recipient_email": "a@example.com"}]
    response = post(data={"rows": rows}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["code"], error["field"]) == ("missing_column", "rows")


def test_binary_file_named_csv_is_400(post):
    upload = SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    response = post(data={"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_text"


def test_over_the_size_limit_is_413_for_every_way_of_sending(post, template, settings):
    settings.INSIGNIA_BULK_MAX_BYTES = 1000
    big = _csv(*[f"{template.public_id},p{i}@example.com,A,B,2024-03-01" for i in range(40)])
    assert len(big) > 1000
    responses = [
        post(data=big, content_type="text/csv"),
        post(
            data={"rows": [_row(template, f"p{i}@example.com") for i in range(40)]}, format="json"
        ),
        post(data={"file": SimpleUploadedFile("big.csv", big)}, format="multipart"),
    ]
    for response in responses:
        assert response.status_code == 413
        assert response.json()["errors"][0]["code"] == "too_large"
    assert BulkJob.objects.count() == 0


def test_unsupported_media_type_is_415(api):
    response = api.generic("POST", "/api/v1/bulk-jobs", "<rows/>", content_type="application/xml")
    assert response.status_code == 415


def test_backfill_needs_a_programme_and_follows_its_rules(api, post, issuer):
    programme = ProgrammeFactory(issuer=issuer, effective_date=dt.date(2020, 1, 1))
    template = BadgeTemplateFactory(issuer=issuer, programme=programme)
    rows = [
        _row(template, "old@example.com", issued="2021-06-01", expires_at="2022-06-01"),
        _row(template, "new@example.com", issued="2023-06-01"),
        _row(template, "early@example.com", issued="2019-12-31"),
    ]
    refused = post(data={"kind": "backfill", "rows": rows}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "programme_id"

    response = post(
        data={"kind": "backfill", "programme_id": programme.public_id, "rows": rows},
        format="json",
    )
    assert response.status_code == 202, response.json()
    data = response.json()["data"]
    assert (data["kind"], data["programme_id"]) == ("backfill", programme.public_id)
    job = BulkJob.objects.get(public_id=data["id"])
    assert job.kind == JobKind.BACKFILL
    order = list(
        job.rows.filter(position__isnull=False)
        .order_by("position")
        .values_list("cleaned__email", flat=True)
    )
    assert order == ["new@example.com", "old@example.com"]  # active first, then newest
    [error] = api.get(data["errors_url"]).json()["data"]
    assert error["row"] == 3
    assert "effective date 2020-01-01" in error["message"]
    assert Award.objects.filter(source=AwardSource.BACKFILL).count() == 2


def test_backfill_by_csv_body_takes_kind_and_programme_from_the_query(post, issuer):
    programme = ProgrammeFactory(issuer=issuer, effective_date=dt.date(2020, 1, 1))
    template = BadgeTemplateFactory(issuer=issuer, programme=programme)
    body = _csv(f"{template.public_id},ana@example.com,Ana,Ng,2021-01-01")
    url = f"/api/v1/bulk-jobs?kind=backfill&programme_id={programme.public_id}"
    response = post(url, body, content_type="text/csv")
    assert response.status_code == 202, response.json()
    assert response.json()["data"]["kind"] == "backfill"


def test_another_issuers_programme_is_refused(post, template, other_issuer):
    theirs = ProgrammeFactory(issuer=other_issuer)
    body = {
        "kind": "backfill",
        "programme_id": theirs.public_id,
        "rows": [_row(template, "a@x.io")],
    }
    response = post(data=body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "programme_id"


def test_list_shows_only_the_clients_issuer_jobs_paginated(api, post, template, other_issuer):
    for i in range(3):
        post(data=[_row(template, f"p{i}@example.com")], format="json")
    other_template = BadgeTemplateFactory(issuer=other_issuer)
    with_other = client_for(other_issuer)
    theirs = with_other.post(
        "/api/v1/bulk-jobs", [_row(other_template, "x@example.com")], format="json"
    ).json()["data"]["id"]
    body = api.get("/api/v1/bulk-jobs?per=2").json()
    assert body["metadata"]["total_count"] == 3
    assert len(body["data"]) == 2
    assert theirs not in {job["id"] for job in body["data"]}
    assert api.get(f"/api/v1/bulk-jobs/{theirs}").status_code == 404
    assert api.get(f"/api/v1/bulk-jobs/{theirs}/errors").status_code == 404
    assert json.loads(api.get("/api/v1/bulk-jobs?page=2&per=2").content)["metadata"]["count"] == 1

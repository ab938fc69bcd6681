"""Bulk jobs end to end in-process: validation report, awarding, idempotency, backfill order,
throttled emails and the chunk cursor."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from insignia.awards.models import Award, AwardSource, AwardState
from insignia.badges.models import DuplicatePolicy, TemplateState
from insignia.bulk.models import BulkChunk, BulkJob, BulkRow, JobState
from insignia.bulk.selectors import bulk_job_errors_csv, bulk_job_progress
from insignia.bulk.services import bulk_chunk_run, bulk_job_create, bulk_jobs_resume
from insignia.core.audit import Actor
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.core.models import AuditEvent
from insignia.notifications.models import OutboxMessage
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HEADER = "Badge Template ID,Recipient Email,First Name,Last Name,Issued At,Expires At\n"
CLI = Actor.system("test")


def _csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def _create(django_capture_on_commit_callbacks, **kwargs):
    kwargs.setdefault("actor", CLI)
    kwargs.setdefault("filename", "upload.csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk_job_create(**kwargs)
    job.refresh_from_db()
    return job


def test_valid_rows_are_awarded_with_audit_and_outbox_rows(
    issuer, django_capture_on_commit_callbacks
):
    template = BadgeTemplateFactory(issuer=issuer)
    data = _csv(
        f"{template.public_id},Ana@Example.com,Ana,Ng,2024-03-01,",
        f"{template.slug},bo@example.com,Bo,Li,03/02/2024,2030-01-01",
    )
    job = _create(django_capture_on_commit_callbacks, issuer=issuer, file_bytes=data)
    assert job.state == JobState.DONE
    awards = Award.objects.filter(template=template).order_by("recipient_email")
    assert [a.recipient_email for a in awards] == ["ana@example.com", "bo@example.com"]
    assert all(a.source == AwardSource.CSV and a.claim_token_hash for a in awards)
    assert awards[1].issued_on == dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(verb="award.issued").count() == 2
    assert OutboxMessage.objects.filter(award__in=awards).count() == 2
    # The email context is the one award_issue writes (built from a per-template cache).
    message = OutboxMessage.objects.get(award=awards[0])
    assert message.context["badge_url"] == settings.SITE_URL + awards[0].get_absolute_url()
    assert message.context["recipient_name"] == "Ana Ng"
    assert message.context["badge_name"] == template.name
    progress = bulk_job_progress(job)
    assert progress["created"] == 2
    assert progress["percent"] == 100


def test_every_invalid_row_is_reported_with_row_column_and_message(
    issuer, django_capture_on_commit_callbacks
):
    template = BadgeTemplateFactory(issuer=issuer)
    archived = BadgeTemplateFactory(issuer=issuer, state=TemplateState.ARCHIVED)
    future = (timezone.now() + dt.timedelta(days=3)).date().isoformat()
    data = _csv(
        f"{template.public_id},not-an-email,A,B,2024-01-01,",
        "nope,c@example.com,C,D,2024-01-01,",
        f"{archived.public_id},d@example.com,D,E,2024-01-01,",
        f"{template.public_id},e@example.com,E,F,{future},",
        f"{template.public_id},f@example.com,F,G,31/31/2024,",
        f"{template.public_id},g@example.com,G,H,2024-01-01,",
        f"{template.public_id},G@example.com,G,H,2024-01-01,",
    )
    job = _create(django_capture_on_commit_callbacks, issuer=issuer, file_bytes=data)
    errors = {r.row_number: r.errors[0] for r in BulkRow.objects.filter(job=job).exclude(errors=[])}
    assert errors[2] == {
        "column": "Recipient Email",
        "message": "'not-an-email' is not a valid email address.",
    }
    assert (
        errors[3]["column"] == "Badge Template ID"
        and "No badge template 'nope'" in errors[3]["message"]
    )
    assert "archived" in errors[4]["message"]
    assert "future" in errors[5]["message"]
    assert "YYYY-MM-DD" in errors[6]["message"] and "MM/DD/YYYY" in errors[6]["message"]
    assert "Duplicate of row 7" in errors[8]["message"]
    assert job.invalid_rows == 6
    assert Award.objects.filter(template=template).count() == 1
    report = bulk_job_errors_csv(job)
    assert report.splitlines()[0].startswith("Row,Column,Message")
    assert "not-an-email" in report


def test_formula_cells_in_the_error_report_are_neutralised(
    issuer, django_capture_on_commit_callbacks
):
    template = BadgeTemplateFactory(issuer=issuer)
    data = _csv(f'{template.public_id},=HYPERLINK("x"),A,B,2024-01-01,')
    job = _create(django_capture_on_commit_callbacks, issuer=issuer, file_bytes=data)
    report = bulk_job_errors_csv(job)
    assert "'=HYPERLINK" in report
    assert ",=HYPERLINK" not in report


@pytest.mark.parametrize("policy", [DuplicatePolicy.DENY, DuplicatePolicy.ALLOW])
def test_reuploading_the_same_file_creates_nothing_new(
    issuer, django_capture_on_commit_callbacks, policy
):
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=policy)
    data = _csv(*(f"{template.public_id},p{i}@example.com,P,{i},2024-01-01," for i in range(5)))
    _create(django_capture_on_commit_callbacks, issuer=issuer, file_bytes=data)
    second = _create(django_capture_on_commit_callbacks, issuer=issuer, file_bytes=data)
    assert Award.objects.filter(template=template).count() == 5
    assert OutboxMessage.objects.count() == 5
    progress = bulk_job_progress(second)
    assert (progress["created"], progress["existing"]) == (0, 5)


def test_the_same_file_sent_while_its_job_is_still_queued_is_that_job(
    issuer, django_capture_on_commit_callbacks
):
    template = BadgeTemplateFactory(issuer=issuer)
    data = _csv(*(f"{template.public_id},q{i}@example.com,Q,{i},2024-01-01," for i in range(3)))
    # Callbacks not run: the first job stays queued, as while a worker has not picked it up.
    with django_capture_on_commit_callbacks(execute=False):
        first = bulk_job_create(actor=CLI, issuer=issuer, file_bytes=data, filename="a.csv")
        again = bulk_job_create(actor=CLI, issuer=issuer, file_bytes=data, filename="b.csv")
    assert first.state == JobState.QUEUED
    assert again.pk == first.pk
    assert BulkJob.objects.filter(issuer=issuer).count() == 1
    # A backfill of the same bytes is a different job, not the bulk one.
    programme = ProgrammeFactory(issuer=issuer)
    template.programme = programme
    template.save()
    with django_capture_on_commit_callbacks(execute=False):
        backfill = bulk_job_create(
            actor=CLI,
            issuer=issuer,
            file_bytes=data,
            filename="a.csv",
            kind="backfill",
            programme=programme,
        )
    assert backfill.pk != first.pk


def test_deny_policy_refuses_a_second_badge_for_an_existing_holder(
    issuer, django_capture_on_commit_callbacks
):
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=DuplicatePolicy.DENY)
    AwardFactory(template=template, recipient_email="held@example.com")
    data = _csv(f"{template.public_id},held@example.com,H,D,2024-01-01,")
    job = _create(django_capture_on_commit_callbacks, issuer=issuer, file_bytes=data)
    (row,) = BulkRow.objects.filter(job=job)
    assert "already holds" in row.errors[0]["message"]
    assert bulk_job_progress(job)["refused"] == 1
    assert Award.objects.filter(template=template).count() == 1


def test_verified_owner_gets_the_award_attached_and_auto_accepted_per_their_settings(
    issuer, django_capture_on_commit_callbacks
):
    from insignia.earners.services import earner_settings_update

    user = UserFactory(email="owner@example.com")
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    earner_settings_update(
        user=user,
        profile_public=False,
        default_visibility="private",
        auto_accept_all=True,
        reminders_opt_out=False,
    )
    template = BadgeTemplateFactory(issuer=issuer)
    data = _csv(f"{template.public_id},owner@example.com,O,W,2024-01-01,")
    _create(django_capture_on_commit_callbacks, issuer=issuer, file_bytes=data)
    award = Award.objects.get(template=template)
    assert award.earner == user
    assert award.state == AwardState.ACCEPTED
    assert award.visibility == "private"
    assert OutboxMessage.objects.get(award=award).kind == "award.auto_accepted"


def test_file_over_the_limit_is_refused_before_parsing(issuer, settings):
    settings.INSIGNIA_BULK_MAX_BYTES = 1000
    with pytest.raises(ServiceError) as exc:
        bulk_job_create(actor=CLI, issuer=issuer, file_bytes=b"x" * 1001, filename="big.csv")
    assert exc.value.code == "too_large"
    assert BulkJob.objects.count() == 0


def test_missing_column_is_a_file_error_and_stores_nothing(issuer):
    with pytest.raises(ServiceError) as exc:
        bulk_job_create(
            actor=CLI, issuer=issuer, file_bytes=b"Email,Name\na@b.co,A\n", filename="x.csv"
        )
    assert "Badge Template ID" in exc.value.message and "'Email'" in exc.value.message
    assert BulkJob.objects.count() == 0


def test_viewer_may_not_upload(issuer, staff_by_role):
    with pytest.raises(PermissionDenied):
        bulk_job_create(
            actor=Actor(user=staff_by_role["viewer"]),
            issuer=issuer,
            file_bytes=_csv(),
            filename="x.csv",
        )


@override_settings(INSIGNIA_BULK_CHUNK_SIZE=2, INSIGNIA_BACKFILL_EMAILS_PER_MINUTE=60)
def test_backfill_orders_active_first_then_newest_and_skips_rows_before_the_effective_date(
    issuer, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory(issuer=issuer, effective_date=dt.date(2020, 1, 1))
    template = BadgeTemplateFactory(issuer=issuer, programme=programme)
    other = BadgeTemplateFactory(issuer=issuer)
    tid = template.public_id
    data = _csv(
        f"{tid},expired@example.com,E,X,2021-01-01,2022-01-01",
        f"{tid},old@example.com,O,L,2021-06-01,",
        f"{tid},new@example.com,N,W,2023-06-01,",
        f"{tid},early@example.com,E,A,2019-12-31,",
        f"{other.public_id},wrong@example.com,W,R,2023-01-01,",
    )
    job = _create(
        django_capture_on_commit_callbacks,
        issuer=issuer,
        file_bytes=data,
        kind="backfill",
        programme=programme,
    )
    order = list(
        BulkRow.objects.filter(job=job, position__isnull=False)
        .order_by("position")
        .values_list("cleaned__email", flat=True)
    )
    assert order == ["new@example.com", "old@example.com", "expired@example.com"]
    errors = {
        r.row_number: r.errors[0]["message"]
        for r in BulkRow.objects.filter(job=job).exclude(errors=[])
    }
    assert "effective date 2020-01-01" in errors[5]
    assert "does not belong" in errors[6]
    assert Award.objects.filter(source=AwardSource.BACKFILL).count() == 3
    # Throttled: one email per second of the configured rate, in priority order.
    times = [
        OutboxMessage.objects.get(to=email).next_attempt_at
        for email in ["new@example.com", "old@example.com", "expired@example.com"]
    ]
    assert times[1] - times[0] == dt.timedelta(seconds=1)
    assert times[2] - times[1] == dt.timedelta(seconds=1)
    # Not sent yet, so the row still holds the claim link for this award.
    waiting = OutboxMessage.objects.select_related("award").get(to="new@example.com")
    assert waiting.context["claim_url"].startswith(
        f"{settings.SITE_URL}/claim/{waiting.award.public_id}/"
    )


def test_backfill_without_programme_is_refused(issuer):
    with pytest.raises(ServiceError):
        bulk_job_create(
            actor=CLI, issuer=issuer, file_bytes=_csv(), filename="x.csv", kind="backfill"
        )


def test_a_chunk_runs_once_and_the_resume_sweep_finishes_a_stalled_job(
    issuer, settings, django_capture_on_commit_callbacks
):
    settings.INSIGNIA_BULK_CHUNK_SIZE = 2
    template = BadgeTemplateFactory(issuer=issuer)
    data = _csv(*(f"{template.public_id},r{i}@example.com,R,{i},2024-01-01," for i in range(5)))
    # Stored and validated, but the start task never ran (as if the worker died at once).
    job = bulk_job_create(actor=CLI, issuer=issuer, file_bytes=data, filename="x.csv")
    assert BulkChunk.objects.filter(job=job).count() == 3
    first = BulkChunk.objects.get(job=job, index=0)
    assert bulk_chunk_run(chunk_id=first.pk) == "done"
    assert bulk_chunk_run(chunk_id=first.pk) == "skipped"
    assert Award.objects.count() == 2
    assert bulk_jobs_resume() == 0  # still within its lease
    later = timezone.now() + dt.timedelta(seconds=settings.INSIGNIA_BULK_LEASE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_jobs_resume(now=later) == 2
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert Award.objects.count() == 5

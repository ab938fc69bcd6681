"""Resumability with real components: a Celery worker process (Redis broker) on the test
database is killed with SIGKILL in the middle of a backfill; a restarted worker, with the
resume sweep that beat runs every minute, completes it with exactly one award per valid row.

Skipped, with the reason, only when Redis is unreachable.
"""

from __future__ import annotations

import os
import signal

import pytest
from django.db.models import Count
from django.utils import timezone

from insignia.awards.models import Award
from insignia.bulk.models import BulkChunk, BulkRow, JobState
from insignia.bulk.services import bulk_job_create, bulk_jobs_resume
from insignia.core.audit import Actor
from insignia.core.models import AuditEvent
from insignia.notifications.models import OutboxMessage
from insignia.testing.factories import BadgeTemplateFactory, ProgrammeFactory
from insignia.testing.workers import wait_for, worker_start, worker_stop

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 3000


def test_backfill_killed_mid_job_completes_with_exactly_one_award_per_valid_row(
    celery_to, tmp_path, settings
):
    settings.INSIGNIA_BULK_CHUNK_SIZE = 20
    settings.INSIGNIA_BACKFILL_EMAILS_PER_MINUTE = 6000
    programme = ProgrammeFactory()
    template = BadgeTemplateFactory(issuer=programme.issuer, programme=programme)
    day = programme.effective_date.isoformat()
    lines = ["Badge Template ID,Recipient Email,First Name,Last Name,Issued At"]
    lines += [f"{template.public_id},p{i}@example.com,P,{i},{day}" for i in range(ROWS)]
    lines += [f"{template.public_id},broken{i},B,{i},{day}" for i in range(3)]  # invalid
    job = bulk_job_create(
        actor=Actor.system("test"),
        issuer=programme.issuer,
        file_bytes="\n".join(lines).encode(),
        filename="history.csv",
        kind="backfill",
        programme=programme,
    )
    assert (job.valid_rows, job.invalid_rows) == (ROWS, 3)
    chunks = BulkChunk.objects.filter(job=job)
    log = tmp_path / "worker.log"
    first = worker_start(broker=celery_to, log=log, var_dir=tmp_path / "var")
    try:
        # The start task went to Redis on commit; kill the worker once it is well under way.
        wait_for(lambda: chunks.filter(done=True).count() >= 5, 90, "5 chunks done")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        worker_stop(first)
    done_at_kill = chunks.filter(done=True).count()
    assert done_at_kill < chunks.count(), "the job finished before the kill; make it longer"
    assert Award.objects.count() == chunks.filter(done=True).count() * 20  # nothing half-done

    second = worker_start(broker=celery_to, log=log, var_dir=tmp_path / "var")
    try:
        # What beat's resume sweep does once the job's lease has run out.
        later = timezone.now() + settings_lease()
        assert bulk_jobs_resume(now=later) > 0
        try:
            wait_for(lambda: not chunks.filter(done=False).exists(), 120, "every chunk done")
        except AssertionError:
            raise AssertionError(log.read_text()[-4000:]) from None
        wait_for(lambda: job_state(job) == JobState.DONE, 20, "the job to finish")
    finally:
        worker_stop(second)

    awards = Award.objects.filter(template=template)
    assert awards.count() == ROWS
    keys = set(
        BulkRow.objects.filter(job=job, position__isnull=False).values_list(
            "cleaned__key", flat=True
        )
    )
    assert set(awards.values_list("idempotency_key", flat=True)) == keys
    assert not awards.values("recipient_email").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert AuditEvent.objects.filter(verb="award.issued").count() == ROWS
    assert OutboxMessage.objects.filter(award__template=template).count() == ROWS


def settings_lease() -> timezone.timedelta:
    from insignia.bulk import app_settings

    return app_settings.lease() + timezone.timedelta(seconds=1)


def job_state(job) -> str:
    job.refresh_from_db(fields=["state"])
    return job.state

"""Celery tasks: each takes ids (or nothing), calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from insignia.bulk import services


@shared_task(name="bulk.job_start", ignore_result=True)
def bulk_job_start_task(job_id: int) -> int:
    return services.bulk_job_start(job_id=job_id)


@shared_task(name="bulk.chunk_run", ignore_result=True)
def bulk_chunk_run_task(chunk_id: int) -> str:
    return services.bulk_chunk_run(chunk_id=chunk_id)


@shared_task(name="bulk.jobs_resume", ignore_result=True)
def bulk_jobs_resume_task() -> int:
    return services.bulk_jobs_resume()

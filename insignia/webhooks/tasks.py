"""Celery tasks: each takes ids (or nothing), calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from insignia.webhooks import services


@shared_task(name="webhooks.dispatch", ignore_result=True)
def dispatch_task(issuer_id: int | None = None) -> int:
    return services.webhooks_dispatch(issuer_id=issuer_id)


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver_task(delivery_id: int) -> str:
    result = services.delivery_attempt(delivery_id=delivery_id)
    if result.retry_at is not None and not settings.CELERY_TASK_ALWAYS_EAGER:
        # Come back when the backoff ends; the sweep is the safety net if this task is lost.
        deliver_task.apply_async((delivery_id,), eta=result.retry_at)
    return result.state


@shared_task(name="webhooks.tick", ignore_result=True)
def tick_task() -> int:
    """Beat's safety net: fan out anything a lost kick missed, queue due retries."""
    return services.webhooks_dispatch() + services.webhooks_sweep()

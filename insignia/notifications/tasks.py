"""Celery tasks: each takes ids (or nothing), calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from insignia.awards.services import awards_record_expired
from insignia.notifications import services


@shared_task(name="notifications.outbox_deliver", ignore_result=True)
def outbox_deliver_task(message_id: int) -> str:
    result = services.outbox_message_deliver(message_id=message_id)
    if result.retry_at is not None and not settings.CELERY_TASK_ALWAYS_EAGER:
        # Come back when the backoff ends; the sweep is the safety net if this task is lost.
        outbox_deliver_task.apply_async((message_id,), eta=result.retry_at)
    return result.state


@shared_task(name="notifications.outbox_sweep", ignore_result=True)
def outbox_sweep_task() -> int:
    return services.outbox_sweep()


@shared_task(name="notifications.reminders_send_due", ignore_result=True)
def reminders_send_due_task() -> int:
    run = services.reminders_send_due()
    return run.reminders + run.renewals


@shared_task(name="notifications.awards_record_expired", ignore_result=True)
def awards_record_expired_task() -> int:
    return awards_record_expired()

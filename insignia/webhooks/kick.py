"""``webhooks_kick``: what services call after writing an event a webhook may announce.

Kept apart from services.py, with few imports, so the awards, badges and earners services can
import it without pulling in the webhook machinery.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction

from insignia.webhooks import app_settings
from insignia.webhooks.models import WebhookEndpoint

_ACTIVE_CACHE_SECONDS = 60
_DEBOUNCE_SECONDS = 1


def active_cache_key(issuer_id: int) -> str:
    return f"webhooks:active:{issuer_id}"


def issuer_has_active_endpoint(issuer_id: int) -> bool:
    key = active_cache_key(issuer_id)
    cached = cache.get(key)
    if cached is None:
        cached = WebhookEndpoint.objects.filter(issuer_id=issuer_id, is_active=True).exists()
        cache.set(key, cached, _ACTIVE_CACHE_SECONDS)
    return bool(cached)


def _in_background(issuer_id: int) -> None:
    """Fan out and send on a thread of its own, with its own database connection.

    If the process exits first (a CLI command), nothing is lost: the events stay in the audit
    table behind the endpoint's cursor, and a half-sent delivery's lease runs out, so the next
    kick or ``manage.py sweep_webhooks`` sends them.
    """
    from insignia.webhooks.tasks import dispatch_task

    def run() -> None:
        time.sleep(_DEBOUNCE_SECONDS * 2)  # as the broker path's countdown, see webhooks_kick
        try:
            dispatch_task.apply(args=(issuer_id,))
        finally:
            connections.close_all()

    threading.Thread(target=run, name=f"webhooks-{issuer_id}", daemon=True).start()


def webhooks_kick(*, issuer_id: int | None) -> None:
    """Ask for a fan-out of ``issuer_id``'s new events once the current transaction commits.

    Services call this where they write events an endpoint may want; it costs one cache read
    when the issuer has no active endpoint. The beat task is the safety net if a kick is lost.
    """
    if issuer_id is None:
        return

    def kick() -> None:
        if not issuer_has_active_endpoint(issuer_id):
            return
        from insignia.webhooks.tasks import dispatch_task

        background = app_settings.eager_in_background()
        if settings.CELERY_TASK_ALWAYS_EAGER and not background:
            dispatch_task.delay(issuer_id)  # tests: right here, right now
            return
        # A burst (a loop of issues, bulk chunks) starts one fan-out, not one per award: kicks
        # within a second of the first are dropped, and the fan-out runs a second after the
        # marker expires, so it still sees every event whose kick was dropped.
        if not cache.add(f"webhooks:kicked:{issuer_id}", 1, _DEBOUNCE_SECONDS):
            return
        if settings.CELERY_TASK_ALWAYS_EAGER:
            _in_background(issuer_id)
        else:
            dispatch_task.apply_async((issuer_id,), countdown=_DEBOUNCE_SECONDS * 2)

    transaction.on_commit(kick, robust=True)

"""Writes about webhooks: endpoints, fan-out of audit events into deliveries, sending, replay.

Fan-out is a transactional outbox read from the audit trail. Every change the issuer can
subscribe to already writes an ``AuditEvent`` in its own transaction; ``webhooks_dispatch``
later copies the events each endpoint chose into ``WebhookDelivery`` rows (unique per endpoint
and event, so running it twice creates nothing new) and queues their sending after commit.
Issuing therefore never waits on a receiver, and a backfill costs nothing when the issuer has
no endpoint: ``webhooks_kick`` returns at once on a cached "no endpoint" answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from insignia.core import netguard
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import ServiceError
from insignia.core.ids import new_public_id
from insignia.core.models import AuditEvent
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability
from insignia.issuers.services import require_capability
from insignia.webhooks import app_settings, events, secret_store, signing
from insignia.webhooks.kick import active_cache_key
from insignia.webhooks.models import (
    PING,
    DeliveryState,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

# Webhooks are developer settings, like API tokens: admins and owners manage them; viewers and
# issuers see no webhook page (the secret and the delivery log, with recipients' addresses,
# are on them).
MANAGE = Capability.MANAGE_API
MAX_ENDPOINTS_PER_ISSUER = 20
_RESPONSE_LOG_BYTES = 2048
USER_AGENT = "Insignia-Webhooks/1"


# --- Endpoints --------------------------------------------------------------------------------


def _forget_active(issuer_id: int) -> None:
    # Now for this process, and again after commit in case a reader cached the old answer
    # in between.
    cache.delete(active_cache_key(issuer_id))
    transaction.on_commit(lambda: cache.delete(active_cache_key(issuer_id)))


def clean_url(url: str) -> str:
    """Refuse what we would never send to, with a message saying what to change."""
    url = (url or "").strip()
    if not url:
        raise ServiceError("Give the URL that should receive the events.", field="url")
    if len(url) > 2000:
        raise ServiceError("The URL is longer than 2,000 characters.", field="url")
    try:
        target = netguard.parse_target(url, allow_http=app_settings.allow_http())
    except netguard.InvalidUrl as exc:
        raise ServiceError(str(exc), field="url", code="invalid_url") from None
    if not app_settings.allow_private():
        ip = netguard.literal_ip(target.host)
        host = target.host.lower().rstrip(".")
        if (ip is not None and netguard.address_blocked(ip)) or (
            host == "localhost" or host.endswith(".localhost")
        ):
            raise ServiceError(
                f"{target.host} is a private or local address; webhooks go to public servers.",
                field="url",
                code="private_address",
            )
    return url


def clean_events(chosen: list[str] | tuple[str, ...]) -> list[str]:
    unknown = sorted(set(chosen) - set(EventType.values))
    if unknown:
        raise ServiceError(f"Unknown event types: {', '.join(unknown)}.", field="events")
    if not chosen:
        raise ServiceError("Choose at least one event to receive.", field="events")
    return [e for e in EventType.values if e in set(chosen)]  # canonical order, no repeats


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
        "description": endpoint.description,
    }


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str


@transaction.atomic
def endpoint_create(
    *,
    actor: Actor,
    issuer: Issuer,
    url: str,
    events_chosen: list[str],
    description: str = "",
) -> NewEndpoint:
    require_capability(actor=actor, issuer=issuer, capability=MANAGE)
    url = clean_url(url)
    chosen = clean_events(events_chosen)
    if WebhookEndpoint.objects.filter(issuer=issuer).count() >= MAX_ENDPOINTS_PER_ISSUER:
        raise ServiceError(
            f"An issuer can have at most {MAX_ENDPOINTS_PER_ISSUER} webhook endpoints.",
            code="too_many",
        )
    secret = secret_store.new_secret()
    endpoint = WebhookEndpoint(
        issuer=issuer,
        url=url,
        events=chosen,
        description=description.strip()[:200],
        # No history: the endpoint hears about what happens from now on.
        cursor=AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0,
    )
    endpoint.secret_encrypted = secret_store.encrypt(secret, endpoint_public_id=endpoint.public_id)
    endpoint.save()
    audit_record(
        actor=actor,
        verb="webhook.created",
        object_type="webhook",
        object_id=endpoint.public_id,
        issuer_id=issuer.pk,
        after=_snapshot(endpoint),
    )
    _forget_active(issuer.pk)
    return NewEndpoint(endpoint=endpoint, secret=secret)


_UNSET: Any = object()


@transaction.atomic
def endpoint_update(
    *,
    actor: Actor,
    endpoint: WebhookEndpoint,
    url: str = _UNSET,
    events_chosen: list[str] = _UNSET,
    description: str = _UNSET,
    is_active: bool = _UNSET,
) -> WebhookEndpoint:
    require_capability(actor=actor, issuer=endpoint.issuer, capability=MANAGE)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = _snapshot(endpoint)
    if url is not _UNSET:
        endpoint.url = clean_url(url)
    if events_chosen is not _UNSET:
        endpoint.events = clean_events(events_chosen)
    if description is not _UNSET:
        endpoint.description = description.strip()[:200]
    if is_active is not _UNSET:
        if is_active and not endpoint.is_active:
            # Re-enabled: what happened while it was off is history, as for a new endpoint.
            endpoint.cursor = AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0
        endpoint.is_active = is_active
    if _snapshot(endpoint) == before:
        return endpoint
    endpoint.save()
    audit_record(
        actor=actor,
        verb="webhook.changed",
        object_type="webhook",
        object_id=endpoint.public_id,
        issuer_id=endpoint.issuer_id,
        before=before,
        after=_snapshot(endpoint),
    )
    _forget_active(endpoint.issuer_id)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor: Actor, endpoint: WebhookEndpoint) -> str:
    """A new secret, effective for every request signed from now on (retries included)."""
    require_capability(actor=actor, issuer=endpoint.issuer, capability=MANAGE)
    secret = secret_store.new_secret()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        secret_encrypted=secret_store.encrypt(secret, endpoint_public_id=endpoint.public_id),
        updated_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb="webhook.secret_rotated",
        object_type="webhook",
        object_id=endpoint.public_id,
        issuer_id=endpoint.issuer_id,
    )
    return secret


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    require_capability(actor=actor, issuer=endpoint.issuer, capability=MANAGE)
    audit_record(
        actor=actor,
        verb="webhook.deleted",
        object_type="webhook",
        object_id=endpoint.public_id,
        issuer_id=endpoint.issuer_id,
        before=_snapshot(endpoint),
    )
    endpoint.delete()
    _forget_active(endpoint.issuer_id)


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return secret_store.decrypt(endpoint.secret_encrypted, endpoint_public_id=endpoint.public_id)


# --- Fan-out ----------------------------------------------------------------------------------


def _queue_after_commit(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    from insignia.webhooks.tasks import deliver_task

    def queue() -> None:
        for delivery_id in delivery_ids:
            deliver_task.delay(delivery_id)

    # robust: a broker hiccup must not fail the caller; the sweep queues the rows later.
    transaction.on_commit(queue, robust=True)


def _settled_id(now: dt.datetime) -> int:
    """The newest audit id that every transaction holding a lower id has surely committed by.

    Ids are handed out at insert and rows appear at commit, so a cursor at the newest visible
    id could skip a lower one still in flight. An event written more than the settle period
    ago was inserted after every lower id, all of whose transactions have finished since.
    """
    newest = (
        AuditEvent.objects.filter(created_at__lte=now - app_settings.settle())
        .order_by("-created_at")
        .values_list("id", flat=True)
        .first()
    )
    return newest or 0


def _batch_ceiling(batch: list[AuditEvent]) -> int:
    # A full batch leaves events after it: the cursor must not pass them unprocessed.
    if len(batch) < app_settings.dispatch_batch():
        return 2**63 - 1
    return batch[-1].id


def _dispatch_endpoint(endpoint_id: int, now: dt.datetime) -> tuple[int, bool]:
    """Fan out one batch of events for one endpoint: (deliveries created, more to look at)."""
    with transaction.atomic():
        rows = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).select_related(
            "issuer"
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        endpoint = rows.first()
        if endpoint is None:
            return 0, False  # gone, disabled, or another dispatcher has it right now
        # Events younger than the settle period stay after the cursor (see _settled_id) and
        # are looked at again; the Exists() skips those that already have a delivery.
        already = WebhookDelivery.objects.filter(endpoint=endpoint, event=OuterRef("pk"))
        batch = list(
            AuditEvent.objects.filter(
                id__gt=endpoint.cursor,
                issuer_id=endpoint.issuer_id,
                verb__in=events.verbs_for(endpoint.events),
            )
            .exclude(Exists(already))
            .order_by("id")[: app_settings.dispatch_batch()]
        )
        wanted = set(endpoint.events)
        typed = [(e, events.event_type(e)) for e in batch]
        typed = [(e, kind) for e, kind in typed if kind in wanted]
        builder = events.PayloadBuilder(
            [e for e, _ in typed], {endpoint.issuer_id: endpoint.issuer}
        )
        attempts = len(app_settings.retry_schedule()) + 1
        new = []
        for event, kind in typed:
            assert kind is not None
            public_id = new_public_id()
            new.append(
                WebhookDelivery(
                    public_id=public_id,
                    endpoint=endpoint,
                    event=event,
                    event_type=kind,
                    body=builder.body(delivery_id=public_id, kind=kind, event=event),
                    max_attempts=attempts,
                    # The on-commit task sends it; the sweep only if that task is lost.
                    next_attempt_at=now + app_settings.sending_lease(),
                )
            )
        WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        # Holding the endpoint's row lock, nobody else adds deliveries for these events.
        created_ids = list(
            WebhookDelivery.objects.filter(
                endpoint=endpoint, event_id__in=[e.pk for e, _ in typed]
            ).values_list("pk", flat=True)
        )
        new_cursor = max(endpoint.cursor, min(_settled_id(now), _batch_ceiling(batch)))
        if new_cursor != endpoint.cursor:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(cursor=new_cursor)
        _queue_after_commit(created_ids)
        return len(created_ids), len(batch) == app_settings.dispatch_batch()


def webhooks_dispatch(*, issuer_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Create the deliveries for every new event of active endpoints (of one issuer, or all).

    Idempotent: an event already delivered to an endpoint is never added again.
    """
    endpoints = WebhookEndpoint.objects.filter(is_active=True)
    if issuer_id is not None:
        endpoints = endpoints.filter(issuer_id=issuer_id)
    total = 0
    for endpoint_id in endpoints.values_list("pk", flat=True):
        more = True
        while more:
            created, more = _dispatch_endpoint(endpoint_id, now or timezone.now())
            total += created
    return total


# --- Sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    state: str  # the delivery's state afterwards, or "skipped" when it was not ours to send
    delivery_id: int
    retry_at: dt.datetime | None = None


def _claim(delivery_id: int, now: dt.datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        rows = WebhookDelivery.objects.filter(pk=delivery_id).select_related("endpoint__issuer")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        delivery = rows.first()
        if delivery is None or delivery.state in (DeliveryState.DELIVERED, DeliveryState.FAILED):
            return None
        if delivery.state == DeliveryState.SENDING and (
            delivery.locked_at is not None
            and delivery.locked_at > now - app_settings.sending_lease()
        ):
            return None  # a live worker is sending it
        if (
            delivery.state == DeliveryState.PENDING
            and delivery.attempts
            and (delivery.next_attempt_at > now)
        ):
            return None  # backing off: an early duplicate task must not shorten the wait
        if not delivery.endpoint.is_active and delivery.event_id is not None:
            return None  # disabled endpoints keep their queue until re-enabled or replayed
        delivery.attempts += 1
        delivery.state = DeliveryState.SENDING
        delivery.locked_at = now
        delivery.save(update_fields=["state", "locked_at", "attempts", "updated_at"])
        return delivery


def _sanitise(body: bytes) -> str:
    text = body[:_RESPONSE_LOG_BYTES].decode("utf-8", errors="replace")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def backoff(attempt: int) -> dt.timedelta:
    """Wait after failed attempt number ``attempt`` (1-based), with ±10 % jitter so endpoints
    that failed together do not all come back in the same second."""
    schedule = app_settings.retry_schedule()
    seconds = schedule[min(attempt, len(schedule)) - 1]
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> AttemptResult:
    """POST one delivery if it is due and nobody else is sending it; log the attempt."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return AttemptResult(state="skipped", delivery_id=delivery_id)
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    status: int | None = None
    error = ""
    response_text = ""
    clock = time.monotonic()
    try:
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Insignia-Event": delivery.event_type,
            "Insignia-Delivery": delivery.public_id,
            signing.HEADER: signing.header_value(endpoint_secret(endpoint), timestamp, body),
        }
        response = netguard.post(
            endpoint.url,
            body=body,
            headers=headers,
            timeout=app_settings.timeout(),
            max_bytes=app_settings.max_response_bytes(),
            allow_private=app_settings.allow_private(),
            allow_http=app_settings.allow_http(),
        )
        status = response.status
        response_text = _sanitise(response.body)
        if not 200 <= status < 300:
            error = f"HTTP {status}" + (
                " (redirects are not followed)" if 300 <= status < 400 else ""
            )
    except (netguard.NetGuardError, ValueError) as exc:
        error = str(exc)[:500]
    duration_ms = int((time.monotonic() - clock) * 1000)
    finished = now + dt.timedelta(milliseconds=duration_ms)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=now,
            duration_ms=duration_ms,
            status_code=status,
            error=error,
            response_body=response_text,
        )
        if not error:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.DELIVERED,
                delivered_at=finished,
                locked_at=None,
                updated_at=finished,
            )
            return AttemptResult(state=DeliveryState.DELIVERED, delivery_id=delivery.pk)
        logger.info("Webhook %s to %s failed: %s", delivery.public_id, endpoint.url, error)
        if delivery.attempts >= delivery.max_attempts:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.FAILED, locked_at=None, updated_at=finished
            )
            return AttemptResult(state=DeliveryState.FAILED, delivery_id=delivery.pk)
        retry_at = finished + backoff(delivery.attempts)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.PENDING,
            locked_at=None,
            next_attempt_at=retry_at,
            updated_at=finished,
        )
        return AttemptResult(
            state=DeliveryState.PENDING, delivery_id=delivery.pk, retry_at=retry_at
        )


def webhooks_sweep(*, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Queue deliveries whose retry is due or whose worker vanished; returns how many."""
    from insignia.webhooks.tasks import deliver_task

    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(
            Q(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            | Q(state=DeliveryState.SENDING, locked_at__lt=now - app_settings.sending_lease())
        )
        .filter(endpoint__is_active=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in ids:
        deliver_task.delay(delivery_id)
    return len(ids)


# --- Replay and test ----------------------------------------------------------------------------


@transaction.atomic
def delivery_replay(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now: same event id and body, fresh timestamp and signature.

    Allowed in any state but "sending". A failed or delivered one gets one more attempt, so
    a replay that fails is failed again, not retried for a day; a pending one keeps the rest
    of its retries.
    """
    endpoint = delivery.endpoint
    require_capability(actor=actor, issuer=endpoint.issuer, capability=MANAGE)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state == DeliveryState.SENDING:
        raise ServiceError("This delivery is being sent right now.", code="in_flight")
    now = timezone.now()
    if delivery.state != DeliveryState.PENDING:
        delivery.max_attempts = delivery.attempts + 1
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    delivery.save(update_fields=["state", "max_attempts", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        verb="webhook.replayed",
        object_type="webhook",
        object_id=endpoint.public_id,
        issuer_id=endpoint.issuer_id,
        after={"delivery": delivery.public_id},
    )
    _queue_after_commit([delivery.pk])
    return delivery


@transaction.atomic
def endpoint_ping(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``ping`` event to the endpoint (sent once, no retries) to test the receiver."""
    require_capability(actor=actor, issuer=endpoint.issuer, capability=MANAGE)
    public_id = new_public_id()
    delivery = WebhookDelivery.objects.create(
        public_id=public_id,
        endpoint=endpoint,
        event=None,
        event_type=PING,
        body=events.ping_body(
            delivery_id=public_id, issuer=endpoint.issuer, endpoint_id=endpoint.public_id
        ),
        max_attempts=1,
        next_attempt_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb="webhook.pinged",
        object_type="webhook",
        object_id=endpoint.public_id,
        issuer_id=endpoint.issuer_id,
        after={"delivery": delivery.public_id},
    )
    _queue_after_commit([delivery.pk])
    return delivery

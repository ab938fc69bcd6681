"""Sending webhooks, seen from a real receiver on loopback: signatures, retries, replay, ping."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.webhooks import app_settings
from insignia.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery
from insignia.webhooks.services import (
    backoff,
    delivery_attempt,
    delivery_replay,
    endpoint_ping,
    endpoint_rotate_secret,
    webhooks_dispatch,
    webhooks_sweep,
)

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def issue(template, email: str = "ada@example.com"):
    return award_issue(
        actor=SYSTEM, template=template, recipient_email=email, recipient_name="Ada Lovelace"
    ).award


def receiver_verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does, written from the README recipe, not with our signing module."""
    fields = dict(part.split("=", 1) for part in headers["Insignia-Signature"].split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > 300:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_receiver_gets_one_post_per_award_whose_signature_verifies(
    receiver, template, make_endpoint, django_capture_on_commit_callbacks
):
    created = make_endpoint(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        award = issue(template)

    (request,) = receiver.received()
    assert request.path == "/hooks/insignia"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Insignia-Webhooks/1"
    assert request.headers["Insignia-Event"] == "award.created"
    assert receiver_verifies(created.secret, request.headers, request.body)
    payload = json.loads(request.body)
    delivery = WebhookDelivery.objects.get()
    assert payload["id"] == delivery.public_id == request.headers["Insignia-Delivery"]
    assert payload["type"] == "award.created"
    assert payload["issuer"] == {"id": template.issuer.public_id, "name": template.issuer.name}
    data = payload["data"]
    assert data["id"] == award.public_id
    assert data["template"] == {"id": template.public_id, "name": template.name}
    assert data["recipient_email"] == "ada@example.com"
    assert data["state"] == "pending"
    assert data["revoked"] is False
    assert data["public_url"].endswith(award.public_id)
    assert data["issued_on"] and "expires_at" in data
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED

    # Tampering with one byte, or using another secret, fails the receiver's check.
    assert not receiver_verifies(
        created.secret, request.headers, request.body.replace(b"ada", b"eve")
    )
    assert not receiver_verifies("whsec_other", request.headers, request.body)


def test_failed_attempts_are_retried_with_backoff_until_delivered(
    receiver, template, make_endpoint
):
    receiver.reply_with(500, 503)
    make_endpoint(receiver.url)
    issue(template)
    assert webhooks_dispatch() == 1
    delivery = WebhookDelivery.objects.get()
    start = timezone.now()

    first = delivery_attempt(delivery_id=delivery.pk, now=start)
    assert first.state == DeliveryState.PENDING
    assert first.retry_at is not None
    assert dt.timedelta(seconds=50) < first.retry_at - start < dt.timedelta(seconds=70)
    # An early duplicate task (or an impatient sweep) does not shorten the wait.
    assert delivery_attempt(delivery_id=delivery.pk, now=start).state == "skipped"
    assert webhooks_sweep(now=start) == 0
    assert webhooks_sweep(now=first.retry_at) == 1  # due now: queued again

    second = delivery_attempt(delivery_id=delivery.pk, now=first.retry_at)
    assert second.state == DeliveryState.PENDING
    assert second.retry_at is not None
    assert second.retry_at - first.retry_at > dt.timedelta(minutes=4)  # 5 min ± jitter
    third = delivery_attempt(delivery_id=delivery.pk, now=second.retry_at)
    assert third.state == DeliveryState.DELIVERED

    assert len(receiver.received()) == 3
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 503), (3, 200)]
    assert log[0].error == "HTTP 500"
    assert log[0].response_body == "nope[31m"  # control characters stripped
    assert log[2].error == "" and log[2].response_body == '{"ok": true}'
    # Every retry carries the same event id and body.
    assert len({r.headers["Insignia-Delivery"] for r in receiver.received()}) == 1
    assert len({r.body for r in receiver.received()}) == 1


def test_the_default_backoff_keeps_trying_for_more_than_a_day():
    schedule = app_settings.retry_schedule()
    assert sum(schedule) * 0.9 >= 24 * 3600  # even with the most negative jitter
    waits = [backoff(n) for n in range(1, len(schedule) + 1)]
    assert waits == sorted(waits)  # each wait longer than the one before
    assert sum(waits, dt.timedelta()) >= dt.timedelta(hours=24)


def test_a_delivery_that_keeps_failing_is_marked_failed_after_the_last_attempt(
    receiver, template, make_endpoint, settings
):
    settings.INSIGNIA_WEBHOOKS_RETRY_SCHEDULE = (60, 120)
    receiver.reply_with(500, 500, 500, 500)
    make_endpoint(receiver.url)
    issue(template)
    webhooks_dispatch()
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    states = []
    for _ in range(3):
        result = delivery_attempt(delivery_id=delivery.pk, now=now)
        states.append(result.state)
        now = result.retry_at or now
    assert states == ["pending", "pending", "failed"]
    assert webhooks_sweep(now=now + dt.timedelta(days=7)) == 0  # nothing left to retry
    assert len(receiver.received()) == 3


def test_a_slow_receiver_times_out_and_is_retried(receiver, template, make_endpoint, settings):
    settings.INSIGNIA_WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.delay = 2
    make_endpoint(receiver.url)
    issue(template)
    webhooks_dispatch()
    delivery = WebhookDelivery.objects.get()
    result = delivery_attempt(delivery_id=delivery.pk)
    assert result.state == DeliveryState.PENDING
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None
    assert "Timed out" in attempt.error


def test_redirects_are_not_followed(receiver, template, make_endpoint):
    receiver.reply_with(302, headers={"Location": receiver.url + "/elsewhere"})
    make_endpoint(receiver.url)
    issue(template)
    webhooks_dispatch()
    result = delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    assert result.state == DeliveryState.PENDING
    assert [r.path for r in receiver.received()] == ["/hooks/insignia"]
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.status_code == 302
    assert "redirects are not followed" in attempt.error


def test_replay_resends_the_same_event_with_a_fresh_signature(receiver, template, make_endpoint):
    created = make_endpoint(receiver.url)
    issue(template)
    webhooks_dispatch()
    delivery = WebhookDelivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk).state == DeliveryState.DELIVERED

    new_secret = endpoint_rotate_secret(actor=SYSTEM, endpoint=created.endpoint)
    delivery_replay(actor=SYSTEM, delivery=delivery)
    assert delivery_attempt(delivery_id=delivery.pk).state == DeliveryState.DELIVERED

    first, again = receiver.received()
    assert again.headers["Insignia-Delivery"] == first.headers["Insignia-Delivery"]
    assert again.body == first.body
    assert receiver_verifies(new_secret, again.headers, again.body)
    assert not receiver_verifies(new_secret, first.headers, first.body)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_replaying_a_failed_delivery_allows_one_more_attempt(
    receiver, template, make_endpoint, settings
):
    settings.INSIGNIA_WEBHOOKS_RETRY_SCHEDULE = ()
    receiver.reply_with(500, 500)
    make_endpoint(receiver.url)
    issue(template)
    webhooks_dispatch()
    delivery = WebhookDelivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk).state == DeliveryState.FAILED
    delivery_replay(actor=SYSTEM, delivery=delivery)
    assert delivery_attempt(delivery_id=delivery.pk).state == DeliveryState.FAILED
    delivery_replay(actor=SYSTEM, delivery=delivery)
    assert delivery_attempt(delivery_id=delivery.pk).state == DeliveryState.DELIVERED
    assert len(receiver.received()) == 3


def test_ping_sends_a_signed_test_event(receiver, make_endpoint):
    created = make_endpoint(receiver.url)
    delivery = endpoint_ping(actor=SYSTEM, endpoint=created.endpoint)
    assert delivery_attempt(delivery_id=delivery.pk).state == DeliveryState.DELIVERED
    (request,) = receiver.received()
    assert request.headers["Insignia-Event"] == "ping"
    assert json.loads(request.body)["type"] == "ping"
    assert receiver_verifies(created.secret, request.headers, request.body)


def test_a_disabled_endpoint_keeps_its_queue_without_sending(receiver, template, make_endpoint):
    from insignia.webhooks.services import endpoint_update

    created = make_endpoint(receiver.url)
    issue(template)
    webhooks_dispatch()
    endpoint_update(actor=SYSTEM, endpoint=created.endpoint, is_active=False)
    delivery = WebhookDelivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk).state == "skipped"
    assert receiver.received() == []


def test_sweep_webhooks_command_fans_out_and_sends_without_beat(
    receiver, template, make_endpoint, django_capture_on_commit_callbacks
):
    # Issued outside any captured on-commit callbacks: no kick ran, as when no worker or beat
    # is there to hear it. The cron-driven command alone gets the event out.
    make_endpoint(receiver.url)
    issue(template)
    assert receiver.received() == []
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_webhooks", stdout=out)
    assert "1 new delivery(ies)" in out.getvalue()
    (request,) = receiver.received()
    assert request.headers["Insignia-Event"] == "award.created"
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED

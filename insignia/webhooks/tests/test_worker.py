"""End to end with a real Celery worker process on Redis: issuing in this process, fan-out and
delivery in the worker, to a real receiver on loopback. Skipped only when Redis is unreachable.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.testing.factories import BadgeTemplateFactory
from insignia.testing.workers import running_worker, wait_for
from insignia.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery
from insignia.webhooks.services import endpoint_create
from insignia.webhooks.tests.test_delivery import receiver_verifies

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(celery_to, tmp_path) -> Iterator[Path]:
    env = {
        "INSIGNIA_WEBHOOKS_ALLOW_PRIVATE": "1",  # the receiver is on loopback
        "INSIGNIA_WEBHOOKS_TIMEOUT_SECONDS": "30",
    }
    with running_worker(broker=celery_to, tmp_path=tmp_path, env=env) as log:
        yield log


def test_a_worker_delivers_while_issuing_carries_on_past_a_stuck_receiver(receiver, worker):
    template = BadgeTemplateFactory()
    created = endpoint_create(
        actor=Actor.system("test"),
        issuer=template.issuer,
        url=receiver.url,
        events_chosen=["award.created"],
    )
    receiver.hold = threading.Event()  # the receiver takes every request and answers nothing

    def issue(email: str):
        return award_issue(
            actor=Actor.system("test"),
            template=template,
            recipient_email=email,
            recipient_name="Ada Lovelace",
        ).award

    first = issue("first@example.com")
    try:
        wait_for(lambda: len(receiver.received()) == 1, 60, "the first webhook at the receiver")
    except AssertionError:
        raise AssertionError(worker.read_text()[-4000:]) from None

    # A delivery is in flight and stuck; issuing another badge returns all the same.
    second = issue("second@example.com")
    in_flight = WebhookDelivery.objects.get(event__object_id=first.public_id)
    assert in_flight.state == DeliveryState.SENDING
    assert not WebhookAttempt.objects.filter(delivery=in_flight).exists()

    receiver.hold.set()
    wait_for(
        lambda: WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).count() == 2,
        60,
        "both deliveries to be delivered",
    )
    received = receiver.received()
    assert sorted(json.loads(r.body)["data"]["id"] for r in received) == sorted(
        [first.public_id, second.public_id]
    )
    for request in received:
        assert receiver_verifies(created.secret, request.headers, request.body)
    assert WebhookAttempt.objects.count() == 2

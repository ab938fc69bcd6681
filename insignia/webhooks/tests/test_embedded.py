"""The embedded default (no broker, tasks in-process): deliveries leave from a background
thread, so a receiver that never answers does not hold up the request that issued a badge."""

from __future__ import annotations

import threading

import pytest

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.testing.workers import wait_for
from insignia.webhooks.models import DeliveryState, WebhookDelivery
from insignia.webhooks.tests.test_delivery import receiver_verifies

# Committed data: the background thread reads it over a connection of its own.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stuck_receiver_does_not_hold_up_issuing_in_the_embedded_default(
    receiver, template, make_endpoint, settings
):
    assert settings.CELERY_TASK_ALWAYS_EAGER  # the embedded default: no broker
    settings.INSIGNIA_WEBHOOKS_EAGER_IN_BACKGROUND = True
    created = make_endpoint(receiver.url, events=["award.created"])
    receiver.hold = threading.Event()  # takes each request and answers nothing until released
    try:
        award_issue(
            actor=Actor.system("test"),
            template=template,
            recipient_email="ada@example.com",
            recipient_name="Ada Lovelace",
        )
        # award_issue has returned (its commit hooks included) while the receiver still holds
        # the request: the POST is in flight on the background thread.
        wait_for(lambda: len(receiver.received()) == 1, 20, "the webhook POST to arrive")
        assert WebhookDelivery.objects.get().state == DeliveryState.SENDING
    finally:
        receiver.hold.set()
    wait_for(
        lambda: WebhookDelivery.objects.get().state == DeliveryState.DELIVERED,
        20,
        "the delivery to be recorded",
    )
    (request,) = receiver.received()
    assert receiver_verifies(created.secret, request.headers, request.body)

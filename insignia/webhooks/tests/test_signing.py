"""The signature header and the encrypted secret store."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.webhooks import secret_store, signing
from insignia.webhooks.models import DeliveryState, WebhookDelivery
from insignia.webhooks.services import delivery_attempt, webhooks_sweep

BODY = b'{"id":"d1","type":"award.created"}'


def test_a_signature_verifies_within_five_minutes_and_not_after():
    header = signing.header_value("whsec_abc", 1_700_000_000, BODY)
    assert header.startswith("t=1700000000,v1=")
    assert signing.verify("whsec_abc", header, BODY, now=1_700_000_000 + 299)
    assert not signing.verify("whsec_abc", header, BODY, now=1_700_000_000 + 301)
    assert not signing.verify("whsec_abc", header, BODY + b" ", now=1_700_000_000)
    assert not signing.verify("whsec_abd", header, BODY, now=1_700_000_000)
    assert not signing.verify("whsec_abc", "garbage", BODY, now=1_700_000_000)


def test_secrets_are_random_and_stored_encrypted_for_one_endpoint(settings):
    secret = secret_store.new_secret()
    assert secret.startswith("whsec_") and len(secret) > 40
    assert secret != secret_store.new_secret()
    blob = secret_store.encrypt(secret, endpoint_public_id="ep1")
    assert secret.encode() not in blob
    assert secret_store.decrypt(blob, endpoint_public_id="ep1") == secret
    with pytest.raises(ValueError, match="Rotate"):
        secret_store.decrypt(blob, endpoint_public_id="ep2")  # copied to another endpoint
    settings.SECRET_KEY = "another-key-" * 5
    with pytest.raises(ValueError, match="SECRET_KEY changed"):
        secret_store.decrypt(blob, endpoint_public_id="ep1")


@pytest.mark.django_db
def test_a_delivery_whose_worker_died_mid_send_is_queued_again(receiver, make_endpoint):
    from insignia.core.audit import Actor
    from insignia.webhooks.services import endpoint_ping

    created = make_endpoint(receiver.url)
    delivery = endpoint_ping(actor=Actor.system("t"), endpoint=created.endpoint)
    died_at = timezone.now() - dt.timedelta(hours=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING, locked_at=died_at, attempts=0
    )
    assert webhooks_sweep(now=died_at + dt.timedelta(seconds=10)) == 0  # still leased
    # The sweep queues it (eager here, so it is sent at once) once the lease has run out.
    assert webhooks_sweep() == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == DeliveryState.DELIVERED
    assert len(receiver.received()) == 1
    assert delivery_attempt(delivery_id=delivery.pk).state == "skipped"

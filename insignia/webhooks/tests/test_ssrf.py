"""Server-side requests to user-supplied URLs never reach private or local addresses
(ARCHITECTURE §8), unless a test opts in; endpoint URLs are checked when they are saved."""

from __future__ import annotations

import ipaddress

import pytest

from insignia.core import netguard
from insignia.core.audit import Actor
from insignia.core.errors import ServiceError
from insignia.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery
from insignia.webhooks.services import clean_url, delivery_attempt, endpoint_ping

SYSTEM = Actor.system("test")


def _post(url: str, **kwargs) -> netguard.HttpResponse:
    options = {"timeout": 2.0, "max_bytes": 1024, "allow_private": False} | kwargs
    return netguard.post(url, body=b"{}", headers={}, **options)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/hook",
        "http://[::ffff:127.0.0.1]:9/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0:9/hook",
        "http://224.0.0.1/hook",
        "http://100.64.0.1/hook",
        "http://localhost:9/hook",
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(url):
    with pytest.raises(netguard.BlockedAddress):
        _post(url)


@pytest.mark.parametrize("ip", ["8.8.8.8", "2606:4700:4700::1111", "151.101.1.69"])
def test_public_addresses_pass(ip):
    assert not netguard.address_blocked(ipaddress.ip_address(ip))


def test_the_opt_in_reaches_a_loopback_receiver(receiver):
    response = _post(receiver.url, allow_private=True)
    assert response.status == 200
    assert response.body == b'{"ok": true}'


def test_the_response_read_is_capped(receiver):
    response = _post(receiver.url, allow_private=True, max_bytes=4)
    assert response.body == b'{"ok'
    assert response.truncated


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/x", "must start with"),
        ("file:///etc/passwd", "must start with"),
        ("https://user:secret@hooks.example.com/x", "user name or password"),
        ("https:///nohost", "no host"),
        ("http://127.0.0.1/x", "private or local"),
        ("http://10.0.0.5/x", "private or local"),
        ("http://[::1]/x", "private or local"),
        ("http://localhost:8000/x", "private or local"),
        ("http://169.254.169.254/x", "private or local"),
    ],
)
def test_endpoint_urls_are_checked_when_saved(url, message):
    with pytest.raises(ServiceError) as caught:
        clean_url(url)
    assert message in caught.value.message
    assert caught.value.field == "url"


def test_production_requires_https(settings):
    settings.INSIGNIA_WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(ServiceError, match="https://"):
        clean_url("http://hooks.example.com/x")
    assert clean_url("https://hooks.example.com/x") == "https://hooks.example.com/x"


@pytest.mark.django_db
def test_a_delivery_to_a_blocked_address_fails_the_attempt_without_connecting(
    receiver, make_endpoint, settings
):
    created = make_endpoint(receiver.url)  # saved while the tests' opt-in was on
    settings.INSIGNIA_WEBHOOKS_ALLOW_PRIVATE = False
    delivery = endpoint_ping(actor=SYSTEM, endpoint=created.endpoint)
    assert delivery_attempt(delivery_id=delivery.pk).state == DeliveryState.FAILED
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert "refused" in attempt.error
    assert receiver.received() == []
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == DeliveryState.FAILED

"""Webhooks in the issuer API v1: CRUD, the delivery log, replay; scopes and issuer isolation."""

from __future__ import annotations

import pytest

from insignia.api.tests.conftest import client_for
from insignia.core.audit import Actor
from insignia.testing.factories import IssuerFactory
from insignia.webhooks.models import WebhookDelivery, WebhookEndpoint
from insignia.webhooks.services import endpoint_create, endpoint_ping, endpoint_secret

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.com/insignia"


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.INSIGNIA_API_THROTTLE_RATE = "100000/minute"


def test_create_returns_the_secret_once_then_list_get_patch_delete(issuer):
    api = client_for(issuer)
    response = api.post(
        "/api/v1/webhooks", {"url": URL, "events": ["award.created"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    endpoint = WebhookEndpoint.objects.get(public_id=data["id"])
    assert data["secret"] == endpoint_secret(endpoint)
    assert data["events"] == ["award.created"]

    listed = api.get("/api/v1/webhooks").json()
    assert [e["id"] for e in listed["data"]] == [endpoint.public_id]
    got = api.get(f"/api/v1/webhooks/{endpoint.public_id}").json()["data"]
    assert "secret" not in got

    patched = api.patch(
        f"/api/v1/webhooks/{endpoint.public_id}",
        {"events": ["award.revoked", "award.created"], "is_active": False},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["data"]["events"] == ["award.created", "award.revoked"]
    assert patched.json()["data"]["is_active"] is False

    assert api.delete(f"/api/v1/webhooks/{endpoint.public_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_bad_bodies_get_field_errors(issuer):
    api = client_for(issuer)
    private = api.post(
        "/api/v1/webhooks", {"url": "http://10.0.0.1/x", "events": ["award.created"]}, format="json"
    )
    assert private.status_code == 400
    assert private.json()["errors"][0]["field"] == "url"
    unknown = api.post(
        "/api/v1/webhooks", {"url": URL, "events": ["award.exploded"]}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"].startswith("events")


def test_deliveries_are_listed_and_can_be_replayed(issuer):
    created = endpoint_create(
        actor=Actor.system("t"), issuer=issuer, url=URL, events_chosen=["award.created"]
    )
    delivery = endpoint_ping(actor=Actor.system("t"), endpoint=created.endpoint)
    api = client_for(issuer)
    base = f"/api/v1/webhooks/{created.endpoint.public_id}/deliveries"
    listed = api.get(base).json()["data"]
    assert [(d["id"], d["event_type"], d["state"]) for d in listed] == [
        (delivery.public_id, "ping", "pending")
    ]
    replayed = api.post(f"{base}/{delivery.public_id}/replay")
    assert replayed.status_code == 202, replayed.json()
    assert replayed.json()["data"]["id"] == delivery.public_id
    assert api.post(f"{base}/nosuchid/replay").status_code == 404


def test_reading_needs_read_and_writing_needs_write(issuer):
    created = endpoint_create(
        actor=Actor.system("t"), issuer=issuer, url=URL, events_chosen=["award.created"]
    )
    reader = client_for(issuer, scopes="read")
    assert reader.get("/api/v1/webhooks").status_code == 200
    body = {"url": URL, "events": ["award.created"]}
    assert reader.post("/api/v1/webhooks", body, format="json").status_code == 403
    path = f"/api/v1/webhooks/{created.endpoint.public_id}"
    assert reader.patch(path, {"is_active": False}, format="json").status_code == 403
    assert reader.delete(path).status_code == 403
    delivery = endpoint_ping(actor=Actor.system("t"), endpoint=created.endpoint)
    assert reader.post(f"{path}/deliveries/{delivery.public_id}/replay").status_code == 403
    assert WebhookEndpoint.objects.get().is_active
    assert WebhookDelivery.objects.get().max_attempts == 1


def test_another_issuers_endpoints_are_invisible(issuer):
    created = endpoint_create(
        actor=Actor.system("t"), issuer=issuer, url=URL, events_chosen=["award.created"]
    )
    outsider = client_for(IssuerFactory())
    path = f"/api/v1/webhooks/{created.endpoint.public_id}"
    assert outsider.get("/api/v1/webhooks").json()["data"] == []
    assert outsider.get(path).status_code == 404
    assert outsider.delete(path).status_code == 404
    assert outsider.get(f"{path}/deliveries").status_code == 404
    assert WebhookEndpoint.objects.exists()

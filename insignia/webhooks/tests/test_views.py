"""The issuer UI for webhooks (who may open which page: insignia/issuers/tests/test_permissions)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from insignia.core.models import AuditEvent
from insignia.issuers.models import Role
from insignia.webhooks.models import WebhookDelivery, WebhookEndpoint
from insignia.webhooks.services import endpoint_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, staff_by_role):
    client.force_login(staff_by_role[Role.ADMIN])
    return client


def test_an_admin_adds_an_endpoint_and_sees_its_secret(admin, issuer):
    url = reverse("issuer_ui:webhook_create", args=[issuer.slug])
    response = admin.post(
        url,
        {
            "url": "https://hooks.example.com/insignia",
            "description": "Exam system",
            "events_chosen": ["award.created", "award.revoked"],
            "is_active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "issuer_ui:webhook_detail", args=[issuer.slug, endpoint.public_id]
    )
    assert endpoint.events == ["award.created", "award.revoked"]
    assert endpoint.is_active
    assert AuditEvent.objects.filter(verb="webhook.created", object_id=endpoint.public_id).exists()

    page = admin.get(response["Location"]).content.decode()
    secret = endpoint_secret(endpoint)
    assert secret.startswith("whsec_")
    assert secret in page
    assert "Send test event" in page and "Rotate secret" in page


def test_a_private_url_is_refused_beside_the_field(admin, issuer):
    response = admin.post(
        reverse("issuer_ui:webhook_create", args=[issuer.slug]),
        {"url": "http://169.254.169.254/latest", "events_chosen": ["award.created"]},
    )
    assert response.status_code == 400
    assert "private or local address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_detail_page_lists_deliveries_with_a_replay_button(admin, issuer):
    from insignia.core.audit import Actor
    from insignia.webhooks.services import endpoint_create, endpoint_ping

    created = endpoint_create(
        actor=Actor.system("t"),
        issuer=issuer,
        url="https://hooks.example.com/x",
        events_chosen=["award.created"],
    )
    delivery = endpoint_ping(actor=Actor.system("t"), endpoint=created.endpoint)
    page = admin.get(
        reverse("issuer_ui:webhook_detail", args=[issuer.slug, created.endpoint.public_id])
    ).content.decode()
    assert delivery.public_id in page
    # The signature format is shown as text, not swallowed by the browser as a tag.
    assert "t=&lt;unix time&gt;,v1=&lt;hex HMAC-SHA256" in page
    replay = reverse(
        "issuer_ui:webhook_replay",
        args=[issuer.slug, created.endpoint.public_id, delivery.public_id],
    )
    assert replay in page
    assert admin.post(replay).status_code == 302
    assert AuditEvent.objects.filter(verb="webhook.replayed").count() == 1
    assert WebhookDelivery.objects.get().state == "pending"


def test_the_nav_shows_webhooks_to_admins_only(client, issuer, staff_by_role):
    dashboard = reverse("issuer_ui:dashboard", args=[issuer.slug])
    link = reverse("issuer_ui:webhook_list", args=[issuer.slug])
    client.force_login(staff_by_role[Role.ADMIN])
    assert link in client.get(dashboard).content.decode()
    client.force_login(staff_by_role[Role.VIEWER])
    assert link not in client.get(dashboard).content.decode()

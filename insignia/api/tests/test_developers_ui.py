"""Developer settings in the issuer UI: tokens and OAuth clients, secrets shown once."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from insignia.api.models import ApiClient, ApiToken
from insignia.core.models import AuditEvent
from insignia.issuers.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, staff_by_role):
    client.force_login(staff_by_role[Role.ADMIN])
    return client


def _url(issuer, name, *args):
    return reverse(f"issuer_ui:{name}", args=[issuer.slug, *args])


def _shown(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}" type="text" readonly value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_admin_creates_a_token_seen_once_that_works_and_is_stored_hashed(admin, issuer):
    response = admin.post(
        _url(issuer, "developer_token_create"),
        {"name": "Exam system", "scopes": ["read", "write"], "expires_in": "30"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    raw = _shown(html, "shown-secret")
    assert raw.startswith("ins_")
    assert "only time it is shown" in html
    assert 'data-copy-from="shown-secret"' in html
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.scopes == "read write"
    assert token.expires_at is not None
    assert AuditEvent.objects.filter(verb="api_token.created").exists()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/whoami").json()["data"]["scopes"] == ["read", "write"]

    listing = admin.get(_url(issuer, "developers")).content.decode()
    assert raw not in listing
    assert "Exam system" in listing
    assert token.prefix in listing


def test_token_form_errors_are_shown_and_nothing_is_created(admin, issuer):
    response = admin.post(_url(issuer, "developer_token_create"), {"name": "", "expires_in": "9"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert "shown-secret" not in response.content.decode()


def test_revoking_a_token_asks_first_then_refuses_its_requests(admin, issuer):
    raw = _shown(
        admin.post(
            _url(issuer, "developer_token_create"),
            {"name": "CI", "scopes": ["read"], "expires_in": "never"},
        ).content.decode(),
        "shown-secret",
    )
    token = ApiToken.objects.get()
    url = _url(issuer, "developer_token_revoke", token.public_id)
    confirm = admin.get(url)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # a GET changes nothing
    assert admin.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/whoami").status_code == 401
    assert "Revoked" in admin.get(_url(issuer, "developers")).content.decode()


def test_admin_creates_an_oauth_client_whose_credentials_get_a_token(admin, issuer):
    response = admin.post(
        _url(issuer, "developer_client_create"), {"name": "LMS", "scopes": ["read"]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    client_id, secret = _shown(html, "shown-client-id"), _shown(html, "shown-secret")
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = APIClient().post(
        "/api/v1/oauth/token",
        {"grant_type": "client_credentials"},
        format="multipart",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert token.status_code == 200, token.content
    access = token.json()["access_token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api.get("/api/v1/whoami").json()["data"]["client"] == "LMS"

    client = ApiClient.objects.get()
    assert secret not in admin.get(_url(issuer, "developers")).content.decode()
    assert admin.post(_url(issuer, "developer_client_revoke", client.public_id)).status_code == 302
    assert api.get("/api/v1/whoami").status_code == 401
    assert AuditEvent.objects.filter(verb="api_client.revoked").exists()


def test_page_links_to_the_api_reference(admin, issuer):
    html = admin.get(_url(issuer, "developers")).content.decode()
    assert "/api/v1/docs/" in html


def test_another_issuers_token_cannot_be_revoked_here(admin, issuer, other_issuer):
    from insignia.api.services import api_token_create
    from insignia.core.audit import Actor

    theirs = api_token_create(actor=Actor.system("t"), issuer=other_issuer, name="X").token
    url = _url(issuer, "developer_token_revoke", theirs.public_id)
    assert admin.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize(("role", "shown"), [("viewer", False), ("issuer", False), ("admin", True)])
def test_nav_link_only_for_roles_that_may_manage_credentials(
    client, issuer, staff_by_role, role, shown
):
    client.force_login(staff_by_role[role])
    html = client.get(_url(issuer, "dashboard")).content.decode()
    assert (_url(issuer, "developers") in html) is shown


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("viewer", False), ("issuer", False), ("admin", True), ("owner", True)],
)
def test_managing_api_credentials_is_for_admins_and_owners(issuer, staff_by_role, role, allowed):
    from insignia.api.services import api_client_create, api_token_create, api_token_revoke
    from insignia.core.audit import Actor
    from insignia.core.errors import PermissionDenied
    from insignia.issuers.permissions import Capability, role_allows

    assert role_allows(role, Capability.MANAGE_API) is allowed
    actor = Actor(user=staff_by_role[role])
    if allowed:
        issued = api_token_create(actor=actor, issuer=issuer, name="CI")
        api_token_revoke(actor=actor, token=issued.token)
        api_client_create(actor=actor, issuer=issuer, name="LMS")
    else:
        with pytest.raises(PermissionDenied):
            api_token_create(actor=actor, issuer=issuer, name="CI")
        with pytest.raises(PermissionDenied):
            api_client_create(actor=actor, issuer=issuer, name="LMS")

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from insignia.api.models import ApiToken
from insignia.api.services import api_client_create, api_token_create, api_token_revoke
from insignia.api.tests.conftest import client_for
from insignia.core.audit import Actor
from insignia.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _bearer(raw: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return c


def test_request_without_credentials_is_401_with_the_error_body():
    response = APIClient().get("/api/v1/whoami")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["code"] == "not_authenticated"
    assert error["field"] is None
    assert error["message"]


def test_unknown_token_is_401():
    response = _bearer("ins_not-a-real-token").get("/api/v1/whoami")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_token_acts_for_its_issuer_with_its_scopes(issuer):
    response = client_for(issuer, scopes="read").get("/api/v1/whoami")
    assert response.status_code == 200
    assert response.json()["data"] == {
        "issuer_id": issuer.public_id,
        "issuer_name": issuer.name,
        "client": "Exam system",
        "scopes": ["read"],
    }


def test_token_is_stored_only_as_its_sha256(issuer):
    issued = api_token_create(actor=Actor.system("t"), issuer=issuer, name="CI", scopes="read")
    stored = ApiToken.objects.get()
    assert issued.raw.startswith("ins_")
    assert stored.token_hash == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert issued.raw not in {stored.token_hash, stored.prefix, stored.name}
    assert AuditEvent.objects.filter(verb="api_token.created", issuer_id=issuer.pk).exists()


def test_expired_token_is_refused(issuer):
    issued = api_token_create(
        actor=Actor.system("t"),
        issuer=issuer,
        name="CI",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert _bearer(issued.raw).get("/api/v1/whoami").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _bearer(issued.raw).get("/api/v1/whoami").status_code == 401


def test_revoked_token_is_refused(issuer):
    issued = api_token_create(actor=Actor.system("t"), issuer=issuer, name="CI")
    api_token_revoke(actor=Actor.system("t"), token=issued.token)
    assert _bearer(issued.raw).get("/api/v1/whoami").status_code == 401


def _oauth_token(client_id: str, secret: str, scope: str | None = None):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    body = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    return APIClient().post(
        "/api/v1/oauth/token", body, format="multipart", HTTP_AUTHORIZATION=f"Basic {basic}"
    )


def test_oauth_client_credentials_token_acts_for_the_clients_issuer(issuer):
    creds = api_client_create(actor=Actor.system("t"), issuer=issuer, name="LMS")
    response = _oauth_token(creds.client_id, creds.client_secret)
    assert response.status_code == 200, response.content
    access = response.json()["access_token"]
    whoami = _bearer(access).get("/api/v1/whoami")
    assert whoami.status_code == 200
    assert whoami.json()["data"]["issuer_id"] == issuer.public_id
    assert whoami.json()["data"]["scopes"] == ["read", "write"]


def test_oauth_token_scopes_are_capped_by_the_clients_scopes(issuer):
    creds = api_client_create(actor=Actor.system("t"), issuer=issuer, name="BI", scopes="read")
    access = _oauth_token(creds.client_id, creds.client_secret).json()["access_token"]
    assert _bearer(access).get("/api/v1/whoami").json()["data"]["scopes"] == ["read"]


def test_oauth_wrong_secret_gets_no_token(issuer):
    creds = api_client_create(actor=Actor.system("t"), issuer=issuer, name="LMS")
    assert _oauth_token(creds.client_id, "wrong").status_code == 401


def test_create_api_client_command_prints_credentials_that_work(issuer, capsys):
    call_command("create_api_client", "--issuer", issuer.public_id, "--name", "Exam system")
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    response = _oauth_token(lines["client_id"], lines["client_secret"])
    assert response.status_code == 200
    access = response.json()["access_token"]
    assert _bearer(access).get("/api/v1/whoami").json()["data"]["client"] == "Exam system"


def test_throttle_limits_each_client_separately(issuer, other_issuer, settings):
    settings.INSIGNIA_API_THROTTLE_RATE = "2/minute"
    from django.core.cache import cache

    cache.clear()
    a, b = client_for(issuer), client_for(other_issuer)
    assert [a.get("/api/v1/whoami").status_code for _ in range(3)] == [200, 200, 429]
    assert b.get("/api/v1/whoami").status_code == 200
    assert a.get("/api/v1/whoami").json()["errors"][0]["code"] == "throttled"


def test_create_api_client_command_refuses_an_unknown_issuer(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No issuer"):
        call_command("create_api_client", "--issuer", "nope", "--name", "X")

"""The permission matrix: every operation × scope, every object operation × issuer, and every
operation × kind of caller (none, expired, revoked, another issuer's, OAuth client)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from insignia.api.models import ApiToken
from insignia.api.services import api_client_create, api_token_create, api_token_revoke
from insignia.api.tests.conftest import client_for, png_b64
from insignia.awards.models import Award
from insignia.bulk.models import BulkJob
from insignia.core.audit import Actor
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

# (method, path with {award}/{template}/{programme}/{bulk_job}, body, scope it needs)
OPERATIONS = [
    ("get", "/api/v1/whoami", None, "read"),
    ("get", "/api/v1/templates", None, "read"),
    ("get", "/api/v1/templates/{template}", None, "read"),
    ("post", "/api/v1/templates", "template", "write"),
    ("put", "/api/v1/templates/{template}", "template", "write"),
    ("delete", "/api/v1/templates/{template}", None, "write"),
    ("get", "/api/v1/awards", None, "read"),
    ("get", "/api/v1/awards/{award}", None, "read"),
    ("post", "/api/v1/awards", "award", "write"),
    ("post", "/api/v1/awards/{award}/revoke", {"reason": "annulled"}, "write"),
    ("post", "/api/v1/awards/{award}/replace", {"recipient_email": "new@example.com"}, "write"),
    ("post", "/api/v1/awards/{award}/resend", None, "write"),
    ("get", "/api/v1/programmes", None, "read"),
    ("get", "/api/v1/programmes/{programme}", None, "read"),
    ("post", "/api/v1/programmes", {"name": "Track", "effective_date": "2024-01-01"}, "write"),
    ("patch", "/api/v1/programmes/{programme}", {"name": "Renamed"}, "write"),
    ("get", "/api/v1/events", None, "read"),
    ("get", "/api/v1/bulk-jobs", None, "read"),
    ("post", "/api/v1/bulk-jobs", "bulk", "write"),
    ("get", "/api/v1/bulk-jobs/{bulk_job}", None, "read"),
    ("get", "/api/v1/bulk-jobs/{bulk_job}/errors", None, "read"),
]


def _objects(issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    return {
        "template": template,
        "award": AwardFactory(template=template, state="pending"),
        "programme": ProgrammeFactory(issuer=issuer),
        "bulk_job": BulkJob.objects.create(issuer=issuer, filename="x.csv", file_sha256="0" * 64),
    }


def _call(client, method, path, body, objs):
    url = path.format(**{k: v.public_id for k, v in objs.items()})
    if body == "template":
        body = {
            "name": "T",
            "description": "D",
            "skills": ["S"],
            "criteria_url": "https://c.example",
            "image": png_b64(),
        }
    elif body == "award":
        body = {
            "template_id": objs["template"].public_id,
            "recipient_email": "x@example.com",
            "recipient_name": "X",
        }
    elif body == "bulk":
        body = [
            {
                "template_id": objs["template"].public_id,
                "recipient_email": "bulk@example.com",
                "first_name": "B",
                "last_name": "K",
                "issued_on": "2024-01-01",
            }
        ]
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize(("method", "path", "body", "needed"), OPERATIONS)
@pytest.mark.parametrize("scopes", ["read", "write", "read write"])
def test_scope_matrix(issuer, method, path, body, needed, scopes):
    objs = _objects(issuer)
    response = _call(client_for(issuer, scopes=scopes), method, path, body, objs)
    if needed in scopes.split():
        assert response.status_code < 300, response.json()
    else:
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("method", "path", "body", "needed"), [op for op in OPERATIONS if "{" in op[1]]
)
def test_another_issuers_objects_are_404_and_untouched(
    issuer, other_issuer, method, path, body, needed
):
    theirs = _objects(other_issuer)
    response = _call(client_for(issuer), method, path, body, theirs)
    assert response.status_code == 404
    theirs["award"].refresh_from_db()
    theirs["template"].refresh_from_db()
    assert theirs["award"].revoked_at is None
    assert theirs["template"].state == "active"


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _oauth_client(issuer, scopes: str) -> APIClient:
    creds = api_client_create(actor=Actor.system("t"), issuer=issuer, name="LMS", scopes=scopes)
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    response = APIClient().post(
        "/api/v1/oauth/token",
        {"grant_type": "client_credentials"},
        format="multipart",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    return _bearer(response.json()["access_token"])


def _caller(kind: str, issuer, other_issuer) -> APIClient:
    if kind == "anonymous":
        return APIClient()
    if kind == "expired":
        issued = api_token_create(
            actor=Actor.system("t"),
            issuer=issuer,
            name="old",
            scopes="read write",
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        ApiToken.objects.filter(pk=issued.token.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        return _bearer(issued.raw)
    if kind == "revoked":
        issued = api_token_create(
            actor=Actor.system("t"), issuer=issuer, name="gone", scopes="read write"
        )
        api_token_revoke(actor=Actor.system("t"), token=issued.token)
        return _bearer(issued.raw)
    if kind == "other_issuer":
        return client_for(other_issuer, scopes="read write")
    if kind == "oauth_read":
        return _oauth_client(issuer, "read")
    assert kind == "oauth_read_write"
    return _oauth_client(issuer, "read write")


@pytest.mark.parametrize(("method", "path", "body", "needed"), OPERATIONS)
@pytest.mark.parametrize(
    "caller",
    ["anonymous", "expired", "revoked", "other_issuer", "oauth_read", "oauth_read_write"],
)
def test_caller_matrix(issuer, other_issuer, caller, method, path, body, needed):
    objs = _objects(issuer)
    awards_before = Award.objects.filter(issuer=issuer).count()
    response = _call(_caller(caller, issuer, other_issuer), method, path, body, objs)
    code = response.status_code
    if caller in ("anonymous", "expired", "revoked"):
        assert code == 401
        assert response.json()["errors"][0]["code"] in (
            "not_authenticated",
            "authentication_failed",
        )
    elif caller == "other_issuer":
        # Objects of ours are invisible (404); creating only ever creates in their issuer.
        if "{" in path or body in ("award",):
            assert code == 404, response.json()
        else:
            assert code < 300, response.json()
    elif caller == "oauth_read" and needed == "write":
        assert code == 403
    else:
        assert code < 300, response.json()
    if caller not in ("oauth_read_write",) and not (caller == "oauth_read" and needed == "read"):
        assert Award.objects.filter(issuer=issuer).count() == awards_before
        assert Award.objects.filter(issuer=issuer, revoked_at__isnull=False).count() == 0

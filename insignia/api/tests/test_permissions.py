"""The permission matrix: every operation × scope, and every object operation × issuer."""

from __future__ import annotations

import pytest

from insignia.api.tests.conftest import client_for, png_b64
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

# (method, path with {award}/{template}/{programme}, body, scope it needs)
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
    ("get", "/api/v1/events", None, "read"),
]


def _objects(issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    return {
        "template": template,
        "award": AwardFactory(template=template, state="pending"),
        "programme": ProgrammeFactory(issuer=issuer),
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

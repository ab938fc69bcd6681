from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from insignia.api.services import api_token_create
from insignia.core.audit import Actor
from insignia.testing.factories import BadgeTemplateFactory, IssuerFactory
from insignia.testing.images import png_bytes


def client_for(issuer, scopes: str = "read write", name: str = "Exam system") -> APIClient:
    raw = api_token_create(actor=Actor.system("test"), issuer=issuer, name=name, scopes=scopes).raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # The rate limit has its own test; elsewhere a shared in-memory counter would make test
    # outcomes depend on how many requests earlier tests sent.
    settings.INSIGNIA_API_THROTTLE_RATE = "100000/minute"


@pytest.fixture
def api(issuer):
    return client_for(issuer)


@pytest.fixture
def template(issuer):
    return BadgeTemplateFactory(issuer=issuer)


@pytest.fixture
def other_issuer(db):
    return IssuerFactory()


def png_b64() -> str:
    return base64.b64encode(png_bytes()).decode()

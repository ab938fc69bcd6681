"""Fixtures for the sharing tests: an earner with an accepted public badge."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from insignia.sharing.responses import local_bodies
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    SkillFactory,
    UserFactory,
)
from insignia.verification.selectors import template_refs_forget


@pytest.fixture(autouse=True)
def _clear_caches():
    # Rolled-back tests reuse primary keys, so memos keyed by them must not outlive a test.
    cache.clear()
    local_bodies.clear()
    template_refs_forget()
    yield
    cache.clear()
    local_bodies.clear()
    template_refs_forget()


@pytest.fixture
def earner(db):
    return UserFactory(email="zoe@example.com")


@pytest.fixture
def template(issuer):
    return BadgeTemplateFactory(
        issuer=issuer,
        name="Données & “Cloud” <script>alert(1)</script>",
        skills=[SkillFactory(name="Cloud Computing"), SkillFactory(name="Sécurité réseau")],
    )


@pytest.fixture
def award(template, earner):
    return AwardFactory(
        template=template,
        earner=earner,
        recipient_email="zoe@example.com",
        recipient_name="Zoë O'Brien & <b>Co</b>",
    )


@pytest.fixture
def owner_client(earner) -> Client:
    client = Client()
    client.force_login(earner)
    return client

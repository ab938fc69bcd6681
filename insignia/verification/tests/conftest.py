"""Fixtures for the verification tests: awards in each state and clients for each viewer."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from insignia.issuers.models import Role
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    IssuerFactory,
    MembershipFactory,
    UserFactory,
)
from insignia.verification.selectors import template_refs_forget

LD = "application/ld+json"


@pytest.fixture(autouse=True)
def _clear_caches():
    # Rolled-back tests reuse primary keys, so memos keyed by them must not outlive a test.
    cache.clear()
    template_refs_forget()
    yield
    cache.clear()
    template_refs_forget()


@pytest.fixture
def template(issuer):
    return BadgeTemplateFactory(issuer=issuer)


@pytest.fixture
def award(template):
    return AwardFactory(
        template=template, recipient_email="ann.lee@example.com", recipient_name="Ann Lee"
    )


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def viewers(issuer, staff_by_role):
    """Every kind of viewer: {name: Client}. The earner is set on the award by the test."""
    other_issuer = IssuerFactory()
    other_staff = MembershipFactory(issuer=other_issuer, role=Role.OWNER, user=UserFactory()).user
    return {
        "anonymous": client_for(None),
        "other_user": client_for(UserFactory()),
        "other_issuer_owner": client_for(other_staff),
        **{f"staff_{role}": client_for(user) for role, user in staff_by_role.items()},
    }

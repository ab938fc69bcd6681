"""Root pytest configuration: shared fixtures for every app's tests."""

from __future__ import annotations

import pytest

from insignia.issuers.models import Role
from insignia.testing.factories import IssuerFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def issuer(db):
    return IssuerFactory()


@pytest.fixture
def staff_by_role(issuer):
    """One user per staff role of ``issuer``: {"owner": user, "admin": user, ...}."""
    return {
        role.value: MembershipFactory(issuer=issuer, role=role, user=UserFactory()).user for role in Role
    }

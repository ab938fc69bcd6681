"""Root pytest configuration: shared fixtures for every app's tests."""

from __future__ import annotations

import socket

import pytest

from insignia.issuers.models import Role
from insignia.testing.factories import IssuerFactory, MembershipFactory, UserFactory

pytest_plugins = ["insignia.testing.browser", "insignia.testing.workers"]


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
        role.value: MembershipFactory(issuer=issuer, role=role, user=UserFactory()).user
        for role in Role
    }


_real_connect = socket.socket.connect


def _loopback_only_connect(self: socket.socket, address: object) -> None:
    """Tests talk to services on this machine only; anything else is a bug in the test."""
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if not (host.startswith("127.") or host in {"::1", "localhost"}):
            raise OSError(f"Tests may not open network connections (tried {host}).")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only_connect)

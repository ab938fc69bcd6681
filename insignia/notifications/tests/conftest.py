"""Fixtures for the notifications tests."""

from __future__ import annotations

import pytest

from insignia.notifications import services


@pytest.fixture(autouse=True)
def _fresh_mail_connection():
    # The delivery service keeps one mail connection per thread; each test starts clean so a
    # backend swapped by ``settings`` is honoured and locmem's outbox is the one we read.
    services._drop_mail_connection()
    yield
    services._drop_mail_connection()

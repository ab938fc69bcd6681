"""Fixtures for the earner tests: an active template and issuing through the real service."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.testing.factories import BadgeTemplateFactory
from insignia.verification.selectors import template_refs_forget


@pytest.fixture(autouse=True)
def _clear_caches():
    # Rate-limit counters and template memos must not leak between tests.
    cache.clear()
    template_refs_forget()
    yield
    cache.clear()
    template_refs_forget()


@pytest.fixture
def template(issuer):
    return BadgeTemplateFactory(issuer=issuer, name="Azure Administrator")


@pytest.fixture
def issue(template):
    def _issue(email="ann@example.com", name="Ann Lee", tpl=None):
        return award_issue(
            actor=Actor.system("test"),
            template=tpl or template,
            recipient_email=email,
            recipient_name=name,
        )

    return _issue

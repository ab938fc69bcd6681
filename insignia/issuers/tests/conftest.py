"""Fixtures for the issuer UI: a small world around the ``issuer`` fixture."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from insignia.awards.models import Award
from insignia.badges.models import BadgeTemplate, Programme, ProgrammeStatus
from insignia.issuers.models import Issuer, Role
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    IssuerFactory,
    MembershipFactory,
    ProgrammeFactory,
    UserFactory,
)


@dataclass
class World:
    issuer: Issuer
    template: BadgeTemplate
    programme: Programme
    award: Award


@pytest.fixture
def world(issuer) -> World:
    programme = ProgrammeFactory(issuer=issuer, status=ProgrammeStatus.PILOT)
    template = BadgeTemplateFactory(issuer=issuer)
    award = AwardFactory(template=template)
    return World(issuer=issuer, template=template, programme=programme, award=award)


@pytest.fixture
def admin_client(client, staff_by_role):
    client.force_login(staff_by_role[Role.ADMIN])
    return client


@pytest.fixture
def other_issuer_owner(db):
    return MembershipFactory(issuer=IssuerFactory(), role=Role.OWNER, user=UserFactory()).user

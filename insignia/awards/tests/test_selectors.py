from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.awards.models import AwardState, Visibility
from insignia.awards.selectors import AwardFilters, award_get_by_ref, award_list, award_visible_to
from insignia.core.errors import ServiceError
from insignia.issuers.models import Role
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_award_list_filters_by_status_state_template_search_and_dates():
    now = timezone.now()
    template = BadgeTemplateFactory()
    other_template = BadgeTemplateFactory(issuer=template.issuer)
    valid = AwardFactory(
        template=template, recipient_email="valid@example.com", recipient_name="Val Id"
    )
    expired = AwardFactory(
        template=template,
        issued_on=now - dt.timedelta(days=20),
        expires_at=now - dt.timedelta(days=1),
    )
    revoked = AwardFactory(template=other_template, revoked_at=now)
    pending = AwardFactory(
        template=template, state=AwardState.PENDING, issued_on=now - dt.timedelta(days=100)
    )
    AwardFactory()  # another issuer's award never shows
    issuer = template.issuer

    def ids(**kw):
        return {a.pk for a in award_list(issuer=issuer, filters=AwardFilters(**kw), now=now)}

    assert ids() == {valid.pk, expired.pk, revoked.pk, pending.pk}
    assert ids(status="revoked") == {revoked.pk}
    assert ids(status="expired") == {expired.pk}
    assert ids(status="valid") == {valid.pk, pending.pk}
    assert ids(state="pending") == {pending.pk}
    assert ids(template=other_template.public_id) == {revoked.pk}
    assert ids(q="VALID@example") == {valid.pk}
    assert ids(q="val id") == {valid.pk}
    assert ids(q=valid.public_id.upper()) == {valid.pk}
    assert ids(issued_to=(now - dt.timedelta(days=50)).date()) == {pending.pk}
    assert pending.pk not in ids(issued_from=(now - dt.timedelta(days=50)).date())


def test_visibility_rules():
    earner = UserFactory()
    award = AwardFactory(state=AwardState.PENDING, earner=earner)
    viewer = MembershipFactory(issuer=award.issuer, role=Role.VIEWER).user
    outsider_staff = MembershipFactory(role=Role.OWNER).user
    assert not award_visible_to(award=award, user=None)
    assert not award_visible_to(award=award, user=UserFactory())
    assert not award_visible_to(award=award, user=outsider_staff)
    assert award_visible_to(award=award, user=earner)
    assert award_visible_to(award=award, user=viewer)
    award.state = AwardState.ACCEPTED
    assert award_visible_to(award=award, user=None)
    award.visibility = Visibility.PRIVATE
    assert not award_visible_to(award=award, user=None)
    assert award_visible_to(award=award, user=earner)


def test_award_get_by_ref_accepts_id_or_url():
    award = AwardFactory()
    assert award_get_by_ref(award.public_id) == award
    assert award_get_by_ref(f"http://testserver/badges/{award.public_id}/") == award
    assert award_get_by_ref(f"https://x.example/badges/{award.public_id}/image.png") == award
    with pytest.raises(ServiceError):
        award_get_by_ref("zzzzzzzzzzzzzzzz")

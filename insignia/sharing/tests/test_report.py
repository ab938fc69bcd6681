"""The issuer's share report: per template, the last 30 days and all time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.issuers.models import Role
from insignia.sharing import services
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    IssuerFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _count(award, kind: str, times: int, *, days_ago: int = 0) -> None:
    when = timezone.now() - dt.timedelta(days=days_ago)
    for _ in range(times):
        services.counter_increment(award=award, kind=kind, now=when)


def test_viewer_sees_views_embeds_shares_and_downloads_per_template(client, issuer):
    viewer = UserFactory()
    MembershipFactory(issuer=issuer, user=viewer, role=Role.VIEWER)
    badge = BadgeTemplateFactory(issuer=issuer, name="Cloud <b>Architect</b>")
    quiet = BadgeTemplateFactory(issuer=issuer, name="Quiet badge")
    award = AwardFactory(template=badge)
    _count(award, services.PAGE_VIEW, 3)
    _count(award, services.PAGE_VIEW, 2, days_ago=45)  # all time only
    _count(award, services.EMBED_VIEW, 4)
    _count(award, services.share_click("linkedin_profile"), 2)
    _count(award, services.share_click("x"), 1, days_ago=29)  # still within 30 days
    _count(award, services.download("png"), 1)
    _count(award, services.download("ob3-json"), 1, days_ago=60)
    elsewhere = AwardFactory(template=BadgeTemplateFactory(issuer=IssuerFactory()))
    _count(elsewhere, services.PAGE_VIEW, 9)

    client.force_login(viewer)
    response = client.get(f"/manage/{issuer.slug}/reports/")
    assert response.status_code == 200
    rows = {row.template.name: row for row in response.context["report"]}
    assert set(rows) == {badge.name, quiet.name}  # other issuers' badges are not shown
    row = rows[badge.name]
    assert (row.page_views.recent, row.page_views.total) == (3, 5)
    assert (row.embed_views.recent, row.embed_views.total) == (4, 4)
    shares = [(f.recent, f.total) for f in row.shares]
    assert shares == [(2, 2), (0, 0), (0, 0), (1, 1), (0, 0)]  # LinkedIn profile … X, email
    assert (row.downloads.recent, row.downloads.total) == (1, 2)
    assert all(f.total == 0 for f in (rows[quiet.name].page_views, *rows[quiet.name].shares))
    html = response.content.decode()
    assert "Cloud &lt;b&gt;Architect&lt;/b&gt;" in html
    assert f'href="/manage/{issuer.slug}/reports/" aria-current="page"' in html

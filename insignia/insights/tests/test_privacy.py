"""Who sees what: anonymous, the earner, another earner, the employer's staff, other staff."""

from __future__ import annotations

import pytest
from django.utils import timezone

from insignia.core.audit import Actor
from insignia.insights.services import application_submit
from insignia.insights.tests.conftest import client_for, make_job
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(earner, employer, skills):
    job = make_job(employer, title="Cloud Administrator", required=[skills["monitoring"]])
    return application_submit(
        actor=Actor(user=earner), job=job, message="Secret note", badge_ids=[], now=timezone.now()
    )


@pytest.fixture
def viewers(earner, employer_staff, other_employer_staff):
    return {
        "anonymous": client_for(None),
        "earner": client_for(earner),
        "other_earner": client_for(UserFactory()),
        "employer_staff": client_for(employer_staff),
        "other_employer_staff": client_for(other_employer_staff),
    }


EXPECTED = {
    # viewer: (insights shows the earner's data, own applications list shows it, employer
    # inbox status, employer application status)
    "anonymous": (302, 302, 302, 302),
    "earner": (200, 200, 404, 404),
    "other_earner": (200, 200, 404, 404),
    "employer_staff": (200, 200, 200, 200),
    "other_employer_staff": (200, 200, 404, 404),
}


@pytest.mark.parametrize("viewer", EXPECTED)
def test_privacy_matrix(viewer, viewers, application, employer):
    client = viewers[viewer]
    inbox = f"/employers/{employer.public_id}/applications/"
    detail = f"{inbox}{application.public_id}"
    insights = client.get("/insights/")
    mine = client.get("/insights/applications/")
    statuses = (
        insights.status_code,
        mine.status_code,
        client.get(inbox).status_code,
        client.get(detail).status_code,
    )
    assert statuses == EXPECTED[viewer]
    owner = viewer == "earner"
    if insights.status_code == 200:
        assert ("Cloud Admin Associate" in insights.content.decode()) is owner
        assert ("Cloud Administrator" in mine.content.decode()) is owner
    if statuses[3] == 200:
        assert "Secret note" in client.get(detail).content.decode()
    new_job = client.get(f"/employers/{employer.public_id}/jobs/new").status_code
    assert new_job == {"anonymous": 302, "employer_staff": 200}.get(viewer, 404)


def test_other_employer_cannot_open_an_application_through_its_own_inbox_url(
    application, other_employer, other_employer_staff
):
    url = f"/employers/{other_employer.public_id}/applications/{application.public_id}"
    assert client_for(other_employer_staff).get(url).status_code == 404


def test_insights_never_show_another_earners_badges(earner, skills):
    other = UserFactory()
    template = BadgeTemplateFactory(name="Someone Else's Badge", skills=[skills["cooking"]])
    AwardFactory(template=template, earner=other)
    page = client_for(earner).get("/insights/").content.decode()
    assert "Someone Else" not in page and "Cooking" not in page

"""ARCHITECTURE §8 as a matrix: every public endpoint × award state × viewer."""

import pytest

from insignia.awards.models import AwardState, Visibility
from insignia.testing.factories import AwardFactory, UserFactory
from insignia.verification.tests.conftest import LD, client_for

pytestmark = pytest.mark.django_db

HIDDEN = {
    "pending": {"state": AwardState.PENDING},
    "rejected": {"state": AwardState.REJECTED},
    "private": {"state": AwardState.ACCEPTED, "visibility": Visibility.PRIVATE},
}
OUTSIDERS = ("anonymous", "other_user", "other_issuer_owner")
INSIDERS = ("earner", "staff_owner", "staff_admin", "staff_issuer", "staff_viewer")


def endpoints(award):
    base = f"/badges/{award.public_id}"
    return {
        "html": (base, "text/html"),
        "json": (base, LD),
        "json_forced": (f"{base}?format=json", "text/html"),
        "image": (f"{base}/image.png", "*/*"),
        "image_download": (f"{base}/image.png?download=1", "*/*"),
        "verify": (f"{base}/verify", "text/html"),
        "verify_partial": (f"{base}/verify?partial=1", "text/html"),
    }


@pytest.fixture
def earner():
    return UserFactory()


@pytest.mark.parametrize("state", HIDDEN)
@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_hidden_awards_are_404_to_outsiders_on_every_endpoint(
    template, viewers, earner, state, viewer
):
    award = AwardFactory(template=template, earner=earner, **HIDDEN[state])
    client = viewers[viewer]
    for name, (url, accept) in endpoints(award).items():
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 404, (name, viewer, state)
        assert award.recipient_name.encode() not in response.content


@pytest.mark.parametrize("state", HIDDEN)
@pytest.mark.parametrize("viewer", INSIDERS)
def test_hidden_awards_are_visible_to_earner_and_each_staff_role_privately(
    template, viewers, earner, state, viewer
):
    award = AwardFactory(template=template, earner=earner, **HIDDEN[state])
    client = client_for(earner) if viewer == "earner" else viewers[viewer]
    for name, (url, accept) in endpoints(award).items():
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, (name, viewer, state)
        assert response["Cache-Control"] == "private, no-store", (name, viewer, state)


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_public_awards_are_public_to_everyone(award, viewers, viewer):
    for name, (url, accept) in endpoints(award).items():
        assert viewers[viewer].get(url, HTTP_ACCEPT=accept).status_code == 200, name


def test_hidden_award_looks_exactly_like_a_missing_one(client, template):
    award = AwardFactory(template=template, state=AwardState.PENDING)
    hidden = client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD)
    missing = client.get("/badges/aaaaaaaaaaaaaaaa", HTTP_ACCEPT=LD)
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)


def test_staff_page_explains_the_badge_is_not_public(template, viewers):
    award = AwardFactory(template=template, state=AwardState.PENDING)
    page = viewers["staff_viewer"].get(f"/badges/{award.public_id}").content.decode()
    assert "Not yet accepted" in page
    assert 'name="robots" content="noindex' in page
    assert 'property="og:title"' not in page


def test_verify_by_staff_of_a_hidden_badge_shows_that_verifiers_cannot_fetch_it(template, viewers):
    award = AwardFactory(
        template=template, state=AwardState.ACCEPTED, visibility=Visibility.PRIVATE
    )
    page = viewers["staff_admin"].get(f"/badges/{award.public_id}/verify").content.decode()
    assert 'data-step="fetch_assertion" data-ok="false"' in page
    assert "HTTP 404" in page


def test_draft_templates_are_404_to_outsiders_and_visible_to_staff(issuer, viewers):
    from insignia.badges.models import TemplateState
    from insignia.testing.factories import BadgeTemplateFactory

    draft = BadgeTemplateFactory(issuer=issuer, state=TemplateState.DRAFT)
    for url, accept in (
        (f"/templates/{draft.public_id}", LD),
        (f"/templates/{draft.public_id}", "text/html"),
        (f"/templates/{draft.public_id}/image.png", "*/*"),
    ):
        for viewer in OUTSIDERS:
            assert viewers[viewer].get(url, HTTP_ACCEPT=accept).status_code == 404, (url, viewer)
        staff = viewers["staff_viewer"].get(url, HTTP_ACCEPT=accept)
        assert staff.status_code == 200
        assert staff["Cache-Control"] == "private, no-store"


def test_issuer_page_lists_only_active_templates(client, issuer):
    from insignia.badges.models import TemplateState
    from insignia.testing.factories import BadgeTemplateFactory

    active = BadgeTemplateFactory(issuer=issuer, name="Shown Badge")
    BadgeTemplateFactory(issuer=issuer, name="Secret Draft", state=TemplateState.DRAFT)
    BadgeTemplateFactory(issuer=issuer, name="Old Archived", state=TemplateState.ARCHIVED)
    page = client.get(f"/issuers/{issuer.public_id}").content.decode()
    assert "Shown Badge" in page and f"/templates/{active.public_id}" in page
    assert "Secret Draft" not in page and "Old Archived" not in page

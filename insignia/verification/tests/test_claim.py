import datetime as dt

import pytest
from django.utils import timezone

from insignia.awards.models import AwardState
from insignia.awards.services import award_issue
from insignia.core.audit import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(template):
    return award_issue(
        actor=Actor.system("test"),
        template=template,
        recipient_email="Bo@Example.com",
        recipient_name="Bo Diaz",
    )


def test_claim_link_shows_the_pending_badge_with_a_notice(client, issued):
    response = client.get(f"/claim/{issued.award.public_id}/{issued.claim_token}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This badge is waiting for you to accept it" in page
    assert "Bo Diaz" in page and issued.award.template.name in page
    # Anonymous visitors are offered sign-up with the address prefilled (earners/tests cover it).
    assert "Create an account to accept" in page
    assert "email=bo%40example.com" in page
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "public" not in response["Cache-Control"]
    # The badge itself is still hidden from the public.
    assert client.get(f"/badges/{issued.award.public_id}").status_code == 404


@pytest.mark.parametrize("token", ["wrong-token", "x" * 43])
def test_claim_with_a_wrong_token_is_404_and_says_so(client, issued, token):
    response = client.get(f"/claim/{issued.award.public_id}/{token}")
    assert response.status_code == 404
    assert "invalid or has expired" in response.content.decode()
    assert "Bo Diaz" not in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"


def test_claim_with_an_expired_token_is_404(client, issued):
    award = issued.award
    award.claim_token_expires_at = timezone.now() - dt.timedelta(seconds=1)
    award.save()
    response = client.get(f"/claim/{award.public_id}/{issued.claim_token}")
    assert response.status_code == 404
    assert "invalid or has expired" in response.content.decode()


def test_claim_token_of_another_award_does_not_work(client, issued, template):
    other = award_issue(
        actor=Actor.system("test"),
        template=template,
        recipient_email="cy@example.com",
        recipient_name="Cy",
    )
    assert client.get(f"/claim/{issued.award.public_id}/{other.claim_token}").status_code == 404


def test_claim_for_unknown_award_is_404(client, issued):
    assert client.get(f"/claim/aaaaaaaaaaaaaaaa/{issued.claim_token}").status_code == 404


def test_claim_link_of_an_accepted_badge_says_so(client, issued):
    award = issued.award
    award.state = AwardState.ACCEPTED
    award.save()
    page = client.get(f"/claim/{award.public_id}/{issued.claim_token}").content.decode()
    assert "You have accepted this badge" in page
    assert "waiting for you" not in page

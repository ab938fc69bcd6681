import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone

from insignia.awards.models import AwardState, Visibility
from insignia.earners import services
from insignia.earners.models import EarnerSettings
from insignia.issuers.models import Role
from insignia.testing.factories import AwardFactory, MembershipFactory, UserFactory
from insignia.testing.images import png_bytes

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def confirmation_link(to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


# --- the claim flow -----------------------------------------------------------------------------


def test_anonymous_claim_signup_and_confirmation_lands_on_the_accepted_badge(client, issue):
    issued = issue("ann@example.com")
    claim_url = f"/claim/{issued.award.public_id}/{issued.claim_token}"
    page = client.get(claim_url).content.decode()
    assert "Create an account to accept" in page
    signup = client.get(f"/accounts/signup/?email=ann%40example.com&claim={issued.award.public_id}")
    assert 'value="ann@example.com"' in signup.content.decode()
    assert "to accept your badge" in signup.content.decode()
    response = client.post(
        "/accounts/signup/",
        {"email": "ann@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    # Nothing is attached before the address is confirmed.
    issued.award.refresh_from_db()
    assert issued.award.earner is None
    link = confirmation_link("ann@example.com")
    path = link.split("testserver", 1)[1]
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == issued.award.get_absolute_url()
    issued.award.refresh_from_db()
    assert issued.award.state == AwardState.ACCEPTED
    assert issued.award.earner.email == "ann@example.com"
    # The claim link is now spent: reusing it says so and changes nothing.
    again = client.get(claim_url)
    assert again.status_code == 404
    assert "already used" in again.content.decode()
    # The session no longer holds the intent.
    assert issued.award.public_id not in client.session.get("insignia.claim_intents", {})


def test_confirming_a_second_address_later_brings_its_waiting_badges(client, issue, template):
    old = issue("old@example.com").award
    user = UserFactory(email="ann@example.com")
    client.force_login(user)
    client.post("/accounts/email/", {"action_add": "", "email": "old@example.com"})
    address = EmailAddress.objects.get(email="old@example.com")
    assert not address.verified
    path = confirmation_link("old@example.com").split("testserver", 1)[1]
    client.post(path)
    old.refresh_from_db()
    assert old.earner == user and old.state == AwardState.PENDING
    assert old.public_id in client.get("/me/").content.decode()


def test_logged_in_owner_accepts_directly_from_the_claim_page(issue):
    issued = issue()
    user = UserFactory(email="ann@example.com")
    client = logged_in(user)
    url = f"/claim/{issued.award.public_id}/{issued.claim_token}"
    assert "Accept badge" in client.get(url).content.decode()
    response = client.post(url, {"decision": "accept"})
    assert response["Location"] == issued.award.get_absolute_url()
    issued.award.refresh_from_db()
    assert issued.award.state == AwardState.ACCEPTED and issued.award.earner == user


def test_logged_in_owner_can_reject_from_the_claim_page(issue):
    issued = issue()
    client = logged_in(UserFactory(email="ann@example.com"))
    client.post(f"/claim/{issued.award.public_id}/{issued.claim_token}", {"decision": "reject"})
    issued.award.refresh_from_db()
    assert issued.award.state == AwardState.REJECTED


def test_logged_in_user_without_the_address_is_told_and_gets_nothing(issue):
    issued = issue()
    client = logged_in(UserFactory(email="mallory@example.com"))
    url = f"/claim/{issued.award.public_id}/{issued.claim_token}"
    page = client.get(url).content.decode()
    assert "not an address of the account you are signed in with" in page
    assert "Accept badge" not in page
    client.post(url, {"decision": "accept"})
    issued.award.refresh_from_db()
    assert issued.award.earner is None and issued.award.state == AwardState.PENDING


def test_claim_link_for_an_address_owned_by_another_account_says_sign_in_as_owner(issue):
    UserFactory(email="ann@example.com")
    issued = issue()
    client = logged_in(UserFactory(email="mallory@example.com"))
    url = f"/claim/{issued.award.public_id}/{issued.claim_token}"
    page = client.get(url).content.decode()
    assert "belongs to another account" in page
    client.post(url, {"decision": "accept"})
    issued.award.refresh_from_db()
    assert issued.award.state == AwardState.PENDING


def test_claiming_a_revoked_badge_explains_and_offers_no_accept(issue):
    issued = issue()
    issued.award.revoked_at = timezone.now()
    issued.award.revocation_reason = "Exam retracted."
    issued.award.save()
    client = logged_in(UserFactory(email="ann@example.com"))
    url = f"/claim/{issued.award.public_id}/{issued.claim_token}"
    page = client.get(url).content.decode()
    assert "This badge was revoked" in page and "Exam retracted." in page
    assert "Accept badge" not in page
    client.post(url, {"decision": "accept"})
    issued.award.refresh_from_db()
    assert issued.award.state == AwardState.PENDING


def test_expired_and_tampered_links_have_their_own_messages(client, issue):
    issued = issue()
    tampered = client.get(f"/claim/{issued.award.public_id}/{issued.claim_token[:-1]}x")
    assert tampered.status_code == 404 and "invalid" in tampered.content.decode()
    issued.award.claim_token_expires_at = timezone.now() - dt.timedelta(minutes=1)
    issued.award.save()
    expired = client.get(f"/claim/{issued.award.public_id}/{issued.claim_token}")
    assert expired.status_code == 404 and "This link has expired" in expired.content.decode()


def test_claim_endpoint_is_rate_limited_per_award(client, issue, settings):
    settings.INSIGNIA_CLAIM_RATE_PER_AWARD = (3, 600)
    issued = issue()
    url = f"/claim/{issued.award.public_id}/{issued.claim_token}"
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_claim_endpoint_is_rate_limited_per_ip(client, issue, settings):
    settings.INSIGNIA_CLAIM_RATE_PER_IP = (2, 600)
    issued = issue()
    assert client.get(f"/claim/{issued.award.public_id}/bad").status_code == 404
    assert client.get(f"/claim/{issued.award.public_id}/bad2").status_code == 404
    assert client.get(f"/claim/{issued.award.public_id}/{issued.claim_token}").status_code == 429


# --- dashboard and badge actions ----------------------------------------------------------------


def test_dashboard_needs_login(client):
    response = client.get("/me/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_shows_sections_and_accept_decline_undo_work():
    user = UserFactory()
    pending = AwardFactory(earner=user, state=AwardState.PENDING)
    client = logged_in(user)
    page = client.get("/me/").content.decode()
    for label in ("Waiting for you", "Accepted", "Declined", "Expired", "Revoked"):
        assert label in page
    assert client.get("/me/")["X-Robots-Tag"].startswith("noindex")
    client.post(f"/me/badges/{pending.public_id}/state", {"state": "rejected"})
    pending.refresh_from_db()
    assert pending.state == AwardState.REJECTED
    client.post(f"/me/badges/{pending.public_id}/state", {"state": "pending"})
    pending.refresh_from_db()
    assert pending.state == AwardState.PENDING


def test_badge_actions_on_someone_elses_badge_are_404():
    award = AwardFactory(earner=UserFactory())
    client = logged_in(UserFactory())
    assert (
        client.post(f"/me/badges/{award.public_id}/state", {"state": "rejected"}).status_code == 404
    )
    response = client.post(f"/me/badges/{award.public_id}/visibility", {"visibility": "private"})
    assert response.status_code == 404
    award.refresh_from_db()
    assert award.state == AwardState.ACCEPTED and award.visibility == Visibility.PUBLIC


def test_owner_toggles_privacy_from_the_badge_page_and_returns_there():
    user = UserFactory()
    award = AwardFactory(earner=user)
    client = logged_in(user)
    page = client.get(award.get_absolute_url()).content.decode()
    assert "Make private" in page
    response = client.post(
        f"/me/badges/{award.public_id}/visibility",
        {"visibility": "private", "next": award.get_absolute_url()},
    )
    assert response["Location"] == award.get_absolute_url()
    assert Client().get(award.get_absolute_url()).status_code == 404
    owner_view = client.get(award.get_absolute_url())
    assert owner_view.status_code == 200 and "noindex" in owner_view["X-Robots-Tag"]


def test_next_parameter_cannot_redirect_off_site():
    user = UserFactory()
    award = AwardFactory(earner=user)
    response = logged_in(user).post(
        f"/me/badges/{award.public_id}/visibility",
        {"visibility": "private", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/me/"


# --- settings and profile pages -----------------------------------------------------------------


def test_settings_page_saves_privacy_and_auto_accept():
    user = UserFactory()
    award = AwardFactory(earner=user)
    client = logged_in(user)
    assert client.get("/me/settings/").status_code == 200
    client.post(
        "/me/settings/",
        {
            "profile_public": "0",
            "default_visibility": "private",
            "auto_accept_issuers": [str(award.issuer_id)],
        },
    )
    saved = EarnerSettings.objects.get(user=user)
    assert not saved.profile_public and saved.default_visibility == "private"
    assert not saved.auto_accept_all
    assert user.auto_accept_issuers.filter(issuer_id=award.issuer_id).exists()


def _profile_post(**overrides):
    return {
        "display_name": "Ann Lee",
        "headline": "Cloud engineer",
        "location": "Lisbon",
        "website": "https://ann.example",
        "bio": "I like **clouds**.",
        "slug": "ann-lee",
    } | overrides


def test_profile_edit_saves_and_reports_bad_input_on_the_field():
    user = UserFactory()
    client = logged_in(user)
    assert client.post("/me/profile/", _profile_post()).status_code == 302
    bad = client.post("/me/profile/", _profile_post(slug="admin")).content.decode()
    assert "reserved" in bad
    fake = client.post(
        "/me/profile/", _profile_post(photo=_upload(b"not an image", "me.jpg"))
    ).content.decode()
    assert "not an image we can read" in fake
    ok = client.post("/me/profile/", _profile_post(photo=_upload(png_bytes(), "me.png")))
    assert ok.status_code == 302
    user.profile.refresh_from_db()
    assert user.profile.photo


def _upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_public_profile_shows_public_badges_with_open_graph_and_escapes_bio(client):
    user = UserFactory()
    services.profile_update(
        user=user,
        slug="ann-lee",
        display_name="Ann Lee",
        headline="Cloud engineer",
        bio="<script>alert(1)</script> **bold**",
        location="Lisbon",
        website="https://ann.example",
    )
    shown = AwardFactory(earner=user)
    hidden = AwardFactory(earner=user, visibility=Visibility.PRIVATE)
    response = client.get("/u/ann-lee")
    page = response.content.decode()
    assert response.status_code == 200
    assert shown.template.name in page and hidden.template.name not in page
    assert 'property="og:title"' in page and "Ann Lee" in page
    assert "<script>alert(1)</script>" not in page and "<strong>bold</strong>" in page
    assert "X-Robots-Tag" not in response


def test_old_profile_slug_redirects_to_the_new_one(client):
    user = UserFactory()
    services.profile_update(
        user=user, slug="first", display_name="", headline="", bio="", location="", website=""
    )
    services.profile_update(
        user=user, slug="second", display_name="", headline="", bio="", location="", website=""
    )
    response = client.get("/u/first")
    assert response.status_code == 302 and response["Location"] == "/u/second"


# --- privacy matrix -----------------------------------------------------------------------------


@pytest.fixture
def people(issuer):
    earner = UserFactory()
    staff = MembershipFactory(issuer=issuer, role=Role.VIEWER, user=UserFactory()).user
    return {
        "anonymous": Client(),
        "earner": logged_in(earner),
        "other_earner": logged_in(UserFactory()),
        "issuer_staff": logged_in(staff),
        "_earner_user": earner,
    }


PROFILE_MATRIX = {
    # viewer: (public profile, private profile)
    "anonymous": (200, 404),
    "earner": (200, 200),
    "other_earner": (200, 404),
    "issuer_staff": (200, 404),
}


@pytest.mark.parametrize("viewer", list(PROFILE_MATRIX))
def test_profile_privacy_matrix(people, viewer):
    earner = people["_earner_user"]
    services.profile_update(
        user=earner,
        slug="ann-lee",
        display_name="Ann",
        headline="",
        bio="",
        location="",
        website="",
    )
    assert people[viewer].get("/u/ann-lee").status_code == PROFILE_MATRIX[viewer][0]
    EarnerSettings.objects.filter(user=earner).update(profile_public=False)
    response = people[viewer].get("/u/ann-lee")
    assert response.status_code == PROFILE_MATRIX[viewer][1]
    if response.status_code == 200:
        assert "noindex" in response["X-Robots-Tag"]


BADGE_MATRIX = {
    # viewer: status for a private accepted badge (page, JSON, image)
    "anonymous": 404,
    "earner": 200,
    "other_earner": 404,
    "issuer_staff": 200,
}


@pytest.mark.parametrize("viewer", list(BADGE_MATRIX))
def test_private_badge_privacy_matrix_on_page_json_image_and_profile(people, viewer, template):
    earner = people["_earner_user"]
    services.profile_update(
        user=earner,
        slug="ann-lee",
        display_name="Ann",
        headline="",
        bio="",
        location="",
        website="",
    )
    award = AwardFactory(earner=earner, template=template, visibility=Visibility.PRIVATE)
    client = people[viewer]
    expected = BADGE_MATRIX[viewer]
    url = award.get_absolute_url()
    page = client.get(url)
    assert page.status_code == expected
    assert client.get(url, HTTP_ACCEPT="application/ld+json").status_code == expected
    assert client.get(f"{url}/image.png").status_code == expected
    if expected == 200:
        assert "noindex" in page["X-Robots-Tag"]
        assert '<meta name="robots" content="noindex' in page.content.decode()
    # The profile never lists a private badge, not even to its owner.
    assert template.name not in client.get("/u/ann-lee").content.decode()

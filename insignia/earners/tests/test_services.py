import datetime as dt
import io

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image

from insignia.awards.models import AwardState, Visibility
from insignia.core.errors import ServiceError
from insignia.core.markdown import render_markdown
from insignia.earners import selectors, services
from insignia.earners.models import EarnerSettings, IssuerAutoAccept, SlugRedirect
from insignia.earners.photos import photo_process
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    IssuerFactory,
    UserFactory,
)
from insignia.testing.images import png_bytes

pytestmark = pytest.mark.django_db


# --- waiting badges -----------------------------------------------------------------------------


def test_confirming_an_address_attaches_every_unowned_award_sent_to_it_as_pending(issue):
    first = issue("ann@example.com").award
    second = issue("ANN@example.com", tpl=BadgeTemplateFactory()).award
    other = issue("bob@example.com").award
    user = UserFactory(email="ann@example.com")
    result = services.earner_awards_attach_for_address(user=user, email="ann@example.com")
    assert {a.pk for a in result.attached} == {first.pk, second.pk}
    for award in (first, second):
        award.refresh_from_db()
        assert award.earner == user and award.state == AwardState.PENDING
    other.refresh_from_db()
    assert other.earner is None
    assert result.claimed is None


def test_attaching_refuses_an_address_the_user_has_not_confirmed(issue):
    issue("ann@example.com")
    user = UserFactory(email="bob@example.com")
    with pytest.raises(ServiceError) as err:
        services.earner_awards_attach_for_address(user=user, email="ann@example.com")
    assert err.value.code == "email_unverified"


def test_attaching_accepts_the_claimed_award_and_spends_its_link(issue):
    issued = issue()
    user = UserFactory(email="ann@example.com")
    result = services.earner_awards_attach_for_address(
        user=user, email="ann@example.com", claim_public_ids=[issued.award.public_id]
    )
    award = result.claimed
    assert award is not None and award.state == AwardState.ACCEPTED
    assert award.claim_token_hash == ""
    assert selectors.claim_token_spent(award=award, raw_token=issued.claim_token)


def test_attaching_with_auto_accept_accepts_and_uses_the_default_visibility(issue):
    award = issue().award
    user = UserFactory(email="ann@example.com")
    EarnerSettings.objects.create(
        user=user, auto_accept_all=True, default_visibility=Visibility.PRIVATE
    )
    services.earner_awards_attach_for_address(user=user, email="ann@example.com")
    award.refresh_from_db()
    assert award.state == AwardState.ACCEPTED
    assert award.visibility == Visibility.PRIVATE


def test_attaching_does_not_accept_a_revoked_award_even_when_claimed(issue):
    issued = issue()
    award = issued.award
    award.revoked_at = timezone.now()
    award.save()
    user = UserFactory(email="ann@example.com")
    result = services.earner_awards_attach_for_address(
        user=user, email="ann@example.com", claim_public_ids=[award.public_id]
    )
    award.refresh_from_db()
    assert award.earner == user and award.state == AwardState.PENDING
    assert result.claimed is None


# --- auto-accept at issue time ------------------------------------------------------------------


def test_award_to_an_earner_who_auto_accepts_everything_is_accepted_at_once(issue):
    user = UserFactory(email="ann@example.com")
    EarnerSettings.objects.create(user=user, auto_accept_all=True)
    award = issue().award
    assert award.earner == user
    assert award.state == AwardState.ACCEPTED


def test_per_issuer_auto_accept_applies_only_to_that_issuer(issue, template):
    user = UserFactory(email="ann@example.com")
    IssuerAutoAccept.objects.create(user=user, issuer=template.issuer)
    mine = issue().award
    other_template = BadgeTemplateFactory(issuer=IssuerFactory())
    theirs = issue(tpl=other_template).award
    assert mine.state == AwardState.ACCEPTED
    assert theirs.state == AwardState.PENDING and theirs.earner == user


def test_award_to_a_known_earner_takes_their_default_visibility(issue):
    user = UserFactory(email="ann@example.com")
    EarnerSettings.objects.create(user=user, default_visibility=Visibility.PRIVATE)
    award = issue().award
    assert award.state == AwardState.PENDING
    assert award.visibility == Visibility.PRIVATE


def test_auto_accept_needs_a_verified_address(issue):
    user = UserFactory(email="ann@example.com", verified=False)
    EarnerSettings.objects.create(user=user, auto_accept_all=True)
    award = issue().award
    assert award.earner is None and award.state == AwardState.PENDING


# --- claiming -----------------------------------------------------------------------------------


def test_claim_accept_by_the_owner_accepts_and_makes_the_link_single_use(issue):
    issued = issue()
    user = UserFactory(email="ann@example.com")
    award = services.award_claim(
        user=user, award=issued.award, raw_token=issued.claim_token, decision="accept"
    )
    assert award.state == AwardState.ACCEPTED and award.earner == user
    with pytest.raises(ServiceError) as err:
        services.award_claim(
            user=user, award=award, raw_token=issued.claim_token, decision="reject"
        )
    assert err.value.code == "token_used"
    award.refresh_from_db()
    assert award.state == AwardState.ACCEPTED


def test_claim_reject_hides_the_badge_and_undo_brings_it_back(issue):
    issued = issue()
    user = UserFactory(email="ann@example.com")
    award = services.award_claim(
        user=user, award=issued.award, raw_token=issued.claim_token, decision="reject"
    )
    assert award.state == AwardState.REJECTED and not award.is_public
    award = services.earner_award_set_state(user=user, award=award, state=AwardState.PENDING)
    assert award.state == AwardState.PENDING
    award = services.earner_award_set_state(user=user, award=award, state=AwardState.ACCEPTED)
    assert award.is_public


def test_claim_by_an_account_without_the_address_never_gets_the_badge(issue):
    issued = issue()
    intruder = UserFactory(email="mallory@example.com")
    with pytest.raises(ServiceError) as err:
        services.award_claim(
            user=intruder, award=issued.award, raw_token=issued.claim_token, decision="accept"
        )
    assert err.value.code == "wrong_account"
    issued.award.refresh_from_db()
    assert issued.award.earner is None and issued.award.state == AwardState.PENDING


def test_claim_with_an_unverified_address_is_refused(issue):
    issued = issue()
    user = UserFactory(email="mallory@example.com")
    EmailAddress.objects.create(user=user, email="ann@example.com", verified=False)
    with pytest.raises(ServiceError) as err:
        services.award_claim(
            user=user, award=issued.award, raw_token=issued.claim_token, decision="accept"
        )
    assert err.value.code == "wrong_account"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        ("tampered", "token_invalid"),
        ("expired", "token_expired"),
        ("revoked", "revoked"),
    ],
)
def test_claim_bad_links_are_refused_and_change_nothing(issue, mutate, code):
    issued = issue()
    award = issued.award
    token = issued.claim_token
    if mutate == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif mutate == "expired":
        award.claim_token_expires_at = timezone.now() - dt.timedelta(seconds=1)
        award.save()
    else:
        award.revoked_at = timezone.now()
        award.save()
    user = UserFactory(email="ann@example.com")
    with pytest.raises(ServiceError) as err:
        services.award_claim(user=user, award=award, raw_token=token, decision="accept")
    assert err.value.code == code
    award.refresh_from_db()
    assert award.state == AwardState.PENDING and award.earner is None


def test_earner_cannot_act_on_someone_elses_badge():
    award = AwardFactory(earner=UserFactory())
    with pytest.raises(ServiceError):
        services.earner_award_set_visibility(
            user=UserFactory(), award=award, visibility=Visibility.PRIVATE
        )
    with pytest.raises(ServiceError):
        services.earner_award_set_state(user=UserFactory(), award=award, state="rejected")


def test_visibility_change_is_audited():
    user = UserFactory()
    award = AwardFactory(earner=user)
    services.earner_award_set_visibility(user=user, award=award, visibility=Visibility.PRIVATE)
    award.refresh_from_db()
    assert award.visibility == Visibility.PRIVATE and not award.is_public
    from insignia.core.models import AuditEvent

    assert AuditEvent.objects.filter(verb="award.visibility", object_id=award.public_id).exists()


# --- settings -----------------------------------------------------------------------------------


def test_settings_update_keeps_only_issuers_that_sent_badges_and_mirrors_reminder_opt_out(issue):
    user = UserFactory(email="ann@example.com")
    award = issue().award
    stranger = IssuerFactory()
    services.earner_settings_update(
        user=user,
        profile_public=False,
        default_visibility=Visibility.PRIVATE,
        auto_accept_all=False,
        reminders_opt_out=True,
        auto_accept_issuer_ids={award.issuer_id, stranger.pk},
    )
    assert selectors.earner_auto_accept_issuer_ids(user=user) == {award.issuer_id}
    from insignia.notifications.models import ReminderOptOut

    assert ReminderOptOut.objects.filter(email="ann@example.com").exists()
    services.earner_settings_update(
        user=user,
        profile_public=True,
        default_visibility=Visibility.PUBLIC,
        auto_accept_all=False,
        reminders_opt_out=False,
    )
    assert not ReminderOptOut.objects.filter(email="ann@example.com").exists()


# --- profile ------------------------------------------------------------------------------------


def _profile_kwargs(**overrides):
    base = {
        "slug": "ann-lee",
        "display_name": "Ann Lee",
        "headline": "Cloud engineer",
        "bio": "Hello",
        "location": "Lisbon",
        "website": "https://ann.example",
    }
    return base | overrides


def test_profile_update_changes_slug_and_the_old_one_redirects_for_the_period(settings):
    settings.INSIGNIA_SLUG_REDIRECT_DAYS = 90
    user = UserFactory()
    _, profile = services.earner_ensure(user=user)
    old = profile.slug
    now = timezone.now()
    services.profile_update(user=user, now=now, **_profile_kwargs())
    assert selectors.profile_lookup(old, now=now).redirect_to == "ann-lee"
    later = now + dt.timedelta(days=91)
    assert selectors.profile_lookup(old, now=later).redirect_to is None
    assert SlugRedirect.objects.get(old_slug=old).expires_at == now + dt.timedelta(days=90)


@pytest.mark.parametrize(
    ("slug", "code"),
    [
        ("admin", "slug_reserved"),
        ("me", "slug_invalid"),
        ("settings", "slug_reserved"),
        ("big-shit-energy", "slug_offensive"),
        ("Has Spaces", "slug_invalid"),
        ("-edge", "slug_invalid"),
        ("double--hyphen", "slug_invalid"),
        ("x" * 41, "slug_invalid"),
    ],
)
def test_profile_refuses_bad_slugs(slug, code):
    user = UserFactory()
    with pytest.raises(ServiceError) as err:
        services.profile_update(user=user, **_profile_kwargs(slug=slug))
    assert err.value.code == code and err.value.field == "slug"


def test_profile_refuses_a_taken_slug_and_one_still_redirecting():
    owner = UserFactory()
    services.profile_update(user=owner, **_profile_kwargs(slug="taken"))
    with pytest.raises(ServiceError) as err:
        services.profile_update(user=UserFactory(), **_profile_kwargs(slug="taken"))
    assert err.value.code == "slug_taken"
    services.profile_update(user=owner, **_profile_kwargs(slug="renamed"))
    with pytest.raises(ServiceError) as err:
        services.profile_update(user=UserFactory(), **_profile_kwargs(slug="taken"))
    assert err.value.code == "slug_taken"
    # ...but its owner can take it back.
    assert services.profile_update(user=owner, **_profile_kwargs(slug="taken")).slug == "taken"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example", "not a url"])
def test_profile_website_must_be_http(url):
    with pytest.raises(ServiceError) as err:
        services.profile_update(user=UserFactory(), **_profile_kwargs(website=url))
    assert err.value.field == "website"


def test_bio_html_and_script_are_sanitised_when_rendered():
    user = UserFactory()
    bio = "<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) **ok**"
    profile = services.profile_update(user=user, **_profile_kwargs(bio=bio))
    html = str(render_markdown(profile.bio))
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<strong>ok</strong>" in html


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (800, 600), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_resized_square_and_stripped_of_metadata():
    data = _jpeg_with_exif()
    assert b"SecretCam" in data
    photo = photo_process(data)
    assert b"SecretCam" not in photo.data
    image = Image.open(io.BytesIO(photo.data))
    assert image.size == (400, 400) and photo.ext == "jpg"


def test_profile_photo_is_stored_under_a_random_name():
    user = UserFactory()
    profile = services.profile_update(user=user, photo=png_bytes(500, 300), **_profile_kwargs())
    assert profile.photo.name.startswith("profiles/") and "ann" not in profile.photo.name
    profile = services.profile_update(user=user, remove_photo=True, **_profile_kwargs())
    assert not profile.photo


def test_text_file_named_jpg_is_refused():
    with pytest.raises(ServiceError) as err:
        photo_process(b"just some text, honestly a jpeg")
    assert err.value.field == "photo"


def _png_bomb(side: int = 30000) -> bytes:
    """A small PNG declaring side×side pixels: tiny on disk, gigabytes once decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side // 8 + 1) * 64)  # a few rows are enough to parse
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def test_png_bomb_is_refused_before_decoding():
    bomb = _png_bomb()
    assert len(bomb) < 10_000
    with pytest.raises(ServiceError) as err:
        photo_process(bomb)
    assert err.value.field == "photo"


def test_oversized_photo_is_refused(settings):
    settings.INSIGNIA_IMAGE_MAX_BYTES = 1000
    with pytest.raises(ServiceError) as err:
        photo_process(png_bytes(300, 300, (1, 2, 3)) + b"\0" * 2000)
    assert "larger than" in err.value.message


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_puts_each_award_in_exactly_one_section():
    user = UserFactory()
    now = timezone.now()
    pending = AwardFactory(earner=user, state=AwardState.PENDING)
    accepted = AwardFactory(earner=user)
    rejected = AwardFactory(earner=user, state=AwardState.REJECTED)
    expired = AwardFactory(
        earner=user, issued_on=now - dt.timedelta(days=10), expires_at=now - dt.timedelta(days=1)
    )
    revoked = AwardFactory(earner=user, revoked_at=now, expires_at=now - dt.timedelta(hours=1))
    AwardFactory()  # someone else's
    board = selectors.earner_dashboard(user=user, now=now)
    assert board.pending == [pending]
    assert board.accepted == [accepted]
    assert board.rejected == [rejected]
    assert board.expired == [expired]
    assert board.revoked == [revoked]


def test_profile_lists_only_public_accepted_unrevoked_badges_grouped_by_issuer():
    user = UserFactory()
    _, profile = services.earner_ensure(user=user)
    template = BadgeTemplateFactory()
    shown = AwardFactory(earner=user, template=template)
    AwardFactory(earner=user, template=template, visibility=Visibility.PRIVATE)
    AwardFactory(earner=user, template=template, state=AwardState.PENDING)
    AwardFactory(earner=user, template=template, state=AwardState.REJECTED)
    AwardFactory(earner=user, template=template, revoked_at=timezone.now())
    groups = selectors.profile_public_badges(profile=profile)
    assert len(groups) == 1
    assert groups[0].awards == [shown] and groups[0].count == 1
    assert groups[0].skills == ["Cloud Computing"]

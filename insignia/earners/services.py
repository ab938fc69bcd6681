"""Writes for earners: claiming, attaching waiting badges, accept/reject, privacy, profile.

Every service runs in one transaction and writes its audit rows inside it. The actor is always
the earner (``Actor(user=...)``); issuer staff never act through these services.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from insignia.accounts.models import User, normalize_email_address
from insignia.awards.models import Award, AwardState, Visibility
from insignia.awards.services import award_set_state
from insignia.awards.tokens import token_hash
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import ServiceError
from insignia.earners import selectors
from insignia.earners.models import (
    EarnerSettings,
    IssuerAutoAccept,
    Profile,
    SlugRedirect,
    SpentClaimToken,
)
from insignia.earners.photos import photo_process
from insignia.earners.slugs import slug_clean, slug_suggest
from insignia.issuers.models import Issuer

SLUG_REDIRECT_DAYS_DEFAULT = 90
BIO_MAX = 2000


def _slug_redirect_period() -> dt.timedelta:
    return dt.timedelta(
        days=getattr(settings, "INSIGNIA_SLUG_REDIRECT_DAYS", SLUG_REDIRECT_DAYS_DEFAULT)
    )


# --- account setup ------------------------------------------------------------------------------


@transaction.atomic
def earner_ensure(*, user: User) -> tuple[EarnerSettings, Profile]:
    """The user's settings and profile, created with defaults (and a free slug) on first use."""
    earner_settings, _ = EarnerSettings.objects.get_or_create(user=user)
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        for _attempt in range(5):
            slug = slug_suggest(user.email)
            if (
                Profile.objects.filter(slug=slug).exists()
                or SlugRedirect.objects.filter(old_slug=slug).exists()
            ):
                continue
            try:
                with transaction.atomic():
                    profile = Profile.objects.create(
                        user=user, slug=slug, display_name=user.full_name
                    )
                break
            except IntegrityError:
                continue
        if profile is None:  # five collisions in 2^24: something else is wrong
            profile = Profile.objects.create(user=user, slug=f"earner-{secrets.token_hex(8)}")
    return earner_settings, profile


# --- claiming and waiting badges ----------------------------------------------------------------


def _spend_token(award: Award, now: dt.datetime) -> None:
    """Make the award's current claim link single-use: clear it and remember its hash."""
    if award.claim_token_hash:
        SpentClaimToken.objects.get_or_create(
            token_hash=award.claim_token_hash, defaults={"award": award, "used_at": now}
        )
    award.claim_token_hash = ""
    award.claim_token_expires_at = None
    award.save(update_fields=["claim_token_hash", "claim_token_expires_at", "updated_at"])


@dataclass(frozen=True)
class AttachResult:
    attached: list[Award] = field(default_factory=list)
    claimed: Award | None = None  # the award the visitor came to claim, now accepted


@transaction.atomic
def earner_awards_attach_for_address(
    *,
    user: User,
    email: str,
    claim_public_ids: list[str] | tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> AttachResult:
    """Give ``user`` every unowned award sent to ``email``, which they have just verified.

    Attached awards take the earner's default visibility and are accepted when the earner
    auto-accepts their issuer; an award in ``claim_public_ids`` (the link they opened before
    signing up) is accepted and its claim link spent. Revoked awards attach but stay as they are.
    """
    now = now or timezone.now()
    email = normalize_email_address(email)
    if not selectors.user_has_verified_email(user=user, email=email):
        raise ServiceError(
            f"{email} is not a confirmed address of this account.", code="email_unverified"
        )
    earner_settings, _ = earner_ensure(user=user)
    auto_all = earner_settings.auto_accept_all
    auto_issuers = selectors.earner_auto_accept_issuer_ids(user=user)
    actor = Actor(user=user)
    result_attached: list[Award] = []
    claimed: Award | None = None
    awards = Award.objects.select_for_update(of=("self",)).filter(
        recipient_email__iexact=email, earner__isnull=True
    )
    for award in awards.order_by("issued_on", "id"):
        award.earner = user
        award.visibility = earner_settings.default_visibility
        fields = ["earner", "visibility", "updated_at"]
        wanted = award.public_id in claim_public_ids
        accept = (
            award.revoked_at is None
            and award.state == AwardState.PENDING
            and (wanted or auto_all or award.issuer_id in auto_issuers)
        )
        if accept:
            award.state = AwardState.ACCEPTED
            award.state_changed_at = now
            fields += ["state", "state_changed_at"]
        award.save(update_fields=fields)
        audit_record(
            actor=actor,
            verb="award.attached",
            object_type="award",
            object_id=award.public_id,
            issuer_id=award.issuer_id,
            after={"earner": user.email, "state": award.state, "visibility": award.visibility},
        )
        from insignia.webhooks.kick import webhooks_kick  # "attached and accepted" is an event

        webhooks_kick(issuer_id=award.issuer_id)
        if wanted and accept:
            _spend_token(award, now)
            claimed = award
        result_attached.append(award)
    if earner_settings.reminders_opt_out:
        _sync_reminder_opt_out(user=user, opted_out=True)
    return AttachResult(attached=result_attached, claimed=claimed)


CLAIM_ACCEPT = "accept"
CLAIM_REJECT = "reject"


@transaction.atomic
def award_claim(
    *, user: User, award: Award, raw_token: str, decision: str, now: dt.datetime | None = None
) -> Award:
    """Accept or reject ``award`` through its claim link, as a signed-in ``user``.

    The link proves someone received the email; the account must also hold the recipient
    address, confirmed, or the badge would go to whoever clicked a forwarded link.
    """
    now = now or timezone.now()
    if decision not in (CLAIM_ACCEPT, CLAIM_REJECT):
        raise ServiceError("Choose accept or reject.", field="decision")
    award = Award.objects.select_for_update(of=("self",)).get(pk=award.pk)
    if award.revoked_at is not None:
        raise ServiceError(
            "This badge was revoked by its issuer and can no longer be accepted.", code="revoked"
        )
    if not award.claim_token_hash or token_hash(raw_token) != award.claim_token_hash:
        if selectors.claim_token_spent(award=award, raw_token=raw_token):
            raise ServiceError(
                "This link was already used. Sign in to see the badge in your account.",
                code="token_used",
            )
        raise ServiceError("This claim link is invalid.", code="token_invalid")
    if award.claim_token_expires_at is None or award.claim_token_expires_at <= now:
        raise ServiceError(
            "This claim link has expired. Ask the issuer to send the badge again, or sign in: "
            "badges sent to your confirmed addresses are in your account.",
            code="token_expired",
        )
    if not selectors.user_has_verified_email(user=user, email=award.recipient_email):
        raise ServiceError(
            f"This badge was sent to {award.recipient_email}, which is not a confirmed address "
            "of your account. Sign in as that address's owner, or add and confirm it in your "
            "account's email settings.",
            code="wrong_account",
        )
    if award.earner_id is not None and award.earner_id != user.pk:
        raise ServiceError(
            "This badge belongs to another account. Sign in as its owner.", code="wrong_account"
        )
    if award.earner_id is None:
        earner_settings, _ = earner_ensure(user=user)
        award.earner = user
        award.visibility = earner_settings.default_visibility
        award.save(update_fields=["earner", "visibility", "updated_at"])
    state = AwardState.ACCEPTED if decision == CLAIM_ACCEPT else AwardState.REJECTED
    award = award_set_state(actor=Actor(user=user), award=award, state=state, now=now)
    _spend_token(award, now)
    return award


# --- the earner's own badges --------------------------------------------------------------------


def _own(user: User, award: Award) -> Award:
    if award.earner_id != user.pk:
        # Not theirs: answer as if it did not exist (views turn this into 404).
        raise ServiceError("No such badge in your account.", code="not_found")
    return award


@transaction.atomic
def earner_award_set_state(
    *, user: User, award: Award, state: str, now: dt.datetime | None = None
) -> Award:
    """Accept a pending badge, reject one, or undo a rejection (back to pending)."""
    _own(user, award)
    if state not in (AwardState.ACCEPTED, AwardState.REJECTED, AwardState.PENDING):
        raise ServiceError(f"Unknown state {state!r}.", field="state")
    award = award_set_state(actor=Actor(user=user), award=award, state=state, now=now)
    if award.claim_token_hash and state != AwardState.PENDING:
        _spend_token(award, now or timezone.now())
    return award


@transaction.atomic
def earner_award_set_visibility(*, user: User, award: Award, visibility: str) -> Award:
    _own(user, award)
    if visibility not in Visibility.values:
        raise ServiceError(f"Unknown visibility {visibility!r}.", field="visibility")
    award = Award.objects.select_for_update(of=("self",)).get(pk=award.pk)
    if award.visibility == visibility:
        return award
    before = award.visibility
    award.visibility = visibility
    award.save(update_fields=["visibility", "updated_at"])
    audit_record(
        actor=Actor(user=user),
        verb="award.visibility",
        object_type="award",
        object_id=award.public_id,
        issuer_id=award.issuer_id,
        before={"visibility": before},
        after={"visibility": visibility},
    )
    return award


# --- settings -----------------------------------------------------------------------------------


@transaction.atomic
def earner_settings_update(
    *,
    user: User,
    profile_public: bool,
    default_visibility: str,
    auto_accept_all: bool,
    reminders_opt_out: bool,
    auto_accept_issuer_ids: set[int] | None = None,
) -> EarnerSettings:
    if default_visibility not in Visibility.values:
        raise ServiceError("Choose public or private.", field="default_visibility")
    earner_settings, _ = earner_ensure(user=user)
    before = {
        "profile_public": earner_settings.profile_public,
        "default_visibility": earner_settings.default_visibility,
        "auto_accept_all": earner_settings.auto_accept_all,
        "reminders_opt_out": earner_settings.reminders_opt_out,
    }
    earner_settings.profile_public = profile_public
    earner_settings.default_visibility = default_visibility
    earner_settings.auto_accept_all = auto_accept_all
    earner_settings.reminders_opt_out = reminders_opt_out
    earner_settings.save()
    after = {
        "profile_public": profile_public,
        "default_visibility": default_visibility,
        "auto_accept_all": auto_accept_all,
        "reminders_opt_out": reminders_opt_out,
    }
    if auto_accept_issuer_ids is not None:
        # Only issuers that sent this earner badges can be chosen (the form lists those).
        allowed = {i.pk for i in selectors.earner_issuers(user=user)}
        wanted = auto_accept_issuer_ids & allowed
        IssuerAutoAccept.objects.filter(user=user).exclude(issuer_id__in=wanted).delete()
        for issuer_id in wanted:
            IssuerAutoAccept.objects.get_or_create(user=user, issuer_id=issuer_id)
        after["auto_accept_issuers"] = sorted(
            Issuer.objects.filter(pk__in=wanted).values_list("public_id", flat=True)
        )
    _sync_reminder_opt_out(user=user, opted_out=reminders_opt_out)
    audit_record(
        actor=Actor(user=user),
        verb="earner.settings",
        object_type="user",
        object_id=str(user.pk),  # audit rows stay in the database
        before=before,
        after=after,
    )
    return earner_settings


def _sync_reminder_opt_out(*, user: User, opted_out: bool) -> None:
    """Mirror the choice into the notifications app's per-address list, which reminders read."""
    if not apps.is_installed("insignia.notifications"):  # pragma: no cover
        return
    # Imported here: notifications is a sibling app, and earners must not need it to load.
    from insignia.notifications.models import ReminderOptOut

    emails = selectors.earner_verified_emails(user=user)
    if opted_out:
        for email in emails:
            ReminderOptOut.objects.get_or_create(email=email)
    else:
        ReminderOptOut.objects.filter(email__in=emails).delete()


@transaction.atomic
def earner_auto_accept_issuer_set(*, user: User, issuer: Issuer, enabled: bool) -> None:
    if enabled:
        IssuerAutoAccept.objects.get_or_create(user=user, issuer=issuer)
    else:
        IssuerAutoAccept.objects.filter(user=user, issuer=issuer).delete()
    audit_record(
        actor=Actor(user=user),
        verb="earner.auto_accept",
        object_type="issuer",
        object_id=issuer.public_id,
        issuer_id=issuer.pk,
        after={"enabled": enabled},
    )


# --- profile ------------------------------------------------------------------------------------


def _clean_website(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ServiceError(
            "Enter a full web address starting with https:// or http://.", field="website"
        ) from exc
    return url


def _clean_line(value: str, *, field: str, limit: int, label: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise ServiceError(f"Keep the {label} under {limit} characters.", field=field)
    return value


@transaction.atomic
def profile_update(
    *,
    user: User,
    slug: str,
    display_name: str,
    headline: str,
    bio: str,
    location: str,
    website: str,
    photo: bytes | None = None,
    remove_photo: bool = False,
    now: dt.datetime | None = None,
) -> Profile:
    """Change the profile. A new slug keeps the old one redirecting for a configured period."""
    now = now or timezone.now()
    _, profile = earner_ensure(user=user)
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    new_slug = slug_clean(slug)
    bio = (bio or "").strip()
    if len(bio) > BIO_MAX:
        raise ServiceError(f"Keep the bio under {BIO_MAX} characters.", field="bio")
    cleaned = {
        "display_name": _clean_line(display_name, field="display_name", limit=100, label="name"),
        "headline": _clean_line(headline, field="headline", limit=140, label="headline"),
        "location": _clean_line(location, field="location", limit=100, label="location"),
        "website": _clean_website(website),
        "bio": bio,
    }
    processed = photo_process(photo) if photo is not None else None
    before_slug = profile.slug
    if new_slug != profile.slug:
        _slug_take(profile=profile, new_slug=new_slug, now=now)
    for name, value in cleaned.items():
        setattr(profile, name, value)
    if remove_photo and profile.photo:
        profile.photo.delete(save=False)
        profile.photo = ""
    if processed is not None:
        if profile.photo:
            profile.photo.delete(save=False)
        # A random name: the URL of an old photo must not show the new one, nor reveal the user.
        profile.photo.save(
            f"{secrets.token_hex(12)}.{processed.ext}", ContentFile(processed.data), save=False
        )
    profile.save()
    audit_record(
        actor=Actor(user=user),
        verb="earner.profile",
        object_type="user",
        object_id=str(user.pk),
        before={"slug": before_slug},
        after={"slug": profile.slug, "photo": bool(profile.photo)},
    )
    return profile


def _slug_take(*, profile: Profile, new_slug: str, now: dt.datetime) -> None:
    taken = Profile.objects.filter(slug=new_slug).exclude(pk=profile.pk).exists()
    held = (
        SlugRedirect.objects.filter(old_slug=new_slug, expires_at__gt=now)
        .exclude(profile=profile)
        .exists()
    )
    if taken or held:
        raise ServiceError(
            f"The address “{new_slug}” is taken. Choose another.",
            field="slug",
            code="slug_taken",
        )
    # The new slug may be one of this profile's own old ones, or an expired one of anybody's.
    SlugRedirect.objects.filter(old_slug=new_slug).delete()
    SlugRedirect.objects.update_or_create(
        old_slug=profile.slug,
        defaults={"profile": profile, "expires_at": now + _slug_redirect_period()},
    )
    profile.slug = new_slug

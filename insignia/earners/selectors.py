"""Reads about earners: settings, who auto-accepts what, the dashboard and the public profile."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState, Visibility
from insignia.awards.tokens import token_hash
from insignia.earners.models import (
    EarnerSettings,
    IssuerAutoAccept,
    Profile,
    SlugRedirect,
    SpentClaimToken,
)
from insignia.issuers.models import Issuer


def earner_settings_get(*, user: User) -> EarnerSettings:
    """The user's settings, or unsaved defaults when they never changed any."""
    found = EarnerSettings.objects.filter(user=user).first()
    return found if found is not None else EarnerSettings(user=user)


def earner_auto_accepts(*, user: User, issuer_id: int) -> bool:
    if EarnerSettings.objects.filter(user=user, auto_accept_all=True).exists():
        return True
    return IssuerAutoAccept.objects.filter(user=user, issuer_id=issuer_id).exists()


def earner_auto_accept_issuer_ids(*, user: User) -> set[int]:
    return set(IssuerAutoAccept.objects.filter(user=user).values_list("issuer_id", flat=True))


def earner_issuers(*, user: User) -> list[Issuer]:
    """Issuers that sent this earner badges, for the per-issuer auto-accept settings."""
    return list(Issuer.objects.filter(awards__earner=user).distinct().order_by("name"))


def earner_verified_emails(*, user: User) -> list[str]:
    return list(
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "email")
        .values_list("email", flat=True)
    )


def user_has_verified_email(*, user: User, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def email_owner(email: str) -> User | None:
    """The account whose verified addresses include ``email``."""
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None


def claim_token_spent(*, award: Award, raw_token: str) -> bool:
    return SpentClaimToken.objects.filter(award=award, token_hash=token_hash(raw_token)).exists()


# --- dashboard ----------------------------------------------------------------------------------


@dataclass
class Dashboard:
    pending: list[Award] = field(default_factory=list)
    accepted: list[Award] = field(default_factory=list)
    rejected: list[Award] = field(default_factory=list)
    expired: list[Award] = field(default_factory=list)
    revoked: list[Award] = field(default_factory=list)

    def sections(self) -> list[tuple[str, str, list[Award]]]:
        return [
            ("pending", "Waiting for you", self.pending),
            ("accepted", "Accepted", self.accepted),
            ("rejected", "Declined", self.rejected),
            ("expired", "Expired", self.expired),
            ("revoked", "Revoked", self.revoked),
        ]


def earner_awards(*, user: User) -> QuerySet[Award]:
    return (
        Award.objects.filter(earner=user)
        .select_related("template", "issuer")
        .order_by("-issued_on", "-id")
    )


def earner_dashboard(*, user: User, now: dt.datetime) -> Dashboard:
    """Every award of the earner in exactly one section; revoked wins over expired."""
    board = Dashboard()
    for award in earner_awards(user=user):
        if award.is_revoked:
            board.revoked.append(award)
        elif award.is_expired(now):
            board.expired.append(award)
        elif award.state == AwardState.PENDING:
            board.pending.append(award)
        elif award.state == AwardState.ACCEPTED:
            board.accepted.append(award)
        else:
            board.rejected.append(award)
    return board


# --- profiles -----------------------------------------------------------------------------------

Viewer = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class ProfileLookup:
    profile: Profile | None
    redirect_to: str | None = None  # a former slug still within its redirect period


def profile_lookup(slug: str, *, now: dt.datetime) -> ProfileLookup:
    slug = slug.lower()
    profile = Profile.objects.select_related("user").filter(slug=slug).first()
    if profile is not None:
        return ProfileLookup(profile)
    old = (
        SlugRedirect.objects.select_related("profile")
        .filter(old_slug=slug, expires_at__gt=now)
        .first()
    )
    if old is not None:
        return ProfileLookup(None, redirect_to=old.profile.slug)
    return ProfileLookup(None)


def profile_visible_to(*, profile: Profile, user: Viewer) -> bool:
    """A private profile is the owner's alone: 404 for everyone else, issuer staff included."""
    if user.is_authenticated and user.pk == profile.user_id:
        return True
    return earner_settings_get(user=profile.user).profile_public


def profile_for_user(*, user: User) -> Profile | None:
    return Profile.objects.filter(user=user).first()


@dataclass(frozen=True)
class IssuerGroup:
    issuer: Issuer
    awards: list[Award]
    skills: list[str]

    @property
    def count(self) -> int:
        return len(self.awards)


def profile_public_badges(*, profile: Profile) -> list[IssuerGroup]:
    """Accepted, public, unrevoked badges (expired ones too, marked), grouped by issuer."""
    awards = (
        Award.objects.filter(
            earner_id=profile.user_id,
            state=AwardState.ACCEPTED,
            visibility=Visibility.PUBLIC,
            revoked_at__isnull=True,
        )
        .select_related("template", "issuer")
        .prefetch_related("template__skills")
        .order_by("-issued_on", "-id")
    )
    groups: dict[int, list[Award]] = {}
    for award in awards:
        groups.setdefault(award.issuer_id, []).append(award)
    result = []
    for items in groups.values():
        skills = sorted({s.name for a in items for s in a.template.skills.all()})
        result.append(IssuerGroup(issuer=items[0].issuer, awards=items, skills=skills))
    result.sort(key=lambda g: (-g.count, g.issuer.name))
    return result


@dataclass(frozen=True)
class IssueDefaults:
    auto_accept: bool
    visibility: str


def earner_issue_defaults(*, user: User, issuer_id: int) -> IssueDefaults:
    """How a new award from ``issuer_id`` to ``user``'s address starts out (award_issue)."""
    earner_settings = earner_settings_get(user=user)
    auto = earner_settings.auto_accept_all or (
        IssuerAutoAccept.objects.filter(user=user, issuer_id=issuer_id).exists()
    )
    return IssueDefaults(auto_accept=auto, visibility=earner_settings.default_visibility)

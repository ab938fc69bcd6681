"""Reads about issuers and staff."""

from __future__ import annotations

from django.db.models import QuerySet

from insignia.accounts.models import User
from insignia.issuers.models import Issuer, Membership
from insignia.issuers.permissions import Capability, role_allows


def issuer_role_for(*, issuer: Issuer, user: User | None) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(issuer=issuer, user=user).values_list("role", flat=True).first()
    )


def user_can(*, user: User | None, issuer: Issuer, capability: Capability) -> bool:
    return role_allows(issuer_role_for(issuer=issuer, user=user), capability)


def issuers_for_user(*, user: User) -> QuerySet[Issuer]:
    return Issuer.objects.filter(memberships__user=user, is_active=True).order_by("name")


def issuer_get_by_ref(ref: str) -> Issuer | None:
    """An issuer by public id or slug (what the CLI and API accept)."""
    return Issuer.objects.filter(public_id=ref).first() or Issuer.objects.filter(slug=ref).first()

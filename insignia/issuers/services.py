"""Writes about issuers: creating organisations and managing staff."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from insignia.accounts.models import User
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.issuers.models import Issuer, Membership, Role
from insignia.issuers.permissions import Capability
from insignia.issuers.selectors import user_can


def require_capability(*, actor: Actor, issuer: Issuer, capability: Capability) -> None:
    """Raise unless the actor may do this. Non-user actors (CLI, system) are trusted operators."""
    if actor.user is None:
        return
    if actor.user.is_superuser or user_can(user=actor.user, issuer=issuer, capability=capability):
        return
    raise PermissionDenied(
        f"You do not have permission to {capability.value.replace('_', ' ')} for {issuer.name}."
    )


@transaction.atomic
def issuer_create(
    *,
    actor: Actor,
    name: str,
    url: str,
    email: str,
    slug: str = "",
    description: str = "",
    linkedin_organization_id: str = "",
    owner: User | None = None,
) -> Issuer:
    slug = slug or slugify(name)[:80]
    if not slug:
        raise ServiceError("Give the issuer a name with letters or digits.", field="name")
    if Issuer.objects.filter(slug=slug).exists():
        raise ServiceError(f"The slug {slug!r} is taken; choose another.", field="slug")
    if linkedin_organization_id and not linkedin_organization_id.isdigit():
        raise ServiceError(
            "The LinkedIn organisation id is the number in your company page's admin URL.",
            field="linkedin_organization_id",
        )
    issuer = Issuer.objects.create(
        name=name,
        slug=slug,
        url=url,
        email=email,
        description=description,
        linkedin_organization_id=linkedin_organization_id,
    )
    if owner is not None:
        Membership.objects.create(issuer=issuer, user=owner, role=Role.OWNER)
    audit_record(
        actor=actor,
        verb="issuer.created",
        object_type="issuer",
        object_id=issuer.public_id,
        issuer_id=issuer.pk,
        after={"name": name, "slug": slug},
    )
    return issuer


@transaction.atomic
def membership_set(*, actor: Actor, issuer: Issuer, user: User, role: Role) -> Membership:
    require_capability(actor=actor, issuer=issuer, capability=Capability.MANAGE_ISSUER)
    membership, created = Membership.objects.update_or_create(
        issuer=issuer, user=user, defaults={"role": role}
    )
    audit_record(
        actor=actor,
        verb="issuer.staff_set",
        object_type="issuer",
        object_id=issuer.public_id,
        issuer_id=issuer.pk,
        after={"user": user.email, "role": str(role), "created": created},
    )
    return membership

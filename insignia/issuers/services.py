"""Writes about issuers: creating organisations, managing staff, and their signing keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from insignia.accounts.models import User
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.issuers import keys
from insignia.issuers.models import (
    Issuer,
    KeyAlgorithm,
    KeyStatus,
    Membership,
    Role,
    SigningKey,
)
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
    signing_keys_ensure(issuer=issuer)
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


# --- signing keys -----------------------------------------------------------------------------


def signing_keys_ensure(*, issuer: Issuer) -> dict[KeyAlgorithm, SigningKey]:
    """The issuer's active key of each algorithm, creating any that is missing.

    Idempotent and race-safe: two requests creating the same key collide on the partial unique
    index (one active key per algorithm) and the loser reads the winner's key.
    """
    found: dict[KeyAlgorithm, SigningKey] = {}
    for algorithm in KeyAlgorithm:
        key = keys.active_key(issuer, algorithm)
        if key is None:
            try:
                with transaction.atomic():
                    key = _signing_key_create(issuer=issuer, algorithm=algorithm)
            except IntegrityError:
                key = keys.active_key(issuer, algorithm)
                if key is None:
                    raise
        found[algorithm] = key
    return found


def _signing_key_create(*, issuer: Issuer, algorithm: KeyAlgorithm) -> SigningKey:
    new = keys.generate(algorithm)
    key = SigningKey(issuer=issuer, algorithm=algorithm, public_key_pem=new.public_key_pem)
    key.private_key_encrypted = keys.encrypt_private_key(new.private_key, kid=key.public_id)
    key.save()
    return key


@transaction.atomic
def signing_key_rotate(
    *,
    actor: Actor,
    issuer: Issuer,
    algorithms: Sequence[KeyAlgorithm] = tuple(KeyAlgorithm),
    revoke_reason: str = "",
    now: dt.datetime | None = None,
) -> list[SigningKey]:
    """Replace the issuer's active keys: new keys sign from now on.

    The old keys stay published as retired, so credentials they signed still verify; with a
    `revoke_reason` (a compromised key) they are revoked instead, and their signatures fail.
    """
    require_capability(actor=actor, issuer=issuer, capability=Capability.MANAGE_ISSUER)
    now = now or timezone.now()
    Issuer.objects.select_for_update().get(pk=issuer.pk)  # one rotation at a time per issuer
    # Signed documents are cached under the issuer's updated_at: bumping it makes every cached
    # credential and status list be re-signed with the new key.
    _issuer_touch(issuer)
    created = []
    for algorithm in algorithms:
        old = keys.active_key(issuer, algorithm)
        if old is not None:
            if revoke_reason:
                _revoke_key(old, reason=revoke_reason, now=now)
            else:
                old.status = KeyStatus.RETIRED
                old.retired_at = now
                old.save(update_fields=["status", "retired_at", "updated_at"])
        key = _signing_key_create(issuer=issuer, algorithm=algorithm)
        created.append(key)
        audit_record(
            actor=actor,
            verb="issuer.key_rotated",
            object_type="signing_key",
            object_id=key.public_id,
            issuer_id=issuer.pk,
            before={"kid": old.public_id if old else None},
            after={
                "kid": key.public_id,
                "algorithm": str(algorithm),
                "revoked_old": bool(revoke_reason),
            },
        )
    return created


def _issuer_touch(issuer: Issuer) -> None:
    issuer.updated_at = timezone.now()
    Issuer.objects.filter(pk=issuer.pk).update(updated_at=issuer.updated_at)


def _revoke_key(key: SigningKey, *, reason: str, now: dt.datetime) -> None:
    _issuer_touch(key.issuer)
    key.status = KeyStatus.REVOKED
    key.revoked_at = now
    key.retired_at = key.retired_at or now
    key.revocation_reason = reason[:500]
    key.save(
        update_fields=["status", "revoked_at", "retired_at", "revocation_reason", "updated_at"]
    )


@transaction.atomic
def signing_key_revoke(
    *, actor: Actor, key: SigningKey, reason: str, now: dt.datetime | None = None
) -> SigningKey:
    """Revoke a (compromised) key: everything it signed stops verifying. An active key is
    replaced by a fresh one first, so the issuer can keep signing."""
    require_capability(actor=actor, issuer=key.issuer, capability=Capability.MANAGE_ISSUER)
    if not reason.strip():
        raise ServiceError("Say why the key is revoked; verifiers show the reason.", field="reason")
    key = SigningKey.objects.select_for_update().get(pk=key.pk)
    if key.status == KeyStatus.REVOKED:
        raise ServiceError(f"Key {key.public_id} is already revoked.", code="already_revoked")
    now = now or timezone.now()
    if key.status == KeyStatus.ACTIVE:
        signing_key_rotate(
            actor=actor,
            issuer=key.issuer,
            algorithms=[KeyAlgorithm(key.algorithm)],
            revoke_reason=reason,
            now=now,
        )
        key.refresh_from_db()
    else:
        _revoke_key(key, reason=reason, now=now)
    audit_record(
        actor=actor,
        verb="issuer.key_revoked",
        object_type="signing_key",
        object_id=key.public_id,
        issuer_id=key.issuer_id,
        after={"reason": reason},
    )
    return key

"""Writes for the issuer API: clients, tokens, and the one award operation the API adds."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from insignia.api.models import ApiClient, ApiToken, Scope, parse_scopes
from insignia.awards.models import Award, AwardSource
from insignia.awards.services import EvidenceInput, award_issue, award_revoke
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability
from insignia.issuers.services import require_capability

# Raw API tokens start with this, so the authentication class can tell them from OAuth tokens
# and a leaked one is recognisable by secret scanners.
TOKEN_PREFIX = "ins_"  # noqa: S105 - a public marker, not a secret


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_scopes(scopes: str) -> str:
    wanted = scopes.split()
    unknown = [s for s in wanted if s not in Scope.values]
    if unknown or not wanted:
        raise ServiceError(
            f"Scopes are a space-separated subset of {' '.join(Scope.values)!r}.", field="scopes"
        )
    return " ".join(s for s in Scope.values if s in parse_scopes(scopes))


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ServiceError("Give the client a name.", field="name")
    if len(name) > 200:
        raise ServiceError("Keep the name under 200 characters.", field="name")
    return name


@dataclass(frozen=True)
class ClientCredentials:
    client: ApiClient
    client_id: str
    client_secret: str  # shown once; only its hash is stored


@transaction.atomic
def api_client_create(
    *, actor: Actor, issuer: Issuer, name: str, scopes: str = "read write"
) -> ClientCredentials:
    """Create an OAuth 2 client-credentials application acting for ``issuer``."""
    require_capability(actor=actor, issuer=issuer, capability=Capability.MANAGE_API)
    name = _clean_name(name)
    scopes = _clean_scopes(scopes)
    secret = secrets.token_urlsafe(40)
    application = Application(
        name=f"{issuer.slug}: {name}"[:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,  # django-oauth-toolkit hashes it on save
        hash_client_secret=True,
    )
    application.save()
    client = ApiClient.objects.create(
        issuer=issuer, application=application, name=name, scopes=scopes
    )
    audit_record(
        actor=actor,
        verb="api_client.created",
        object_type="api_client",
        object_id=client.public_id,
        issuer_id=issuer.pk,
        after={"name": name, "scopes": scopes, "client_id": application.client_id},
    )
    return ClientCredentials(client=client, client_id=application.client_id, client_secret=secret)


@transaction.atomic
def api_client_revoke(
    *, actor: Actor, client: ApiClient, now: dt.datetime | None = None
) -> ApiClient:
    """Stop an OAuth client: its live access tokens stop working at once (authentication
    refuses a revoked client's tokens) and are deleted."""
    require_capability(actor=actor, issuer=client.issuer, capability=Capability.MANAGE_API)
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = now or timezone.now()
        client.save(update_fields=["revoked_at", "updated_at"])
        AccessToken.objects.filter(application_id=client.application_id).delete()
        audit_record(
            actor=actor,
            verb="api_client.revoked",
            object_type="api_client",
            object_id=client.public_id,
            issuer_id=client.issuer_id,
        )
    return client


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once; only its SHA-256 is stored


@transaction.atomic
def api_token_create(
    *,
    actor: Actor,
    issuer: Issuer,
    name: str,
    scopes: str = "read",
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    require_capability(actor=actor, issuer=issuer, capability=Capability.MANAGE_API)
    now = now or timezone.now()
    name = _clean_name(name)
    scopes = _clean_scopes(scopes)
    if expires_at is not None and expires_at <= now:
        raise ServiceError("The expiry must be in the future.", field="expires_at")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        issuer=issuer,
        name=name,
        token_hash=token_hash(raw),
        prefix=raw[:10],
        scopes=scopes,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        verb="api_token.created",
        object_type="api_token",
        object_id=token.public_id,
        issuer_id=issuer.pk,
        after={
            "name": name,
            "scopes": scopes,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    require_capability(actor=actor, issuer=token.issuer, capability=Capability.MANAGE_API)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            verb="api_token.revoked",
            object_type="api_token",
            object_id=token.public_id,
            issuer_id=token.issuer_id,
        )
    return token


@transaction.atomic
def award_replace(
    *,
    actor: Actor,
    award: Award,
    recipient_email: str,
    recipient_name: str = "",
    reason: str = "",
    suppress_notifications: bool = False,
    now: dt.datetime | None = None,
) -> Award:
    """Re-issue ``award`` to a corrected email address: revoke it and issue a copy.

    Not an in-place edit: the recipient's address is hashed into every signed OB 2.0/3.0
    document already handed out, so the old credential must stop verifying and a new one
    (new id, new claim link) go to the right person. Template, dates, evidence and external id
    carry over; the old award points at the new one (``replaced_by``).
    """
    now = now or timezone.now()
    award = Award.objects.select_related("template", "issuer").get(pk=award.pk)
    old_email = award.recipient_email
    revoked = award_revoke(
        actor=actor,
        award=award,
        reason=reason or "Re-issued to a corrected email address.",
        # The old address was wrong: telling its owner about a badge that was never theirs
        # would leak it; the new address gets the "issued" email instead.
        notify_earner=False,
        now=now,
    )
    result = award_issue(
        actor=actor,
        template=award.template,
        recipient_email=recipient_email,
        recipient_name=recipient_name or award.recipient_name,
        issued_on=award.issued_on,
        expires_at=award.expires_at,
        evidence=[EvidenceInput(**item) for item in award.evidence],
        narrative=award.narrative,
        external_id=award.external_id,
        source=AwardSource.API,
        suppress_notifications=suppress_notifications,
        now=now,
    )
    if result.award.recipient_email == old_email:
        raise ServiceError(
            "The new address is the same as the old one; resend the notification instead.",
            field="recipient_email",
            code="same_email",
        )
    revoked.replaced_by = result.award
    revoked.save(update_fields=["replaced_by", "updated_at"])
    return result.award

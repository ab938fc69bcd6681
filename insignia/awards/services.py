"""Writes about awards: issue, revoke, record expiry, accept and reject.

Each service runs in one transaction and writes its audit row inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from insignia.accounts.models import User, normalize_email_address
from insignia.awards.locks import lock_pairs
from insignia.awards.models import Award, AwardSource, AwardState, Visibility
from insignia.awards.tokens import claim_token_lifetime, new_token
from insignia.badges.models import BadgeTemplate, DuplicatePolicy, ProgrammeStatus, TemplateState
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import ServiceError
from insignia.issuers.permissions import Capability
from insignia.issuers.services import require_capability
from insignia.openbadges.ob2 import new_salt

# Clocks differ between an issuer's exam system and ours; allow this much "future".
CLOCK_SKEW = dt.timedelta(minutes=5)
_USE_TEMPLATE_DEFAULT: Any = object()


@dataclass(frozen=True)
class EvidenceInput:
    url: str = ""
    name: str = ""
    narrative: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (("url", self.url), ("name", self.name), ("narrative", self.narrative))
            if v
        }


@dataclass(frozen=True)
class IssueResult:
    award: Award
    created: bool
    claim_token: str | None  # the raw token for the notification link; None when not created


def _award_snapshot(award: Award) -> dict[str, Any]:
    return {
        "state": award.state,
        "recipient_email": award.recipient_email,
        "template": award.template.public_id,
        "issued_on": award.issued_on.isoformat(),
        "expires_at": award.expires_at.isoformat() if award.expires_at else None,
        "revoked": award.revoked_at is not None,
    }


def _check_issuable(template: BadgeTemplate, today: dt.date) -> None:
    if template.state == TemplateState.ARCHIVED:
        raise ServiceError(
            f"{template.name!r} is archived and cannot be issued. Restore it to issue it again.",
            field="template",
            code="template_archived",
        )
    if template.state != TemplateState.ACTIVE:
        raise ServiceError(
            f"{template.name!r} is a draft. Activate it before issuing.",
            field="template",
            code="template_inactive",
        )
    programme = template.programme
    if programme is None:
        return
    if programme.status == ProgrammeStatus.TERMINATED:
        raise ServiceError(
            f"The programme {programme.name!r} is terminated; it issues no new badges.",
            field="template",
            code="programme_terminated",
        )
    if today < programme.effective_date:
        raise ServiceError(
            f"The programme {programme.name!r} starts on {programme.effective_date:%Y-%m-%d}; "
            "badges can be issued from that date.",
            field="template",
            code="programme_not_started",
        )


def _clean_recipient(email: str, name: str) -> tuple[str, str]:
    email = normalize_email_address(email or "")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ServiceError(
            f"{email or '(empty)'!r} is not a valid email address.",
            field="recipient_email",
            code="invalid_email",
        ) from exc
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(
            "Give the recipient's name as it should appear on the badge.", field="recipient_name"
        )
    if len(name) > 200:
        raise ServiceError(
            "The recipient's name is longer than 200 characters.", field="recipient_name"
        )
    return email, name


def _clean_evidence(evidence: Sequence[EvidenceInput]) -> list[dict[str, str]]:
    url_ok = URLValidator(schemes=["http", "https"])
    cleaned = []
    for item in evidence:
        if item.url:
            try:
                url_ok(item.url)
            except ValidationError as exc:
                raise ServiceError(
                    f"The evidence URL {item.url!r} is not an http(s) URL.", field="evidence"
                ) from exc
        if item.as_json():
            cleaned.append(item.as_json())
    return cleaned


def _award_by_key(issuer_id: int, idempotency_key: str) -> Award | None:
    if not idempotency_key:
        return None
    return Award.objects.filter(issuer_id=issuer_id, idempotency_key=idempotency_key).first()


def _verified_owner(email: str) -> User | None:
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None


@transaction.atomic
def award_issue(
    *,
    actor: Actor,
    template: BadgeTemplate,
    recipient_email: str,
    recipient_name: str,
    issued_on: dt.datetime | None = None,
    expires_at: dt.datetime | None = _USE_TEMPLATE_DEFAULT,
    evidence: Sequence[EvidenceInput] = (),
    narrative: str = "",
    external_id: str = "",
    source: str = AwardSource.UI,
    idempotency_key: str = "",
    accepted: bool = False,
    suppress_notifications: bool = False,
    now: dt.datetime | None = None,
) -> IssueResult:
    """Issue ``template`` to an email address.

    ``expires_at`` left out means the template's default validity; pass None for no expiry.
    The same ``idempotency_key`` for the same issuer returns the first award, not a new one.
    """
    require_capability(actor=actor, issuer=template.issuer, capability=Capability.ISSUE)
    now = now or timezone.now()
    email, name = _clean_recipient(recipient_email, recipient_name)
    idempotency_key = idempotency_key.strip()
    if len(idempotency_key) > 200:
        raise ServiceError(
            "The idempotency key is longer than 200 characters.", field="idempotency_key"
        )
    # Issues of this template to this person run one at a time, so the duplicate check below
    # sees any concurrent twin's award (committed). Other recipients of the template never
    # wait on this lock (see insignia/awards/locks.py).
    lock_pairs([(template.pk, email)])
    # Read the template again, after the lock and without locking its row: the policy read
    # here is then the one every later issuer to this person also sees (a change to "deny"
    # committed before we got the lock is honoured). An archive or programme termination
    # committing while we finish is a benign race: the badge was issued when it was allowed,
    # as if a moment earlier. Not FOR UPDATE/SHARE: that would serialise or contend issuers
    # of one template again.
    template = BadgeTemplate.objects.select_related("programme", "issuer").get(pk=template.pk)
    try:
        _check_issuable(template, now.date())

        issued_on = issued_on or now
        if timezone.is_naive(issued_on):
            raise ServiceError("The issue date needs a time zone.", field="issued_on")
        if issued_on > now + CLOCK_SKEW:
            raise ServiceError(
                "The issue date is in the future; badges are issued for what was earned.",
                field="issued_on",
            )
        if expires_at is _USE_TEMPLATE_DEFAULT:
            expires_at = (
                issued_on + dt.timedelta(days=template.validity_days)
                if template.validity_days
                else None
            )
        if expires_at is not None:
            if timezone.is_naive(expires_at):
                raise ServiceError("The expiry date needs a time zone.", field="expires_at")
            if expires_at <= issued_on:
                raise ServiceError(
                    "The expiry date must be after the issue date.", field="expires_at"
                )

        previous: list[Award] = []
        if template.duplicate_policy != DuplicatePolicy.ALLOW:
            holders = Award.objects.filter(
                template=template, recipient_email=email, revoked_at__isnull=True
            ).exclude(state=AwardState.REJECTED)
            if template.duplicate_policy == DuplicatePolicy.REPLACE:
                holders = holders.select_for_update()  # we revoke them below
            previous = list(holders)
        replay = next(
            (a for a in previous if idempotency_key and a.idempotency_key == idempotency_key),
            None,
        )
        if replay is not None:
            return IssueResult(award=replay, created=False, claim_token=None)
        if previous and template.duplicate_policy == DuplicatePolicy.DENY:
            raise ServiceError(
                f"{email} already holds {template.name!r} (badge {previous[0].public_id}). The "
                "badge's duplicate policy refuses a second one; revoke the first or change the "
                "policy.",
                field="recipient_email",
                code="duplicate",
            )
    except ServiceError:
        # No "does this key exist?" query before the work (one query fewer per create): a
        # replay is found among the holders above, by the unique index on insert, or here when
        # a check refuses what an earlier request with this key was allowed to issue.
        existing = _award_by_key(template.issuer_id, idempotency_key)
        if existing is not None:
            return IssueResult(award=existing, created=False, claim_token=None)
        raise

    owner = _verified_owner(email)
    visibility: str = Visibility.PUBLIC
    if owner is not None:
        # The address is already an earner's: their choices apply (auto-accept, visibility).
        # Imported here: earners builds on awards, so awards must not import it at load time.
        from insignia.earners.selectors import earner_issue_defaults

        defaults = earner_issue_defaults(user=owner, issuer_id=template.issuer_id)
        accepted = accepted or defaults.auto_accept
        visibility = defaults.visibility
    raw_token, token_hash_value = new_token()
    award = Award(
        issuer=template.issuer,  # loaded with the template: the email needs its name
        template=template,
        recipient_email=email,
        recipient_name=name,
        salt=new_salt(),
        external_id=external_id.strip()[:200],
        issued_on=issued_on,
        expires_at=expires_at,
        evidence=_clean_evidence(evidence),
        narrative=narrative.strip(),
        state=AwardState.ACCEPTED if accepted else AwardState.PENDING,
        state_changed_at=now if accepted else None,
        earner=owner,
        visibility=visibility,
        claim_token_hash=token_hash_value,
        claim_token_expires_at=now + claim_token_lifetime(),
        source=source,
        idempotency_key=idempotency_key,
        suppress_notifications=suppress_notifications,
    )
    if not idempotency_key:
        award.save()  # no key, no unique index to collide with: no savepoint needed
    else:
        try:
            with transaction.atomic():
                award.save()
        except IntegrityError:
            # A concurrent request with the same key (for another recipient, or under the
            # "allow" policy) won the race: return its award.
            existing = _award_by_key(template.issuer_id, idempotency_key)
            if existing is not None:
                return IssueResult(award=existing, created=False, claim_token=None)
            raise
    audit_record(
        actor=actor,
        verb="award.issued",
        object_type="award",
        object_id=award.public_id,
        issuer_id=template.issuer_id,
        after=_award_snapshot(award) | {"source": source},
    )
    from insignia.webhooks.kick import webhooks_kick  # webhooks builds on awards

    webhooks_kick(issuer_id=template.issuer_id)
    if template.duplicate_policy == DuplicatePolicy.REPLACE:
        for old in previous:
            _revoke(actor=actor, award=old, reason=f"Replaced by badge {award.public_id}.", now=now)
            old.replaced_by = award
            old.save(update_fields=["replaced_by", "updated_at"])
    # Imported here: notifications builds on awards (it renews claim tokens), not the reverse.
    from insignia.notifications.services import award_email_prepare, outbox_queue_after_commit

    # The outbox row commits with the award; the email goes out after commit. A plain insert
    # (not award_email_enqueue's savepoint and dedupe fallback): this award is new, so no row
    # with its dedupe key can exist.
    message = award_email_prepare(award=award, claim_token=raw_token)
    if message is not None:
        message.save()
        outbox_queue_after_commit([message.pk])
    return IssueResult(award=award, created=True, claim_token=raw_token)


def _revoke(*, actor: Actor, award: Award, reason: str, now: dt.datetime) -> None:
    before = _award_snapshot(award)
    award.revoked_at = now
    award.revocation_reason = reason
    award.save(update_fields=["revoked_at", "revocation_reason", "updated_at"])
    # The OB 3.0 status-list bit flips in this same transaction: a verifier never sees the
    # award revoked here but valid in the signed list. Imported here: verification builds on
    # awards, not the reverse.
    from insignia.verification.statuslists import status_revoke

    status_revoke(award=award)
    audit_record(
        actor=actor,
        verb="award.revoked",
        object_type="award",
        object_id=award.public_id,
        issuer_id=award.issuer_id,
        before=before,
        after=_award_snapshot(award) | {"reason": reason},
    )
    from insignia.webhooks.kick import webhooks_kick  # webhooks builds on awards

    webhooks_kick(issuer_id=award.issuer_id)


@transaction.atomic
def award_revoke(
    *,
    actor: Actor,
    award: Award,
    reason: str,
    notify_earner: bool = True,
    now: dt.datetime | None = None,
) -> Award:
    """Revoke ``award`` and, unless ``notify_earner`` is false, email the earner the reason."""
    require_capability(actor=actor, issuer=award.issuer, capability=Capability.REVOKE)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("Give a reason; verifiers and the earner will see it.", field="reason")
    if len(reason) > 500:
        raise ServiceError("Keep the reason under 500 characters.", field="reason")
    award = (
        Award.objects.select_for_update(of=("self",)).select_related("template").get(pk=award.pk)
    )
    if award.revoked_at is not None:
        raise ServiceError(
            f"Badge {award.public_id} was already revoked on {award.revoked_at:%Y-%m-%d}.",
            code="already_revoked",
        )
    _revoke(actor=actor, award=award, reason=reason, now=now or timezone.now())
    if notify_earner:
        # Imported here: notifications builds on awards, not the reverse.
        from insignia.notifications.services import award_revoked_email_enqueue

        award_revoked_email_enqueue(award=award)
    return award


def awards_record_expired(*, now: dt.datetime | None = None, batch_size: int = 1000) -> int:
    """Write one ``award.expired`` audit row per award whose expiry has passed; idempotent.

    Expiry itself needs no write (status is derived from ``expires_at``); this records the
    moment for the audit trail and, later, for webhooks. Returns how many were recorded.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                Award.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    expires_at__lte=now, expiry_recorded_at__isnull=True, revoked_at__isnull=True
                )
                .select_related("template")
                .order_by("expires_at")[:batch_size]
            )
            if not due:
                return total
            for award in due:
                award.expiry_recorded_at = now
                audit_record(
                    actor=Actor.system(),
                    verb="award.expired",
                    object_type="award",
                    object_id=award.public_id,
                    issuer_id=award.issuer_id,
                    after={
                        "expires_at": award.expires_at.isoformat() if award.expires_at else None
                    },
                )
            Award.objects.bulk_update(due, ["expiry_recorded_at"])
            from insignia.webhooks.kick import webhooks_kick  # webhooks builds on awards

            for issuer_id in {award.issuer_id for award in due}:
                webhooks_kick(issuer_id=issuer_id)
            total += len(due)


@transaction.atomic
def award_set_state(
    *, actor: Actor, award: Award, state: str, now: dt.datetime | None = None
) -> Award:
    """Accept or reject (or undo a rejection). Only the earner who owns the badge may do this."""
    if actor.user is not None and award.earner_id != actor.user.pk:
        raise ServiceError(
            "Only the badge's earner can accept or reject it.", code="permission_denied"
        )
    if state not in (AwardState.ACCEPTED, AwardState.REJECTED, AwardState.PENDING):
        raise ServiceError(f"Unknown state {state!r}.", field="state")
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.revoked_at is not None:
        raise ServiceError("This badge was revoked and can no longer be accepted.", code="revoked")
    if award.state == state:
        return award
    before = award.state
    award.state = state
    award.state_changed_at = now or timezone.now()
    award.save(update_fields=["state", "state_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        verb=f"award.{state}",
        object_type="award",
        object_id=award.public_id,
        issuer_id=award.issuer_id,
        before={"state": before},
        after={"state": state},
    )
    from insignia.webhooks.kick import webhooks_kick  # webhooks builds on awards

    webhooks_kick(issuer_id=award.issuer_id)
    return award


def award_claim_token_renew(*, award: Award, now: dt.datetime | None = None) -> str:
    """Give ``award`` a fresh claim token and return it raw (for the email); the previous link
    stops working. Call inside the transaction that queues the email carrying it."""
    raw, hashed = new_token()
    award.claim_token_hash = hashed
    award.claim_token_expires_at = (now or timezone.now()) + claim_token_lifetime()
    Award.objects.filter(pk=award.pk).update(
        claim_token_hash=hashed,
        claim_token_expires_at=award.claim_token_expires_at,
        updated_at=timezone.now(),
    )
    return raw

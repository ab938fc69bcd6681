"""The fast path for many awards at once (bulk upload, backfill): the rules of ``award_issue``
applied to a chunk of rows with a handful of queries instead of a dozen per award.

Call it inside the caller's transaction (one chunk = one transaction): awards, their audit rows
and their outbox rows commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from insignia.accounts.models import User
from insignia.awards.locks import lock_pairs
from insignia.awards.models import Award, AwardState, Visibility
from insignia.awards.pgcopy import copy_insert, copy_values
from insignia.awards.services import CLOCK_SKEW, _award_snapshot, _check_issuable, _revoke
from insignia.awards.tokens import claim_token_lifetime, new_token
from insignia.badges.models import BadgeTemplate, DuplicatePolicy
from insignia.core.audit import Actor
from insignia.core.errors import ServiceError
from insignia.core.models import AuditEvent
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability
from insignia.issuers.services import require_capability
from insignia.openbadges.ob2 import new_salt

_AUDIT_COLUMNS = (
    "actor_id",
    "actor_label",
    "verb",
    "object_type",
    "object_id",
    "issuer_id",
    "before",
    "after",
    "created_at",
)


@dataclass(frozen=True)
class BulkAwardInput:
    """One award to issue; values already cleaned (lower-case email, aware datetimes)."""

    template_id: int
    recipient_email: str
    recipient_name: str
    issued_on: dt.datetime
    expires_at: dt.datetime | None
    idempotency_key: str
    external_id: str = ""
    evidence: tuple[dict[str, str], ...] = ()
    # When the notification may go out (throttled backfill); None: right after commit.
    notify_at: dt.datetime | None = None


@dataclass
class BulkIssueOutcome:
    created: list[Award] = field(default_factory=list)
    existing: int = 0
    # (index into the input, field, message) for rows refused now (template archived since
    # the upload, duplicate policy, …).
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _insert_new(
    issuer: Issuer, new: list[tuple[Award, str, BulkAwardInput]]
) -> list[tuple[Award, str, BulkAwardInput]]:
    """Insert the chunk's new awards; returns those really inserted (with their ids).

    A row whose idempotency key exists already (a re-upload, an API create with the same key)
    is left out. Keys are looked up first (the partial unique index answers; the ``<> ''``
    lets the planner use it), then the rest is COPY'd: a concurrent insert of one of these
    keys would need this (template, recipient) pair's lock, which we hold, so only a client
    choosing another pair's "bulk:" key by hand can still collide; then the savepoint falls
    back to the slow path, where the unique index decides row by row.
    """
    if not new:
        return []
    keys = [award.idempotency_key for award, _, _ in new]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT idempotency_key FROM awards_award WHERE issuer_id = %s "
                "AND idempotency_key = ANY(%s) AND idempotency_key <> ''",
                [issuer.pk, keys],
            )
            taken = {key for (key,) in cursor.fetchall()}
    else:
        taken = set(
            Award.objects.filter(issuer=issuer, idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
    fresh = [entry for entry in new if entry[0].idempotency_key not in taken]
    try:
        with transaction.atomic():
            copy_insert([award for award, _, _ in fresh], set_pks=True)
        return fresh
    except IntegrityError:
        pass
    for award, _, _ in fresh:
        award.pk = None
        award._state.adding = True
    Award.objects.bulk_create([a for a, _, _ in fresh], ignore_conflicts=True, batch_size=1000)
    ours = dict(
        Award.objects.filter(public_id__in=[a.public_id for a, _, _ in fresh]).values_list(
            "public_id", "pk"
        )
    )
    inserted = []
    for entry in fresh:
        entry[0].pk = ours.get(entry[0].public_id)
        if entry[0].pk is not None:
            inserted.append(entry)
    return inserted


def _owners(emails: set[str]) -> dict[str, User]:
    rows = (
        EmailAddress.objects.annotate(lower=Lower("email"))
        .filter(lower__in=emails, verified=True)
        .select_related("user")
    )
    return {row.email.lower(): row.user for row in rows}


@transaction.atomic
def awards_issue_bulk(
    *,
    actor: Actor,
    issuer: Issuer,
    items: Sequence[BulkAwardInput],
    source: str,
    now: dt.datetime | None = None,
) -> BulkIssueOutcome:
    """Issue ``items`` for ``issuer``; rows whose idempotency key exists already are skipped.

    Same rules as ``award_issue``: issuable template, no future issue date, expiry after issue,
    the template's duplicate policy, verified-owner attach with the earner's auto-accept and
    visibility defaults, hashed claim tokens, one audit row and one outbox row per award.
    Every (template, recipient) pair of the chunk is locked for the transaction, as
    ``award_issue`` locks its one pair (``insignia.awards.locks``): a concurrent chunk or single
    issue to the same person waits, so neither can slip a duplicate past the other's check,
    while chunks for other recipients of the same template run in parallel.
    """
    import time

    require_capability(actor=actor, issuer=issuer, capability=Capability.ISSUE)
    now = now or timezone.now()
    outcome = BulkIssueOutcome()
    clock = time.perf_counter()
    template_ids = sorted({item.template_id for item in items})
    # Locks first, reads after: the templates (their policy) and the holders below are then
    # read after any concurrent issuer to one of these people committed. Templates are read
    # without a row lock, as in award_issue: an archive committing while this chunk runs is a
    # benign race (these badges were issued while it was allowed).
    lock_pairs((item.template_id, item.recipient_email) for item in items)
    templates = {
        t.pk: t
        for t in BadgeTemplate.objects.filter(pk__in=template_ids, issuer=issuer).select_related(
            "programme", "issuer"
        )
    }
    locked = [pk for pk, t in templates.items() if t.duplicate_policy != DuplicatePolicy.ALLOW]
    replacing = any(templates[pk].duplicate_policy == DuplicatePolicy.REPLACE for pk in locked)
    unusable: dict[int, str] = {}
    for pk in template_ids:
        if pk not in templates:
            unusable[pk] = "Unknown badge template for this issuer."
            continue
        try:
            _check_issuable(templates[pk], now.date())
        except ServiceError as exc:
            unusable[pk] = exc.message

    # Holders of a DENY/REPLACE template among this chunk's recipients.
    previous: dict[tuple[int, str], list[Award]] = defaultdict(list)
    # Keys among those holders' awards: a re-upload is "existing", not a duplicate refusal.
    existing_keys: set[str] = set()
    if locked:
        emails = {i.recipient_email for i in items if i.template_id in locked}
        holders = Award.objects.filter(
            template_id__in=locked, recipient_email__in=emails, revoked_at__isnull=True
        ).exclude(state=AwardState.REJECTED)
        if replacing:
            holders = holders.select_for_update()  # revoked below
        for award in holders:
            previous[(award.template_id, award.recipient_email)].append(award)
            if award.idempotency_key:
                existing_keys.add(award.idempotency_key)
    owners = _owners({i.recipient_email for i in items})
    # Imported here: earners builds on awards (see award_issue).
    from insignia.earners.selectors import earner_issue_defaults

    defaults = {
        email: earner_issue_defaults(user=user, issuer_id=issuer.pk)
        for email, user in owners.items()
    }
    outcome.timings["validate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    new: list[tuple[Award, str, BulkAwardInput]] = []
    seen_keys: set[str] = set()
    token_expiry = now + claim_token_lifetime()
    for index, item in enumerate(items):
        if item.idempotency_key in existing_keys or item.idempotency_key in seen_keys:
            outcome.existing += 1
            continue
        seen_keys.add(item.idempotency_key)
        if item.template_id in unusable:
            outcome.refused.append((index, "template", unusable[item.template_id]))
            continue
        template = templates[item.template_id]
        if item.issued_on > now + CLOCK_SKEW:
            outcome.refused.append((index, "issued_on", "The issue date is in the future."))
            continue
        if item.expires_at is not None and item.expires_at <= item.issued_on:
            outcome.refused.append(
                (index, "expires_at", "The expiry date must be after the issue date.")
            )
            continue
        pair = (template.pk, item.recipient_email)
        if previous.get(pair) and template.duplicate_policy == DuplicatePolicy.DENY:
            outcome.refused.append(
                (
                    index,
                    "recipient_email",
                    f"{item.recipient_email} already holds {template.name!r} (badge "
                    f"{previous[pair][0].public_id}); the duplicate policy refuses a second one.",
                )
            )
            continue
        owner = owners.get(item.recipient_email)
        accepted, visibility = False, str(Visibility.PUBLIC)
        if owner is not None:
            accepted = defaults[item.recipient_email].auto_accept
            visibility = defaults[item.recipient_email].visibility
        raw_token, token_hash_value = new_token()
        award = Award(
            issuer=issuer,
            template=template,
            recipient_email=item.recipient_email,
            recipient_name=item.recipient_name,
            salt=new_salt(),
            external_id=item.external_id.strip()[:200],
            issued_on=item.issued_on,
            expires_at=item.expires_at,
            evidence=list(item.evidence),
            state=AwardState.ACCEPTED if accepted else AwardState.PENDING,
            state_changed_at=now if accepted else None,
            earner=owner,
            visibility=visibility,
            claim_token_hash=token_hash_value,
            claim_token_expires_at=token_expiry,
            source=source,
            idempotency_key=item.idempotency_key,
        )
        new.append((award, raw_token, item))
        if template.duplicate_policy == DuplicatePolicy.DENY:
            # A second row for the same person in this chunk is a duplicate too.
            previous[pair].append(award)
    outcome.timings["build"] = time.perf_counter() - clock

    clock = time.perf_counter()
    created = _insert_new(issuer, new)
    outcome.existing += len(new) - len(created)
    outcome.created = [a for a, _, _ in created]
    outcome.timings["insert_awards"] = time.perf_counter() - clock

    clock = time.perf_counter()
    # The rows audit_record would write, as plain values (no model instance per row).
    actor_id, written_at = (actor.user.pk if actor.user else None), timezone.now()
    copy_values(
        AuditEvent,
        _AUDIT_COLUMNS,
        [
            (
                actor_id,
                actor.label,
                "award.issued",
                "award",
                award.public_id,
                issuer.pk,
                {},
                _award_snapshot(award) | {"source": source},
                written_at,
            )
            for award, _, _ in created
        ],
    )
    from insignia.webhooks.kick import webhooks_kick  # webhooks builds on awards

    webhooks_kick(issuer_id=issuer.pk)
    for award, _, _ in created:
        olds = [
            old
            for old in previous.get((award.template_id, award.recipient_email), [])
            if old.pk != award.pk and old.pk is not None
        ]
        if olds and award.template.duplicate_policy == DuplicatePolicy.REPLACE:
            for old in olds:
                _revoke(
                    actor=actor, award=old, reason=f"Replaced by badge {award.public_id}.", now=now
                )
                old.replaced_by = award
                old.save(update_fields=["replaced_by", "updated_at"])
            previous[(award.template_id, award.recipient_email)] = [award]
    outcome.timings["audit"] = time.perf_counter() - clock

    clock = time.perf_counter()
    from insignia.notifications.models import OutboxMessage
    from insignia.notifications.services import award_email_prepare, outbox_queue_after_commit

    messages: list[Any] = []
    cache: dict[Any, Any] = {}
    for award, token, item in created:
        message = award_email_prepare(
            award=award, claim_token=token, not_before=item.notify_at, cache=cache
        )
        if message is not None:
            messages.append((message, item.notify_at is None))
    # New awards, so their dedupe keys are new: a plain insert. Ids only when the rows are
    # queued after commit (a throttled backfill leaves its rows to the sweep).
    wanted = any(now_please for _, now_please in messages)
    copy_insert([m for m, _ in messages], set_pks=wanted)
    if wanted and any(m.pk is None for m, _ in messages):
        # A backend that returns no ids from bulk_create: look them up.
        ids = dict(
            OutboxMessage.objects.filter(
                dedupe_key__in=[m.dedupe_key for m, _ in messages]
            ).values_list("dedupe_key", "pk")
        )
        for message, _ in messages:
            message.pk = ids.get(message.dedupe_key)
    outbox_queue_after_commit([m.pk for m, now_please in messages if now_please and m.pk])
    outcome.timings["outbox"] = time.perf_counter() - clock
    return outcome

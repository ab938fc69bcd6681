"""Writes for notifications: enqueue (the outbox), deliver, sweep, award emails and reminders.

Delivery guarantees. A message is an ``OutboxMessage`` row written in the caller's transaction,
so it exists exactly when the change it announces committed. After commit a Celery task
delivers it: it *claims* the row in a short transaction (row lock, state ``sending``, attempt
counted), sends with no transaction open (a DB transaction held across an SMTP conversation
would block every writer on SQLite and hold a connection on PostgreSQL), then records the
outcome. A failed send is retried with exponential backoff and jitter; after
``max_attempts()`` the row is ``failed`` and staff can resend. The sweep re-queues rows whose
retry is due, and rows left ``sending`` past the lease by a worker that died.

The one window left: if a worker dies after the SMTP server accepted the message but before
our "sent" commit, the sweep sends it again after the lease, so that message arrives twice.
Both copies carry the same Message-ID (the row's public id), so mail systems that
deduplicate by it drop the second; we choose at-least-once over at-most-once because a lost
claim link is worse than a duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import smtplib
import threading
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from insignia.awards.models import Award, AwardState
from insignia.awards.services import award_claim_token_renew
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import ServiceError
from insignia.core.ids import new_public_id
from insignia.issuers.permissions import Capability
from insignia.issuers.services import require_capability
from insignia.notifications import app_settings
from insignia.notifications.models import (
    OutboxMessage,
    OutboxState,
    ReminderKind,
    ReminderLog,
    ReminderOptOut,
)

logger = logging.getLogger(__name__)

AwardEmailKind = Literal["issued", "auto_accepted", "reminder", "renewal"]
# Context keys that hold a secret (a live claim link); removed from the row once sent.
SECRET_CONTEXT_KEYS = ("claim_url",)


# --- Enqueue ----------------------------------------------------------------------------------


def email_enqueue(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    award: Award | None = None,
    kind: str,
) -> OutboxMessage:
    """Store one email in the outbox, in the caller's transaction; deliver it after commit.

    Nothing is rendered here (``template`` names ``notifications/<template>.{txt,html}``,
    rendered at send time from the JSON ``context``). The same ``dedupe_key`` twice returns
    the first row and queues nothing.
    """
    if len(dedupe_key) > 200 or not dedupe_key:
        raise ValueError("dedupe_key must be 1–200 characters.")
    now = timezone.now()
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        to=to,
        subject=subject[:300],
        template=template,
        context=context,
        award=award,
        next_attempt_at=now + app_settings.enqueue_grace(),
    )
    try:
        # The unique index decides (no check-then-insert race); the savepoint keeps the
        # caller's transaction usable after a duplicate, so we can return the first row.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    _queue_after_commit(message.pk)
    return message


def _queue_after_commit(message_id: int) -> None:
    from insignia.notifications.tasks import outbox_deliver_task

    # robust: a broker hiccup must not turn a committed award into an error page; the sweep
    # queues the row later.
    transaction.on_commit(lambda: outbox_deliver_task.delay(message_id), robust=True)


# --- Delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    state: str  # the row's state afterwards, or "skipped" when another worker had it
    message_id: int
    retry_at: dt.datetime | None = None


def _claim(message_id: int, now: dt.datetime) -> OutboxMessage | None:
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(pk=message_id)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        # SQLite has no row locks: our settings open every transaction with BEGIN IMMEDIATE,
        # which takes the database's write lock, so two claims still run one after the other
        # and the second sees the first one's "sending".
        message = rows.first()
        if message is None:
            return None  # gone, or another worker holds the lock right now
        if message.state in (OutboxState.SENT, OutboxState.FAILED):
            return None
        if (
            message.state == OutboxState.SENDING
            and message.locked_at is not None
            and message.locked_at > now - app_settings.sending_lease()
        ):
            return None  # a live worker is sending it
        # A pending row is taken whatever its next_attempt_at: backoff is enforced by when
        # tasks are queued (the retry's ETA, the sweep's "due" filter), and the sweep moves
        # next_attempt_at forward for the rows it queues.
        message.attempts += 1
        if message.attempts > app_settings.max_attempts():
            # Only reachable by workers dying mid-send again and again.
            message.state = OutboxState.FAILED
            message.last_error = message.last_error or "Worker lost during send."
            message.save(update_fields=["state", "last_error", "attempts", "updated_at"])
            return None
        message.state = OutboxState.SENDING
        message.locked_at = now
        message.save(update_fields=["state", "locked_at", "attempts", "updated_at"])
        return message


def _backoff(attempts: int) -> dt.timedelta:
    delay = min(
        app_settings.retry_cap().total_seconds(),
        app_settings.retry_base().total_seconds() * 2 ** max(attempts - 1, 0),
    )
    # Jitter spreads a burst of failures (SMTP down for everyone) so they do not all come
    # back in the same second.
    return dt.timedelta(seconds=delay * random.uniform(0.8, 1.2))  # noqa: S311


_local = threading.local()


def _mail_connection() -> BaseEmailBackend:
    """One open SMTP connection per worker thread, reused across messages (no handshake each)."""
    conn: BaseEmailBackend | None = getattr(_local, "connection", None)
    if conn is None or getattr(_local, "backend", None) != settings.EMAIL_BACKEND:
        conn = get_connection(fail_silently=False)
        # Opened here, so send_messages() leaves it open for the next message (it closes
        # only connections it opened itself).
        conn.open()
        _local.connection, _local.backend = conn, settings.EMAIL_BACKEND
    return conn


def _drop_mail_connection() -> None:
    conn: BaseEmailBackend | None = getattr(_local, "connection", None)
    _local.connection = None
    if conn is not None:
        try:
            conn.close()
        except Exception:  # closing a broken connection may fail too
            logger.debug("closing a broken mail connection failed", exc_info=True)


def render_email(message: OutboxMessage) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, "subject": message.subject, **message.context}
    text = render_to_string(f"notifications/{message.template}.txt", context)
    html = render_to_string(f"notifications/{message.template}.html", context)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={
            "X-Insignia-Message": message.public_id,
            # Stable across retries: a resend in the window below carries the same Message-ID,
            # which lets mail systems that deduplicate by it drop the copy.
            "Message-ID": f"<{message.public_id}@{urlsplit(settings.SITE_URL).hostname}>",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def outbox_message_deliver(*, message_id: int, now: dt.datetime | None = None) -> DeliveryResult:
    """Send one outbox row if it is due and nobody else is sending it; record the outcome."""
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return DeliveryResult(state="skipped", message_id=message_id)
    try:
        email = render_email(message)
        try:
            sent = _mail_connection().send_messages([email])
        except (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError):
            # A kept-open connection the server closed while idle: one more try on a fresh
            # connection before counting a failure. Only for these errors, which happen
            # before the server accepted anything, so the retry cannot duplicate.
            _drop_mail_connection()
            sent = _mail_connection().send_messages([email])
        if sent != 1:
            raise RuntimeError("The mail backend accepted no message.")
    except Exception as exc:  # any failure to send is recorded and retried
        _drop_mail_connection()
        return _record_failure(message, exc, timezone.now())
    context = {k: v for k, v in message.context.items() if k not in SECRET_CONTEXT_KEYS}
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.SENT,
        sent_at=timezone.now(),
        locked_at=None,
        last_error="",
        context=context,
        updated_at=timezone.now(),
    )
    return DeliveryResult(state=OutboxState.SENT, message_id=message.pk)


def _record_failure(message: OutboxMessage, exc: Exception, now: dt.datetime) -> DeliveryResult:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    logger.warning("Email %s to %s failed: %s", message.public_id, message.to, error)
    if message.attempts >= app_settings.max_attempts():
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxState.FAILED, locked_at=None, last_error=error, updated_at=now
        )
        return DeliveryResult(state=OutboxState.FAILED, message_id=message.pk)
    retry_at = now + _backoff(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.PENDING,
        locked_at=None,
        last_error=error,
        next_attempt_at=retry_at,
        updated_at=now,
    )
    return DeliveryResult(state=OutboxState.PENDING, message_id=message.pk, retry_at=retry_at)


def outbox_due_ids(*, now: dt.datetime, limit: int) -> list[int]:
    stuck_before = now - app_settings.sending_lease()
    return list(
        OutboxMessage.objects.filter(
            Q(state=OutboxState.PENDING, next_attempt_at__lte=now)
            | Q(state=OutboxState.SENDING, locked_at__lt=stuck_before)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_sweep(*, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Queue every row whose retry is due or whose sender vanished; returns how many.

    Pushing ``next_attempt_at`` forward for the rows it queues keeps a backlog from being
    queued again every minute while the first tasks still wait in the broker.
    """
    from insignia.notifications.tasks import outbox_deliver_task

    now = now or timezone.now()
    ids = outbox_due_ids(now=now, limit=limit)
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids, state=OutboxState.PENDING).update(
        next_attempt_at=now + app_settings.enqueue_grace()
    )
    for message_id in ids:
        outbox_deliver_task.delay(message_id)
    return len(ids)


# --- Award emails -----------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _award_context(award: Award, claim_token: str | None) -> dict[str, Any]:
    template = award.template
    issuer = award.issuer
    logo_url = ""
    if issuer.logo:
        logo_url = issuer.logo.url
        logo_url = logo_url if logo_url.startswith(("http://", "https://")) else _absolute(logo_url)
    context: dict[str, Any] = {
        "recipient_name": award.recipient_name,
        "recipient_email": award.recipient_email,
        "issuer_name": issuer.name,
        "issuer_url": _absolute(issuer.get_absolute_url()),
        "issuer_logo_url": logo_url,
        "badge_name": template.name,
        "badge_description": template.description,
        "badge_image_url": _absolute(
            reverse("verification:template_image", args=[template.public_id, template.image_kind])
        ),
        "badge_url": _absolute(award.get_absolute_url()),
        "issued_on": award.issued_on.date().isoformat(),
        "expires_on": award.expires_at.date().isoformat() if award.expires_at else "",
        "earn_again_url": template.earn_again_url,
    }
    if claim_token:
        context["claim_url"] = _absolute(
            reverse("verification:claim", args=[award.public_id, claim_token])
        )
    return context


def reminders_opted_out(award: Award) -> bool:
    addresses = {award.recipient_email}
    if award.earner_id is not None and award.earner is not None:
        addresses.add(award.earner.email)
    return ReminderOptOut.objects.filter(email__in=addresses).exists()


def award_email_enqueue(
    *,
    award: Award,
    claim_token: str | None,
    kind: AwardEmailKind,
    sequence: int | None = None,
) -> OutboxMessage | None:
    """Queue the email for one award event; None when the award or its recipient wants none.

    ``issued``: "You've earned …" with the claim link. ``auto_accepted``: "… was added to your
    profile". ``reminder``: the ``sequence``-th reminder (next one if omitted), always with a
    FRESH claim token (the previous link stops working). ``renewal``: "expires on …" with the
    template's earn-again link. Call inside the transaction that made the change.
    """
    if award.suppress_notifications:
        return None
    if kind in ("reminder", "renewal") and reminders_opted_out(award):
        return None
    badge, issuer = award.template.name, award.issuer.name
    if kind == "issued":
        subject = _("You've earned {badge} from {issuer}").format(badge=badge, issuer=issuer)
        key = f"award:{award.public_id}:issued"
    elif kind == "auto_accepted":
        subject = _("{badge} from {issuer} was added to your profile").format(
            badge=badge, issuer=issuer
        )
        key = f"award:{award.public_id}:auto_accepted"
    elif kind == "reminder":
        return _reminder_enqueue(award=award, sequence=sequence)
    elif kind == "renewal":
        return _renewal_enqueue(award=award)
    else:
        raise ValueError(f"Unknown award email kind {kind!r}.")
    return email_enqueue(
        to=award.recipient_email,
        subject=subject,
        template=f"award_{kind}",
        context=_award_context(award, claim_token),
        dedupe_key=key,
        award=award,
        kind=f"award.{kind}",
    )


def award_revoked_email_enqueue(*, award: Award) -> OutboxMessage | None:
    """Queue "your badge was revoked" with the reason; None when the earner gets no email.

    Call inside the revoking transaction. Skipped when the award's automatic emails are
    suppressed (the earner may never have been told of it) and when the earner rejected the
    badge (they said they want nothing more about it).
    """
    if award.suppress_notifications or award.state == AwardState.REJECTED:
        return None
    context = _award_context(award, None) | {"revocation_reason": award.revocation_reason}
    return email_enqueue(
        to=award.recipient_email,
        subject=_("Your {badge} badge from {issuer} was revoked").format(
            badge=award.template.name, issuer=award.issuer.name
        )[:300],
        template="award_revoked",
        context=context,
        dedupe_key=f"award:{award.public_id}:revoked",
        award=award,
        kind="award.revoked",
    )


_PID, _TOKEN = "PUBLICIDPLACEHOLDER", "TOKENPLACEHOLDER"


def _award_context_cached(
    award: Award, claim_token: str | None, cache: dict[Any, Any]
) -> dict[str, Any]:
    """``_award_context`` for many awards of few templates: the template's and issuer's part and
    the URL shapes are computed once per template (reverse() per award was most of the cost)."""
    shared = cache.get(award.template_id)
    if shared is None:
        base = _award_context(award, None)
        badge = _absolute(reverse("verification:badge", args=[_PID]))
        claim = _absolute(reverse("verification:claim", args=[_PID, _TOKEN]))
        shared = cache[award.template_id] = (base, badge, claim)
    base, badge, claim = shared
    context = dict(base)
    context.update(
        recipient_name=award.recipient_name,
        recipient_email=award.recipient_email,
        badge_url=badge.replace(_PID, award.public_id),
        issued_on=award.issued_on.date().isoformat(),
        expires_on=award.expires_at.date().isoformat() if award.expires_at else "",
    )
    if claim_token:
        context["claim_url"] = claim.replace(_PID, award.public_id).replace(_TOKEN, claim_token)
    return context


def award_email_prepare(
    *,
    award: Award,
    claim_token: str | None,
    not_before: dt.datetime | None = None,
    cache: dict[Any, Any] | None = None,
) -> OutboxMessage | None:
    """The issued (or auto-accepted) email for a new ``award`` as an UNSAVED outbox row, for
    bulk writers that insert many rows with ``bulk_create`` in their own transaction.

    ``not_before`` throttles: the row waits, unqueued, until the sweep finds it due (the sweep
    queues rows by ``next_attempt_at``). Without it, the caller queues delivery after commit
    (``outbox_queue_after_commit``).
    """
    if award.suppress_notifications:
        return None
    kind = "auto_accepted" if award.state == AwardState.ACCEPTED else "issued"
    badge, issuer = award.template.name, award.issuer.name
    if kind == "issued":
        subject = _("You've earned {badge} from {issuer}").format(badge=badge, issuer=issuer)
    else:
        subject = _("{badge} from {issuer} was added to your profile").format(
            badge=badge, issuer=issuer
        )
    return OutboxMessage(
        kind=f"award.{kind}",
        dedupe_key=f"award:{award.public_id}:{kind}",
        to=award.recipient_email,
        subject=subject[:300],
        template=f"award_{kind}",
        context=(
            _award_context(award, claim_token)
            if cache is None
            else _award_context_cached(award, claim_token, cache)
        ),
        award=award,
        next_attempt_at=not_before or timezone.now() + app_settings.enqueue_grace(),
    )


def outbox_queue_after_commit(message_ids: list[int]) -> None:
    """Queue delivery of rows written with ``bulk_create`` once the transaction commits."""
    for message_id in message_ids:
        _queue_after_commit(message_id)


def _log_reminder(award: Award, kind: str, sequence: int) -> ReminderLog | None:
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(award=award, kind=kind, sequence=sequence)
    except IntegrityError:
        return None  # already sent by an earlier (or a concurrent) run


def _reminder_enqueue(*, award: Award, sequence: int | None) -> OutboxMessage | None:
    if sequence is None:
        last = (
            ReminderLog.objects.filter(award=award, kind=ReminderKind.REMINDER)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
        sequence = (last or 0) + 1
    log = _log_reminder(award, ReminderKind.REMINDER, sequence)
    if log is None:
        return None
    token = award_claim_token_renew(award=award)
    message = email_enqueue(
        to=award.recipient_email,
        subject=_("Reminder: accept your {badge} badge from {issuer}").format(
            badge=award.template.name, issuer=award.issuer.name
        ),
        template="award_reminder",
        context=_award_context(award, token) | {"sequence": sequence},
        dedupe_key=f"award:{award.public_id}:reminder:{sequence}",
        award=award,
        kind="award.reminder",
    )
    log.message = message
    log.save(update_fields=["message"])
    return message


def _renewal_sequence(expires_at: dt.datetime) -> int:
    # One renewal reminder per expiry date (a moved expiry gets its own): the date's ordinal
    # fits the integer column, unlike a Unix timestamp after 2038.
    return expires_at.date().toordinal()


def _renewal_enqueue(*, award: Award) -> OutboxMessage | None:
    if award.expires_at is None:
        return None
    sequence = _renewal_sequence(award.expires_at)
    log = _log_reminder(award, ReminderKind.RENEWAL, sequence)
    if log is None:
        return None
    message = email_enqueue(
        to=award.recipient_email,
        subject=_("Your {badge} badge expires on {date}").format(
            badge=award.template.name, date=award.expires_at.date().isoformat()
        ),
        template="award_renewal",
        context=_award_context(award, None),
        dedupe_key=f"award:{award.public_id}:renewal:{sequence}",
        award=award,
        kind="award.renewal",
    )
    log.message = message
    log.save(update_fields=["message"])
    return message


@transaction.atomic
def award_resend_notification(*, actor: Actor, award: Award) -> OutboxMessage:
    """Staff resend: a pending badge gets a new claim link (the old one stops working); an
    accepted one gets the "added to your profile" email again.

    An explicit resend is sent even when the award's automatic emails are suppressed: the
    issuer is asking for this one message.
    """
    require_capability(actor=actor, issuer=award.issuer, capability=Capability.ISSUE)
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("template", "issuer", "earner")
        .get(pk=award.pk)
    )
    if award.revoked_at is not None:
        raise ServiceError("This badge was revoked; there is nothing to notify.", code="revoked")
    if award.state == AwardState.REJECTED:
        raise ServiceError(
            "The earner rejected this badge; we do not email them about it again.",
            code="rejected",
        )
    if award.state == AwardState.PENDING:
        token: str | None = award_claim_token_renew(award=award)
        kind, subject = "issued", _("You've earned {badge} from {issuer}")
    else:
        token, kind = None, "auto_accepted"
        subject = _("{badge} from {issuer} was added to your profile")
    message = email_enqueue(
        to=award.recipient_email,
        subject=subject.format(badge=award.template.name, issuer=award.issuer.name),
        template=f"award_{kind}",
        context=_award_context(award, token),
        dedupe_key=f"award:{award.public_id}:resend:{new_public_id()}",
        award=award,
        kind=f"award.{kind}.resend",
    )
    audit_record(
        actor=actor,
        verb="award.notification_resent",
        object_type="award",
        object_id=award.public_id,
        issuer_id=award.issuer_id,
        after={"message": message.public_id, "to": award.recipient_email},
    )
    return message


# --- Reminders --------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    reminders: int = 0
    renewals: int = 0
    message_ids: list[int] = field(default_factory=list)


def reminders_send_due(*, now: dt.datetime | None = None, batch_size: int = 500) -> ReminderRun:
    """Send every reminder and renewal reminder that is due; running it again sends nothing.

    A pending award gets reminder n once ``issued_on + INSIGNIA_REMINDER_DAYS[n-1]`` has
    passed. If runs were missed, only the latest due reminder goes out (one email, not a
    catch-up volley). Accepted, rejected, revoked and suppressed awards get none.
    """
    now = now or timezone.now()
    run = ReminderRun()
    days = app_settings.reminder_days()
    if days:
        candidates = (
            Award.objects.filter(
                state=AwardState.PENDING,
                revoked_at__isnull=True,
                suppress_notifications=False,
                issued_on__lte=now - dt.timedelta(days=days[0]),
                issued_on__gt=now - dt.timedelta(days=days[-1] + 365),
            )
            .exclude(expires_at__lte=now)
            .values_list("pk", "issued_on")
        )
        for pk, issued_on in candidates.iterator(chunk_size=batch_size):
            age = now - issued_on
            due = sum(1 for d in days if age >= dt.timedelta(days=d))
            if ReminderLog.objects.filter(
                award_id=pk, kind=ReminderKind.REMINDER, sequence__gte=due
            ).exists():
                continue
            message = _send_one(pk, "reminder", due, now)
            if message is not None:
                run.reminders += 1
                run.message_ids.append(message.pk)
    before = app_settings.renewal_days_before()
    expiring = (
        Award.objects.filter(
            revoked_at__isnull=True,
            suppress_notifications=False,
            expires_at__gt=now,
            expires_at__lte=now + dt.timedelta(days=before),
        )
        .exclude(state=AwardState.REJECTED)
        .values_list("pk", "expires_at")
    )
    for pk, expires_at in expiring.iterator(chunk_size=batch_size):
        if (
            expires_at is None
            or ReminderLog.objects.filter(
                award_id=pk, kind=ReminderKind.RENEWAL, sequence=_renewal_sequence(expires_at)
            ).exists()
        ):
            continue
        message = _send_one(pk, "renewal", None, now)
        if message is not None:
            run.renewals += 1
            run.message_ids.append(message.pk)
    return run


@transaction.atomic
def _send_one(
    pk: int, kind: AwardEmailKind, sequence: int | None, now: dt.datetime
) -> OutboxMessage | None:
    # Re-read under lock: the earner may have accepted, or staff revoked, since the scan.
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("template", "issuer", "earner")
        .get(pk=pk)
    )
    if award.revoked_at is not None or award.suppress_notifications:
        return None
    if kind == "reminder" and award.state != AwardState.PENDING:
        return None
    return award_email_enqueue(award=award, claim_token=None, kind=kind, sequence=sequence)


@transaction.atomic
def reminders_opt_out_set(*, email: str, opted_out: bool) -> None:
    """Turn reminder and renewal emails off (or back on) for one address."""
    email = email.strip().lower()
    if opted_out:
        ReminderOptOut.objects.get_or_create(email=email)
    else:
        ReminderOptOut.objects.filter(email=email).delete()

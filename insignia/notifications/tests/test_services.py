"""Outbox services: enqueue and dedupe, delivery with retries and backoff, the sweep, award
emails, suppression, resend."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from insignia.awards.models import AwardState
from insignia.awards.services import award_issue, award_revoke
from insignia.awards.tokens import token_matches
from insignia.core.audit import Actor
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.core.models import AuditEvent
from insignia.issuers.models import Role
from insignia.notifications.models import OutboxMessage, OutboxState
from insignia.notifications.services import (
    award_email_enqueue,
    award_resend_notification,
    email_enqueue,
    outbox_message_deliver,
    outbox_sweep,
)
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    IssuerFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def issue(template=None, email="ann@example.com", name="Ann Lee", **kwargs):
    return award_issue(
        actor=SYSTEM,
        template=template or BadgeTemplateFactory(),
        recipient_email=email,
        recipient_name=name,
        **kwargs,
    )


def test_issuing_writes_one_outbox_row_and_sends_it_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        result = issue()
        message = OutboxMessage.objects.get(award=result.award)
        # Inside the transaction nothing is sent yet: delivery waits for the commit.
        assert message.state == OutboxState.PENDING and mail.outbox == []
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and message.attempts == 1 and message.sent_at
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ann@example.com"]
    assert f"/claim/{result.award.public_id}/{result.claim_token}" in mail.outbox[0].body


def test_a_rolled_back_award_leaves_no_email(django_capture_on_commit_callbacks):
    template = BadgeTemplateFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ServiceError):
        issue(template, email="not an address")
    assert OutboxMessage.objects.count() == 0 and mail.outbox == []


def test_same_dedupe_key_twice_returns_the_first_row_and_sends_one_email(
    django_capture_on_commit_callbacks,
):
    kwargs = {
        "to": "jo@example.com",
        "subject": "Hello",
        "template": "award_issued",
        "context": {"recipient_name": "Jo", "badge_name": "B", "issuer_name": "I"},
        "dedupe_key": "test:hello",
        "kind": "test",
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = email_enqueue(**kwargs)
        second = email_enqueue(**kwargs | {"subject": "Other"})
    assert second.pk == first.pk and len(callbacks) == 1
    assert OutboxMessage.objects.count() == 1 and len(mail.outbox) == 1


def test_suppressed_award_gets_no_notification():
    result = issue(suppress_notifications=True)
    assert result.created
    assert not OutboxMessage.objects.filter(award=result.award).exists()
    assert award_email_enqueue(award=result.award, claim_token="x", kind="issued") is None


def test_auto_accepted_award_says_it_was_added(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = issue(accepted=True)
    message = OutboxMessage.objects.get(award=result.award)
    assert message.kind == "award.auto_accepted"
    assert "was added to your profile" in mail.outbox[0].subject
    assert "/claim/" not in mail.outbox[0].body


class _RefusingBackend:
    """An SMTP server that is down: what Django's SMTP backend raises then."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, b"Service not available")


def _down(settings):
    settings.EMAIL_BACKEND = f"{__name__}._RefusingBackend"


def test_failed_send_backs_off_exponentially_then_fails_and_sweep_retries_when_due(settings):
    _down(settings)
    settings.INSIGNIA_OUTBOX_MAX_ATTEMPTS = 3
    result = issue()
    message = OutboxMessage.objects.get(award=result.award)
    now = timezone.now()

    first = outbox_message_deliver(message_id=message.pk, now=now)
    message.refresh_from_db()
    assert first.state == OutboxState.PENDING and message.attempts == 1
    assert "SMTPConnectError" in message.last_error
    # 1 minute ± 20 % jitter
    assert dt.timedelta(seconds=47) <= message.next_attempt_at - now <= dt.timedelta(seconds=73)

    # Not due yet: the sweep leaves it alone.
    assert outbox_sweep(now=now) == 0

    second = outbox_message_deliver(message_id=message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert second.state == OutboxState.PENDING and message.attempts == 2
    gap = message.next_attempt_at - message.updated_at
    assert dt.timedelta(seconds=95) <= gap <= dt.timedelta(seconds=145)  # 2 minutes ± 20 %

    third = outbox_message_deliver(message_id=message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert third.state == OutboxState.FAILED and message.attempts == 3
    assert outbox_sweep(now=now + dt.timedelta(days=1)) == 0  # failed rows wait for staff


def test_sweep_delivers_due_retries_once_the_server_is_back(settings):
    _down(settings)
    message = OutboxMessage.objects.get(award=issue().award)
    outbox_message_deliver(message_id=message.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_sweep(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and message.attempts == 2 and not message.last_error
    assert len(mail.outbox) == 1
    # Sent rows are never sent again, whoever asks.
    assert outbox_message_deliver(message_id=message.pk).state == "skipped"
    assert outbox_sweep(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_sweep_requeues_a_row_stuck_in_sending_after_the_lease():
    message = OutboxMessage.objects.get(award=issue().award)
    stuck_since = timezone.now() - dt.timedelta(minutes=10)
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.SENDING, locked_at=stuck_since, attempts=1
    )
    # A live sender (recent lock) is left alone.
    assert outbox_sweep(now=stuck_since + dt.timedelta(minutes=1)) == 0
    assert outbox_sweep() == 1
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and len(mail.outbox) == 1


def test_sent_message_no_longer_stores_the_claim_link():
    message = OutboxMessage.objects.get(award=issue().award)
    assert "claim_url" in message.context
    outbox_message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert "claim_url" not in message.context and message.context["badge_name"]


def test_resend_gives_a_new_claim_link_and_the_old_one_stops_working(
    django_capture_on_commit_callbacks, staff_by_role, issuer
):
    template = BadgeTemplateFactory(issuer=issuer)
    result = issue(template)
    award = result.award
    with django_capture_on_commit_callbacks(execute=True):
        message = award_resend_notification(
            actor=Actor(user=staff_by_role[Role.ISSUER]), award=award
        )
    award.refresh_from_db()
    assert message.kind == "award.issued.resend"
    assert not token_matches(result.claim_token, award.claim_token_hash)
    body = mail.outbox[-1].body
    new_token = body.split(f"/claim/{award.public_id}/")[1].split()[0]
    assert token_matches(new_token, award.claim_token_hash)
    assert AuditEvent.objects.filter(verb="award.notification_resent").count() == 1


def test_resend_needs_the_issue_capability(staff_by_role, issuer):
    award = AwardFactory(template=BadgeTemplateFactory(issuer=issuer), state=AwardState.PENDING)
    with pytest.raises(PermissionDenied):
        award_resend_notification(actor=Actor(user=staff_by_role[Role.VIEWER]), award=award)
    other = MembershipFactory(issuer=IssuerFactory(), role=Role.OWNER).user
    with pytest.raises(PermissionDenied):
        award_resend_notification(actor=Actor(user=other), award=award)


def test_resend_of_a_revoked_badge_is_refused(staff_by_role, issuer):
    award = issue(BadgeTemplateFactory(issuer=issuer)).award
    award_revoke(actor=SYSTEM, award=award, reason="Exam fraud.")
    with pytest.raises(ServiceError, match="revoked"):
        award_resend_notification(actor=Actor(user=staff_by_role[Role.OWNER]), award=award)


def test_sweep_outbox_command_queues_due_messages(settings, capsys):
    _down(settings)
    message = OutboxMessage.objects.get(award=issue().award)
    outbox_message_deliver(message_id=message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("sweep_outbox")
    assert "Queued 1 message(s)." in capsys.readouterr().out
    message.refresh_from_db()
    assert message.state == OutboxState.SENT


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_message_send_it_once():
    message = OutboxMessage.objects.get(award=issue().award)
    # The commit above already delivered it in-process; make it pending again and race.
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.PENDING, attempts=0)
    mail.outbox.clear()
    barrier = threading.Barrier(4)
    results = []

    def deliver():
        barrier.wait()
        try:
            results.append(outbox_message_deliver(message_id=message.pk).state)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1


def test_message_id_is_stable_across_retries(settings):
    _down(settings)
    message = OutboxMessage.objects.get(award=issue().award)
    outbox_message_deliver(message_id=message.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox_message_deliver(message_id=message.pk)
    (email,) = mail.outbox
    assert email.message()["Message-ID"] == f"<{message.public_id}@testserver>"

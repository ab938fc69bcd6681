"""Reminders: the schedule at each boundary, idempotence, stopping, fresh tokens, renewals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from insignia.awards.models import AwardState
from insignia.awards.services import award_issue, award_revoke, award_set_state
from insignia.awards.tokens import token_matches
from insignia.core.audit import Actor
from insignia.notifications.models import OutboxMessage, ReminderLog
from insignia.notifications.services import reminders_opt_out_set, reminders_send_due
from insignia.testing.factories import BadgeTemplateFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def issue(**kwargs):
    template = kwargs.pop("template", None) or BadgeTemplateFactory()
    return award_issue(
        actor=SYSTEM,
        template=template,
        recipient_email=kwargs.pop("email", "ann@example.com"),
        recipient_name="Ann Lee",
        issued_on=T0,
        now=T0,
        expires_at=kwargs.pop("expires_at", None),
        **kwargs,
    )


def days(n, hours=0):
    return T0 + dt.timedelta(days=n, hours=hours)


def reminders_for(award):
    return list(
        OutboxMessage.objects.filter(award=award, kind="award.reminder").order_by("created_at")
    )


def test_reminders_follow_the_schedule_3_10_30_days_and_never_repeat():
    award = issue().award
    assert reminders_send_due(now=days(2, hours=23)).reminders == 0
    assert reminders_send_due(now=days(3)).reminders == 1
    assert reminders_send_due(now=days(3, hours=1)).reminders == 0  # re-run: no duplicate
    assert reminders_send_due(now=days(9)).reminders == 0
    assert reminders_send_due(now=days(10)).reminders == 1
    assert reminders_send_due(now=days(10)).reminders == 0
    assert reminders_send_due(now=days(30)).reminders == 1
    assert reminders_send_due(now=days(200)).reminders == 0  # the schedule is exhausted
    sequences = [m.context["sequence"] for m in reminders_for(award)]
    assert sequences == [1, 2, 3]
    assert list(
        ReminderLog.objects.filter(award=award)
        .values_list("sequence", flat=True)
        .order_by("sequence")
    ) == [1, 2, 3]


def test_missed_runs_send_only_the_latest_due_reminder():
    award = issue().award
    assert reminders_send_due(now=days(12)).reminders == 1
    assert [m.context["sequence"] for m in reminders_for(award)] == [2]
    assert reminders_send_due(now=days(13)).reminders == 0


def test_schedule_comes_from_settings(settings):
    settings.INSIGNIA_REMINDER_DAYS = (1,)
    issue()
    assert reminders_send_due(now=days(1)).reminders == 1
    assert reminders_send_due(now=days(3)).reminders == 0


def test_accepted_rejected_revoked_and_suppressed_awards_get_no_reminder():
    accepted = issue(email="a@example.com", accepted=True).award
    rejected = issue(email="r@example.com").award
    rejected.state = AwardState.REJECTED
    rejected.save(update_fields=["state"])
    revoked = issue(email="v@example.com").award
    award_revoke(actor=SYSTEM, award=revoked, reason="Exam fraud.", now=days(1))
    suppressed = issue(email="s@example.com", suppress_notifications=True).award
    assert reminders_send_due(now=days(3)).reminders == 0
    for award in (accepted, rejected, revoked, suppressed):
        assert reminders_for(award) == []


def test_reminders_stop_once_the_badge_is_accepted():
    award = issue().award
    assert reminders_send_due(now=days(3)).reminders == 1
    award_set_state(actor=SYSTEM, award=award, state=AwardState.ACCEPTED, now=days(4))
    assert reminders_send_due(now=days(10)).reminders == 0


def test_opted_out_address_gets_no_reminders_but_opting_in_again_resumes():
    award = issue().award
    reminders_opt_out_set(email="Ann@Example.com", opted_out=True)
    assert reminders_send_due(now=days(3)).reminders == 0
    reminders_opt_out_set(email="ann@example.com", opted_out=False)
    assert reminders_send_due(now=days(3)).reminders == 1
    assert len(reminders_for(award)) == 1


def test_each_reminder_carries_a_fresh_claim_token_and_the_old_one_stops_working(
    django_capture_on_commit_callbacks,
):
    result = issue()
    award = result.award
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(now=days(3))
    award.refresh_from_db()
    assert not token_matches(result.claim_token, award.claim_token_hash)
    body = mail.outbox[-1].body
    first = body.split(f"/claim/{award.public_id}/")[1].split()[0]
    assert token_matches(first, award.claim_token_hash)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(now=days(10))
    award.refresh_from_db()
    second = mail.outbox[-1].body.split(f"/claim/{award.public_id}/")[1].split()[0]
    assert second != first
    assert token_matches(second, award.claim_token_hash)
    assert not token_matches(first, award.claim_token_hash)


def test_renewal_reminder_goes_out_30_days_before_expiry_with_the_earn_again_link(
    django_capture_on_commit_callbacks,
):
    template = BadgeTemplateFactory(earn_again_url="https://contoso.example/renew")
    award = issue(template=template, accepted=True, expires_at=days(100)).award
    assert reminders_send_due(now=days(69)).renewals == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=days(70)).renewals == 1
    assert reminders_send_due(now=days(80)).renewals == 0
    message = OutboxMessage.objects.get(award=award, kind="award.renewal")
    email = mail.outbox[-1]
    assert "expires on 2026-06-10" in email.subject
    assert "Earn it again: https://contoso.example/renew" in email.body
    assert 'href="https://contoso.example/renew"' in email.alternatives[0][0]
    assert message.state == "sent"


def test_no_renewal_reminder_after_expiry_or_for_revoked_or_opted_out_awards():
    issue(email="e@example.com", accepted=True, expires_at=days(10))
    revoked = issue(email="v@example.com", accepted=True, expires_at=days(40)).award
    award_revoke(actor=SYSTEM, award=revoked, reason="Exam fraud.", now=days(1))
    issue(email="o@example.com", accepted=True, expires_at=days(40))
    reminders_opt_out_set(email="o@example.com", opted_out=True)
    assert reminders_send_due(now=days(11)).renewals == 0
    assert not OutboxMessage.objects.filter(kind="award.renewal").exists()


def test_send_reminders_command_is_idempotent(capsys):
    # The command uses the real clock, so the award is issued four days before it.
    award_issue(
        actor=SYSTEM,
        template=BadgeTemplateFactory(),
        recipient_email="ann@example.com",
        recipient_name="Ann Lee",
        issued_on=timezone.now() - dt.timedelta(days=4),
    )
    call_command("send_reminders")
    call_command("send_reminders")
    out = capsys.readouterr().out
    assert "Queued 1 reminder(s)" in out and "Queued 0 reminder(s)" in out
    assert OutboxMessage.objects.filter(kind="award.reminder").count() == 1

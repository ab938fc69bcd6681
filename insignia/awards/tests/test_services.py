"""Award services: issuing rules, duplicate policies, idempotency, revocation, expiry, states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.awards.models import Award, AwardState, Status
from insignia.awards.services import (
    EvidenceInput,
    award_issue,
    award_revoke,
    award_set_state,
    awards_record_expired,
)
from insignia.awards.tokens import token_matches
from insignia.badges.models import DuplicatePolicy, ProgrammeStatus, TemplateState
from insignia.core.audit import Actor
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.core.models import AuditEvent
from insignia.issuers.models import Role
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    MembershipFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def issue(template, email="ann@example.com", name="Ann Lee", **kwargs):
    return award_issue(
        actor=SYSTEM, template=template, recipient_email=email, recipient_name=name, **kwargs
    )


def test_issue_normalises_email_and_name_and_writes_audit_row():
    template = BadgeTemplateFactory()
    result = issue(template, email="  Ann.Lee@Example.COM ", name="  Ann   Lee ")
    award = result.award
    assert result.created
    assert award.recipient_email == "ann.lee@example.com"
    assert award.recipient_name == "Ann Lee"
    assert award.state == AwardState.PENDING
    assert award.issuer_id == template.issuer_id
    assert len(award.salt) >= 32
    event = AuditEvent.objects.get(verb="award.issued", object_id=award.public_id)
    assert event.actor_label == "test" and event.after["recipient_email"] == "ann.lee@example.com"


def test_issue_returns_a_claim_token_that_only_its_hash_is_stored():
    result = issue(BadgeTemplateFactory())
    assert result.claim_token
    assert result.claim_token not in result.award.claim_token_hash
    assert token_matches(result.claim_token, result.award.claim_token_hash)
    assert result.award.claim_token_expires_at > timezone.now()


def test_issue_uses_template_validity_unless_expiry_given():
    template = BadgeTemplateFactory(validity_days=365)
    issued = timezone.now() - dt.timedelta(days=1)
    default = issue(template, email="a@example.com", issued_on=issued).award
    assert default.expires_at == issued + dt.timedelta(days=365)
    never = issue(template, email="b@example.com", issued_on=issued, expires_at=None).award
    assert never.expires_at is None


@pytest.mark.parametrize(
    ("email", "name", "field"),
    [
        ("not-an-email", "Ann", "recipient_email"),
        ("", "Ann", "recipient_email"),
        ("ann@example..com", "Ann", "recipient_email"),
        ("ann@example.com", "   ", "recipient_name"),
        ("ann@example.com", "x" * 201, "recipient_name"),
    ],
)
def test_issue_refuses_bad_recipient_and_writes_nothing(email, name, field):
    with pytest.raises(ServiceError) as err:
        issue(BadgeTemplateFactory(), email=email, name=name)
    assert err.value.field == field
    assert not Award.objects.exists()
    assert not AuditEvent.objects.filter(verb="award.issued").exists()


@pytest.mark.parametrize(
    ("state", "code"),
    [(TemplateState.ARCHIVED, "template_archived"), (TemplateState.DRAFT, "template_inactive")],
)
def test_issue_refuses_templates_that_are_not_active(state, code):
    with pytest.raises(ServiceError) as err:
        issue(BadgeTemplateFactory(state=state))
    assert err.value.code == code
    assert not Award.objects.exists()


def test_issue_refuses_before_programme_effective_date():
    programme = ProgrammeFactory(effective_date=timezone.now().date() + dt.timedelta(days=3))
    template = BadgeTemplateFactory(issuer=programme.issuer, programme=programme)
    with pytest.raises(ServiceError) as err:
        issue(template)
    assert err.value.code == "programme_not_started"
    assert programme.effective_date.isoformat() in err.value.message


def test_issue_works_from_programme_effective_date_in_pilot():
    programme = ProgrammeFactory(effective_date=timezone.now().date(), status=ProgrammeStatus.PILOT)
    template = BadgeTemplateFactory(issuer=programme.issuer, programme=programme)
    assert issue(template).created


def test_issue_refuses_terminated_programme_but_keeps_existing_awards_valid():
    programme = ProgrammeFactory(status=ProgrammeStatus.TERMINATED)
    template = BadgeTemplateFactory(issuer=programme.issuer, programme=programme)
    existing = AwardFactory(template=template)
    with pytest.raises(ServiceError) as err:
        issue(template)
    assert err.value.code == "programme_terminated"
    assert existing.status(timezone.now()) == Status.VALID


def test_issue_refuses_future_and_naive_dates_and_expiry_before_issue():
    template = BadgeTemplateFactory()
    with pytest.raises(ServiceError, match="future"):
        issue(template, issued_on=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="time zone"):
        issue(template, issued_on=dt.datetime(2024, 1, 1))
    with pytest.raises(ServiceError, match="after the issue date"):
        issue(
            template,
            issued_on=timezone.now() - dt.timedelta(days=2),
            expires_at=timezone.now() - dt.timedelta(days=3),
        )
    assert not Award.objects.exists()


def test_issue_refuses_non_http_evidence_url():
    with pytest.raises(ServiceError) as err:
        issue(BadgeTemplateFactory(), evidence=[EvidenceInput(url="javascript:alert(1)")])
    assert err.value.field == "evidence"


def test_duplicate_policy_deny_refuses_second_badge_for_same_address():
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    first = issue(template).award
    with pytest.raises(ServiceError) as err:
        issue(template, email="ANN@example.com")
    assert err.value.code == "duplicate" and first.public_id in err.value.message
    assert Award.objects.count() == 1


def test_duplicate_policy_deny_allows_reissue_after_revocation():
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    award_revoke(actor=SYSTEM, award=issue(template).award, reason="Issued in error")
    assert issue(template).created


def test_duplicate_policy_allow_issues_again():
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.ALLOW)
    issue(template)
    issue(template)
    assert Award.objects.filter(template=template).count() == 2


def test_duplicate_policy_replace_revokes_the_earlier_badge():
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.REPLACE)
    old = issue(template).award
    new = issue(template).award
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert old.replaced_by == new
    assert new.public_id in old.revocation_reason
    assert new.revoked_at is None


def test_idempotency_key_returns_first_award_without_a_second_row():
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.ALLOW)
    first = issue(template, idempotency_key="exam-42")
    again = issue(template, idempotency_key="exam-42")
    assert first.created and not again.created
    assert again.award.pk == first.award.pk and again.claim_token is None
    assert Award.objects.count() == 1
    assert AuditEvent.objects.filter(verb="award.issued").count() == 1


def test_idempotency_keys_are_scoped_per_issuer():
    a = BadgeTemplateFactory()
    b = BadgeTemplateFactory()
    assert issue(a, idempotency_key="k").created
    assert issue(b, idempotency_key="k").created


def test_award_to_a_verified_address_is_attached_to_its_owner():
    owner = UserFactory(email="owner@example.com")
    award = issue(BadgeTemplateFactory(), email="Owner@Example.com").award
    assert award.earner == owner


def test_award_to_an_unverified_address_waits_for_its_owner():
    UserFactory(email="unverified@example.com", verified=False)
    award = issue(BadgeTemplateFactory(), email="unverified@example.com").award
    assert award.earner is None


def test_accepted_flag_marks_award_accepted_at_once():
    award = issue(BadgeTemplateFactory(), accepted=True).award
    assert award.state == AwardState.ACCEPTED and award.state_changed_at is not None


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.ADMIN, True), (Role.ISSUER, True), (Role.VIEWER, False)],
)
def test_issue_permission_by_role(role, allowed):
    template = BadgeTemplateFactory()
    user = MembershipFactory(issuer=template.issuer, role=role).user

    def call():
        return award_issue(
            actor=Actor(user=user),
            template=template,
            recipient_email="x@example.com",
            recipient_name="X",
        )

    if allowed:
        assert call().created
    else:
        with pytest.raises(PermissionDenied):
            call()


def test_staff_of_another_issuer_cannot_issue():
    template = BadgeTemplateFactory()
    outsider = MembershipFactory(role=Role.OWNER).user
    with pytest.raises(PermissionDenied):
        award_issue(
            actor=Actor(user=outsider),
            template=template,
            recipient_email="x@example.com",
            recipient_name="X",
        )


def test_revoke_records_reason_time_and_audit_row():
    award = AwardFactory()
    award_revoke(actor=SYSTEM, award=award, reason="  Exam   voided ")
    award.refresh_from_db()
    assert award.revocation_reason == "Exam voided"
    assert award.status(timezone.now()) == Status.REVOKED
    event = AuditEvent.objects.get(verb="award.revoked", object_id=award.public_id)
    assert event.before["revoked"] is False and event.after["revoked"] is True


def test_revoke_needs_a_reason_and_happens_once():
    award = AwardFactory()
    with pytest.raises(ServiceError, match="reason"):
        award_revoke(actor=SYSTEM, award=award, reason="  ")
    award_revoke(actor=SYSTEM, award=award, reason="Voided")
    with pytest.raises(ServiceError) as err:
        award_revoke(actor=SYSTEM, award=award, reason="Again")
    assert err.value.code == "already_revoked"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.ADMIN, True), (Role.ISSUER, False), (Role.VIEWER, False)],
)
def test_revoke_permission_by_role(role, allowed):
    award = AwardFactory()
    user = MembershipFactory(issuer=award.issuer, role=role).user
    if allowed:
        award_revoke(actor=Actor(user=user), award=award, reason="Voided")
    else:
        with pytest.raises(PermissionDenied):
            award_revoke(actor=Actor(user=user), award=award, reason="Voided")


def test_record_expired_writes_one_event_per_expired_award_and_is_idempotent():
    now = timezone.now()
    expired = AwardFactory(
        issued_on=now - dt.timedelta(days=10), expires_at=now - dt.timedelta(days=1)
    )
    AwardFactory(issued_on=now - dt.timedelta(days=10), expires_at=now + dt.timedelta(days=1))
    revoked = AwardFactory(
        issued_on=now - dt.timedelta(days=10), expires_at=now - dt.timedelta(days=1), revoked_at=now
    )
    assert awards_record_expired(now=now, batch_size=1) == 1
    assert awards_record_expired(now=now) == 0
    assert list(
        AuditEvent.objects.filter(verb="award.expired").values_list("object_id", flat=True)
    ) == [expired.public_id]
    assert revoked.status(now) == Status.REVOKED
    assert expired.status(now) == Status.EXPIRED


def test_earner_accepts_rejects_and_undoes_their_own_badge_only():
    earner = UserFactory()
    award = AwardFactory(earner=earner, state=AwardState.PENDING)
    award_set_state(actor=Actor(user=earner), award=award, state=AwardState.ACCEPTED)
    award_set_state(actor=Actor(user=earner), award=award, state=AwardState.REJECTED)
    award_set_state(actor=Actor(user=earner), award=award, state=AwardState.ACCEPTED)
    award.refresh_from_db()
    assert award.state == AwardState.ACCEPTED
    with pytest.raises(ServiceError):
        award_set_state(actor=Actor(user=UserFactory()), award=award, state=AwardState.REJECTED)


def test_revoked_badge_cannot_be_accepted():
    earner = UserFactory()
    award = AwardFactory(earner=earner, state=AwardState.PENDING, revoked_at=timezone.now())
    with pytest.raises(ServiceError, match="revoked"):
        award_set_state(actor=Actor(user=earner), award=award, state=AwardState.ACCEPTED)

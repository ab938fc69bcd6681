"""The issuer UI's part of notifications: the suppress checkbox, the award's emails, resend."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from insignia.awards.models import Award, AwardState
from insignia.issuers.models import Role
from insignia.issuers.tests.payloads import issue_post
from insignia.notifications.models import OutboxMessage, OutboxState
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory

pytestmark = pytest.mark.django_db


def test_issue_form_can_suppress_all_emails(client, issuer, staff_by_role):
    template = BadgeTemplateFactory(issuer=issuer)
    client.force_login(staff_by_role[Role.ISSUER])
    url = reverse("issuer_ui:award_issue", args=[issuer.slug])
    response = client.post(url, issue_post(template.public_id, suppress_notifications="on"))
    assert response.status_code == 302
    award = Award.objects.get(recipient_email="ann.lee@example.com")
    assert award.suppress_notifications
    assert not OutboxMessage.objects.filter(award=award).exists()


def test_award_detail_shows_its_emails_with_state_attempts_and_last_error(
    client, issuer, staff_by_role
):
    award = AwardFactory(template=BadgeTemplateFactory(issuer=issuer), state=AwardState.PENDING)
    OutboxMessage.objects.create(
        kind="award.issued",
        dedupe_key="k1",
        to=award.recipient_email,
        subject="s",
        template="award_issued",
        award=award,
        state=OutboxState.FAILED,
        attempts=8,
        next_attempt_at=award.issued_on,
        last_error="SMTPConnectError: (421, b'Service not available')",
    )
    client.force_login(staff_by_role[Role.VIEWER])
    url = reverse("issuer_ui:award_detail", args=[issuer.slug, award.public_id])
    content = client.get(url).content.decode()
    assert "Failed" in content and "SMTPConnectError" in content and ">8<" in content
    assert "Resend notification" not in content  # viewers cannot resend


def test_resend_button_sends_a_new_email(
    client, issuer, staff_by_role, django_capture_on_commit_callbacks
):
    award = AwardFactory(template=BadgeTemplateFactory(issuer=issuer), state=AwardState.PENDING)
    client.force_login(staff_by_role[Role.ISSUER])
    detail = reverse("issuer_ui:award_detail", args=[issuer.slug, award.public_id])
    assert "Resend notification" in client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("issuer_ui:award_resend", args=[issuer.slug, award.public_id])
        )
    assert response.status_code == 302 and response["Location"] == detail
    assert len(mail.outbox) == 1 and f"/claim/{award.public_id}/" in mail.outbox[0].body

"""Revocation emails the earner unless the issuer suppresses it: API, issuer UI and service."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from insignia.awards.services import award_revoke
from insignia.core.audit import Actor
from insignia.issuers.models import Role
from insignia.notifications.models import OutboxMessage
from insignia.notifications.services import outbox_message_deliver, render_email
from insignia.testing.factories import AwardFactory

pytestmark = pytest.mark.django_db


def _revoked_emails(award):
    return OutboxMessage.objects.filter(award=award, kind="award.revoked")


def test_api_revoke_emails_the_earner_the_reason_and_the_badge_page(api, template, settings):
    award = AwardFactory(template=template, recipient_email="ada@example.com")
    response = api.post(
        f"/api/v1/awards/{award.public_id}/revoke", {"reason": "Exam annulled"}, format="json"
    )
    assert response.status_code == 200, response.json()
    [message] = _revoked_emails(award)
    assert message.to == "ada@example.com"
    email = render_email(message)
    assert template.name in email.subject
    assert "Exam annulled" in email.body
    assert template.issuer.name in email.body
    assert f"{settings.SITE_URL}{award.get_absolute_url()}" in email.body
    assert "claim" not in email.body.lower()
    assert outbox_message_deliver(message_id=message.pk).state == "sent"
    assert mail.outbox[-1].to == ["ada@example.com"]


def test_api_revoke_with_suppress_notification_sends_nothing(api, template):
    award = AwardFactory(template=template)
    before = OutboxMessage.objects.count()
    response = api.post(
        f"/api/v1/awards/{award.public_id}/revoke",
        {"reason": "Issued by mistake", "suppress_notification": True},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "revoked"
    assert OutboxMessage.objects.count() == before


def test_api_suppress_notification_must_be_a_boolean(api, template):
    award = AwardFactory(template=template)
    response = api.post(
        f"/api/v1/awards/{award.public_id}/revoke",
        {"reason": "x", "suppress_notification": "perhaps"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "suppress_notification"


def test_awards_issued_with_emails_suppressed_stay_silent_when_revoked(template):
    award = AwardFactory(template=template, suppress_notifications=True)
    award_revoke(actor=Actor.system("t"), award=award, reason="Annulled")
    assert not _revoked_emails(award).exists()


def test_an_earner_who_rejected_the_badge_is_not_emailed(template):
    award = AwardFactory(template=template, state="rejected")
    award_revoke(actor=Actor.system("t"), award=award, reason="Annulled")
    assert not _revoked_emails(award).exists()


def test_replacing_an_award_does_not_email_the_wrong_old_address(api, template):
    award = AwardFactory(template=template, recipient_email="ada@exmaple.com")
    response = api.post(
        f"/api/v1/awards/{award.public_id}/replace",
        {"recipient_email": "ada@example.com"},
        format="json",
    )
    assert response.status_code == 201
    assert not OutboxMessage.objects.filter(to="ada@exmaple.com").exists()
    assert OutboxMessage.objects.filter(to="ada@example.com").count() == 1


@pytest.mark.parametrize(("suppress", "emails"), [(False, 1), (True, 0)])
def test_issuer_ui_revoke_form_has_the_same_choice(
    client, issuer, template, staff_by_role, suppress, emails
):
    award = AwardFactory(template=template)
    client.force_login(staff_by_role[Role.ADMIN])
    detail = client.get(reverse("issuer_ui:award_detail", args=[issuer.slug, award.public_id]))
    assert b'name="suppress_notification"' in detail.content
    data = {"reason": "Exam fraud."} | ({"suppress_notification": "on"} if suppress else {})
    url = reverse("issuer_ui:award_revoke", args=[issuer.slug, award.public_id])
    assert client.post(url, data).status_code == 302
    award.refresh_from_db()
    assert award.revoked_at is not None
    assert _revoked_emails(award).count() == emails

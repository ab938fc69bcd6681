import pytest

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.testing.factories import BadgeTemplateFactory


@pytest.mark.django_db
def test_award_issue_creates_pending_award_with_audit_row():
    template = BadgeTemplateFactory()
    result = award_issue(actor=Actor.system("test"), template=template, recipient_email="A@Example.com", recipient_name="Ann Lee")
    assert result.created and result.award.recipient_email == "a@example.com"
    assert result.award.state == "pending"

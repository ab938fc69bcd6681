"""Fan-out from the audit trail into deliveries: which events, for whom, exactly once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from insignia.awards.bulk import BulkAwardInput, awards_issue_bulk
from insignia.awards.models import AwardSource, AwardState
from insignia.awards.services import (
    award_issue,
    award_revoke,
    award_set_state,
    awards_record_expired,
)
from insignia.badges.models import TemplateState
from insignia.badges.services import template_set_state
from insignia.core.audit import Actor
from insignia.core.models import AuditEvent
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, IssuerFactory
from insignia.webhooks.kick import issuer_has_active_endpoint
from insignia.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from insignia.webhooks.services import endpoint_update, webhooks_dispatch

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
URL = "https://hooks.example.com/insignia"


def issue(template, email: str = "ada@example.com"):
    return award_issue(
        actor=SYSTEM, template=template, recipient_email=email, recipient_name="Ada Lovelace"
    ).award


def types() -> list[str]:
    return list(WebhookDelivery.objects.order_by("id").values_list("event_type", flat=True))


def test_each_award_and_template_change_becomes_its_event_type(template, make_endpoint):
    make_endpoint(URL)
    award = issue(template)
    award_set_state(actor=SYSTEM, award=award, state=AwardState.REJECTED)
    award_set_state(actor=SYSTEM, award=award, state=AwardState.ACCEPTED)
    award_revoke(actor=SYSTEM, award=award, reason="Exam fraud.")
    expiring = AwardFactory(template=template, expires_at=timezone.now() - dt.timedelta(hours=1))
    awards_record_expired()
    template_set_state(actor=SYSTEM, template=template, state=TemplateState.ARCHIVED)

    assert webhooks_dispatch() == 6
    assert types() == [
        "award.created",
        "award.rejected",
        "award.accepted",
        "award.revoked",
        "award.expired",
        "template.changed",
    ]
    expired = WebhookDelivery.objects.get(event_type="award.expired")
    assert json.loads(expired.body)["data"]["id"] == expiring.public_id
    changed = json.loads(WebhookDelivery.objects.get(event_type="template.changed").body)
    assert changed["data"]["id"] == template.public_id
    assert changed["data"]["state"] == "archived"


def test_an_endpoint_receives_only_the_events_it_chose(template, make_endpoint):
    make_endpoint(URL, events=[EventType.AWARD_REVOKED])
    award = issue(template)
    award_revoke(actor=SYSTEM, award=award, reason="Issued by mistake.")
    webhooks_dispatch()
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.event_type == "award.revoked"
    data = json.loads(delivery.body)["data"]
    assert data["revoked"] is True
    assert data["revocation_reason"] == "Issued by mistake."


def test_one_issuers_endpoint_never_sees_another_issuers_events(template, make_endpoint):
    other = IssuerFactory()
    theirs = make_endpoint(URL, for_issuer=other)
    ours = make_endpoint(URL + "/ours")
    issue(template)
    issue(BadgeTemplateFactory(issuer=other), "bob@example.com")
    webhooks_dispatch()
    (their_delivery,) = WebhookDelivery.objects.filter(endpoint=theirs.endpoint)
    assert json.loads(their_delivery.body)["issuer"]["id"] == other.public_id
    (our_delivery,) = WebhookDelivery.objects.filter(endpoint=ours.endpoint)
    assert json.loads(our_delivery.body)["data"]["recipient_email"] == "ada@example.com"


def test_a_new_endpoint_receives_no_history(template, make_endpoint):
    issue(template, "before@example.com")
    make_endpoint(URL)
    assert webhooks_dispatch() == 0
    issue(template, "after@example.com")
    assert webhooks_dispatch() == 1
    body = json.loads(WebhookDelivery.objects.get().body)
    assert body["data"]["recipient_email"] == "after@example.com"


def test_dispatching_twice_creates_one_delivery_per_event(template, make_endpoint):
    make_endpoint(URL)
    issue(template)
    issue(template, "bob@example.com")
    assert webhooks_dispatch() == 2
    assert webhooks_dispatch() == 0
    assert webhooks_dispatch(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert WebhookDelivery.objects.count() == 2


def test_the_cursor_passes_only_events_older_than_the_settle_period(template, make_endpoint):
    created = make_endpoint(URL)
    issue(template)
    start_cursor = created.endpoint.cursor
    webhooks_dispatch()
    created.endpoint.refresh_from_db()
    # A just-written event stays after the cursor: a lower id may still be uncommitted.
    assert created.endpoint.cursor == start_cursor
    webhooks_dispatch(now=timezone.now() + dt.timedelta(minutes=5))
    created.endpoint.refresh_from_db()
    assert created.endpoint.cursor == AuditEvent.objects.latest("id").id
    assert WebhookDelivery.objects.count() == 1


def test_a_late_commit_below_the_cursor_is_still_delivered(template, make_endpoint):
    # Simulates a transaction that took its id before a later one committed: the event with
    # the lower id appears only after the dispatcher already ran once.
    make_endpoint(URL)
    issue(template, "later@example.com")
    late = AuditEvent.objects.latest("id")
    snapshot = (late.pk, late.verb)
    late.verb = "award.hidden"  # invisible to the first run
    late.save(update_fields=["verb"])
    issue(template, "second@example.com")
    assert webhooks_dispatch() == 1
    AuditEvent.objects.filter(pk=snapshot[0]).update(verb=snapshot[1])  # "commits" now
    assert webhooks_dispatch() == 1
    assert WebhookDelivery.objects.count() == 2


def test_bulk_issued_awards_become_award_created_events(template, make_endpoint):
    make_endpoint(URL, events=[EventType.AWARD_CREATED])
    now = timezone.now()
    items = [
        BulkAwardInput(
            template_id=template.pk,
            recipient_email=f"person{i}@example.com",
            recipient_name=f"Person {i}",
            issued_on=now - dt.timedelta(days=1),
            expires_at=None,
            idempotency_key=f"bulk-{i}",
        )
        for i in range(5)
    ]
    outcome = awards_issue_bulk(
        actor=SYSTEM, issuer=template.issuer, items=items, source=AwardSource.CSV
    )
    assert len(outcome.created) == 5
    assert webhooks_dispatch() == 5
    emails = sorted(
        json.loads(body)["data"]["recipient_email"]
        for body in WebhookDelivery.objects.values_list("body", flat=True)
    )
    assert emails == [f"person{i}@example.com" for i in range(5)]


def test_reenabling_an_endpoint_skips_what_happened_while_it_was_off(template, make_endpoint):
    created = make_endpoint(URL)
    endpoint_update(actor=SYSTEM, endpoint=created.endpoint, is_active=False)
    issue(template)
    assert webhooks_dispatch() == 0
    endpoint_update(actor=SYSTEM, endpoint=created.endpoint, is_active=True)
    assert webhooks_dispatch() == 0


def test_the_kick_is_skipped_for_issuers_without_an_active_endpoint(
    template, make_endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issue(template)
    assert not issuer_has_active_endpoint(template.issuer_id)
    assert WebhookDelivery.objects.count() == 0
    assert callbacks  # the kick ran, and found nothing to do

    make_endpoint(URL, events=[EventType.TEMPLATE_CREATED])
    assert issuer_has_active_endpoint(template.issuer_id)
    WebhookEndpoint.objects.update(is_active=False)
    # Cached for a minute; services that change endpoints clear it (see endpoint_update).
    assert issuer_has_active_endpoint(template.issuer_id)

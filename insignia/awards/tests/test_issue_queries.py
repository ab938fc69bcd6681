"""Query budgets for issuing: the single-award API create and a bulk chunk.

Pinned so a change that adds a query per award shows up here rather than in the benchmark.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insignia.api.tests.conftest import client_for
from insignia.awards.bulk import BulkAwardInput, awards_issue_bulk
from insignia.awards.models import Award
from insignia.badges.models import DuplicatePolicy
from insignia.core.audit import Actor
from insignia.core.models import AuditEvent
from insignia.notifications.models import OutboxMessage
from insignia.testing.factories import BadgeTemplateFactory, IssuerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.INSIGNIA_API_THROTTLE_RATE = "100000/minute"


# Token lookup, template, [advisory lock], template re-read after the lock, holders (deny),
# verified owner, savepoint + insert + release (idempotency key), audit row, outbox row; the
# test's own transaction adds a savepoint pair around the service. Was 16.
API_CREATE_MAX_QUERIES = 13


@pytest.mark.parametrize("policy", [DuplicatePolicy.DENY, DuplicatePolicy.ALLOW])
def test_api_create_stays_within_its_query_budget(django_assert_max_num_queries, policy):
    issuer = IssuerFactory()
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=policy)
    api = client_for(issuer)
    body = {"template_id": template.public_id, "recipient_name": "Ada Lovelace"}
    # Warm up (first-request work such as URL resolver population is not per award).
    api.post("/api/v1/awards", {**body, "recipient_email": "a0@example.com"}, format="json")
    with django_assert_max_num_queries(API_CREATE_MAX_QUERIES):
        response = api.post(
            "/api/v1/awards",
            {**body, "recipient_email": "a1@example.com"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="exam-1",
        )
    assert response.status_code == 201
    award = Award.objects.get(recipient_email="a1@example.com")
    assert AuditEvent.objects.filter(verb="award.issued", object_id=award.public_id).count() == 1
    assert OutboxMessage.objects.filter(award=award).count() == 1


def test_api_replay_still_answers_with_the_first_award():
    issuer = IssuerFactory()
    template = BadgeTemplateFactory(issuer=issuer)
    api = client_for(issuer)
    body = {
        "template_id": template.public_id,
        "recipient_email": "ada@example.com",
        "recipient_name": "Ada Lovelace",
    }
    first = api.post("/api/v1/awards", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = api.post("/api/v1/awards", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert Award.objects.count() == 1


# Savepoint, template locks (shared), pair locks, [the lock budget, once per process],
# templates, holders, owners, keys taken, savepoint + award ids + release, release (plus
# three COPY statements, which the query log does not see).
PG_CHUNK_MAX_QUERIES = 12


@pytest.mark.parametrize("size", [10, 200])
def test_bulk_chunk_query_count_does_not_grow_with_its_size(size):
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    issued = timezone.now() - dt.timedelta(days=1)
    items = [
        BulkAwardInput(
            template_id=template.pk,
            recipient_email=f"p{i}@example.com",
            recipient_name="A B",
            issued_on=issued,
            expires_at=None,
            idempotency_key=f"bulk:{size}:{i}",
            notify_at=issued,
        )
        for i in range(size)
    ]
    with CaptureQueriesContext(connection) as queries:
        outcome = awards_issue_bulk(
            actor=Actor.system("test"), issuer=template.issuer, items=items, source="csv"
        )
    assert len(outcome.created) == size
    if connection.vendor == "postgresql":
        # Independent of the chunk's size (on SQLite, Django cuts bulk inserts by the
        # database's limit on query parameters, so there it grows in steps).
        assert len(queries) <= PG_CHUNK_MAX_QUERIES, [q["sql"][:80] for q in queries]
    assert AuditEvent.objects.filter(verb="award.issued").count() == size
    assert OutboxMessage.objects.count() == size

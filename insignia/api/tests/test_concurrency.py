from __future__ import annotations

import threading

import pytest
from django.db import connection

from insignia.api.tests.conftest import client_for
from insignia.awards.models import Award
from insignia.badges.models import DuplicatePolicy
from insignia.core.models import AuditEvent
from insignia.testing.factories import BadgeTemplateFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("policy", [DuplicatePolicy.DENY, DuplicatePolicy.ALLOW])
def test_concurrent_retries_with_one_idempotency_key_make_exactly_one_award(issuer, policy):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only contended on PostgreSQL; SQLite serialises writers")
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=policy)
    api = client_for(issuer)
    body = {
        "template_id": template.public_id,
        "recipient_email": "ada@example.com",
        "recipient_name": "Ada Lovelace",
    }
    barrier = threading.Barrier(8)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def retry() -> None:
        try:
            barrier.wait()
            response = api.post(
                "/api/v1/awards", body, format="json", HTTP_IDEMPOTENCY_KEY="exam-7-ada"
            )
            results.append((response.status_code, response.json()["data"]["id"]))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Award.objects.count() == 1
    award = Award.objects.get()
    assert sorted(code for code, _ in results) == [200] * 7 + [201]
    assert {public_id for _, public_id in results} == {award.public_id}
    assert AuditEvent.objects.filter(verb="award.issued").count() == 1

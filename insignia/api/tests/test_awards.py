from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.awards.models import Award, AwardSource
from insignia.badges.models import DuplicatePolicy
from insignia.core.models import AuditEvent
from insignia.notifications.models import OutboxMessage
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory

pytestmark = pytest.mark.django_db


def _create(api, template, key: str | None = None, **extra):
    body = {
        "template_id": template.public_id,
        "recipient_email": "Ada@Example.com",
        "recipient_name": "Ada Lovelace",
    } | extra
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post("/api/v1/awards", body, format="json", **headers)


def test_create_issues_through_the_service_with_audit_row_and_email(api, template):
    response = _create(api, template, evidence=[{"url": "https://exam.example/r/1"}])
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    award = Award.objects.get(public_id=data["id"])
    assert data["recipient_email"] == "ada@example.com"
    assert data["template_id"] == template.public_id
    assert data["evidence"] == [{"url": "https://exam.example/r/1"}]
    assert data["status"] == "valid"
    assert award.source == AwardSource.API
    event = AuditEvent.objects.get(verb="award.issued", object_id=award.public_id)
    assert event.actor_label == "api:Exam system"
    assert OutboxMessage.objects.filter(award=award).count() == 1


def test_same_idempotency_key_returns_the_first_award(api, template):
    first = _create(api, template, key="exam-42")
    again = _create(api, template, key="exam-42")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert Award.objects.count() == 1


def test_duplicate_policy_deny_answers_409(api, template):
    assert _create(api, template).status_code == 201
    response = _create(api, template)
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert error["code"] == "duplicate"
    assert error["field"] == "recipient_email"


def test_duplicate_policy_replace_revokes_the_earlier_award(api, issuer):
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=DuplicatePolicy.REPLACE)
    first = _create(api, template).json()["data"]["id"]
    second = _create(api, template).json()["data"]["id"]
    assert Award.objects.get(public_id=first).replaced_by.public_id == second


def test_unknown_fields_are_refused_with_one_error_each(api, template):
    response = _create(api, template, recipent_email="typo@example.com", colour="red")
    assert response.status_code == 400
    accepted = response.json()["errors"][0]["message"].split("accepts: ")[1]
    assert "recipient_email" in accepted and "colour" not in accepted
    assert response.json() == {
        "errors": [
            {
                "code": "unknown_field",
                "message": f"Unknown field; this operation accepts: {accepted}",
                "field": "colour",
            },
            {
                "code": "unknown_field",
                "message": f"Unknown field; this operation accepts: {accepted}",
                "field": "recipent_email",
            },
        ]
    }
    assert Award.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"recipient_name": 12}, "recipient_name"),
        ({"issued_on": "yesterday"}, "issued_on"),
        ({"evidence": "https://x.example"}, "evidence"),
        ({"evidence": [{"url": "https://x.example", "size": 3}]}, "evidence.0.size"),
        ({"suppress_notifications": "perhaps"}, "suppress_notifications"),
        ({"recipient_email": ["a@example.com"]}, "recipient_email"),
    ],
)
def test_wrong_types_are_400_naming_the_field(api, template, extra, field):
    response = _create(api, template, **extra)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]


def test_body_that_is_not_an_object_is_400(api):
    response = api.post("/api/v1/awards", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] is None


def test_malformed_json_is_400_with_the_error_body(api):
    response = api.generic("POST", "/api/v1/awards", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_service_errors_keep_their_code_and_field(api, template):
    response = _create(api, template, recipient_email="not-an-email")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "invalid_email",
            "message": "'not-an-email' is not a valid email address.",
            "field": "recipient_email",
        }
    ]


def test_another_issuers_template_is_404(api, other_issuer):
    response = _create(api, BadgeTemplateFactory(issuer=other_issuer))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_list_is_paginated_in_the_credly_envelope(api, template):
    for _ in range(3):
        AwardFactory(template=template)
    response = api.get("/api/v1/awards?per=2")
    body = response.json()
    assert len(body["data"]) == 2
    meta = body["metadata"]
    assert {k: meta[k] for k in ("count", "current_page", "total_count", "total_pages", "per")} == {
        "count": 2,
        "current_page": 1,
        "total_count": 3,
        "total_pages": 2,
        "per": 2,
    }
    assert meta["previous_page_url"] is None
    assert "page=2" in meta["next_page_url"]
    assert len(api.get(meta["next_page_url"]).json()["data"]) == 1


def test_list_filters_by_template_state_email_and_dates(api, issuer, template):
    other_template = BadgeTemplateFactory(issuer=issuer)
    now = timezone.now()
    old = AwardFactory(template=template, issued_on=now - dt.timedelta(days=400))
    revoked = AwardFactory(template=template, revoked_at=now, revocation_reason="x")
    ada = AwardFactory(template=other_template, recipient_email="ada@example.com")

    def ids(query):
        response = api.get(f"/api/v1/awards?{query}")
        assert response.status_code == 200, response.json()
        return {a["id"] for a in response.json()["data"]}

    assert ids(f"template={template.public_id}") == {old.public_id, revoked.public_id}
    assert ids("state=revoked") == {revoked.public_id}
    assert ids("email=ADA@example.com") == {ada.public_id}
    since = (now - dt.timedelta(days=30)).isoformat()
    assert ids(f"issued_after={since.replace('+', '%2B')}") == {revoked.public_id, ada.public_id}
    until = (now - dt.timedelta(days=30)).date().isoformat()
    assert ids(f"issued_before={until}") == {old.public_id}
    assert api.get("/api/v1/awards?state=lost").status_code == 400


def test_list_never_shows_another_issuers_awards(api, other_issuer):
    AwardFactory(template=BadgeTemplateFactory(issuer=other_issuer))
    assert api.get("/api/v1/awards").json()["metadata"]["total_count"] == 0


def test_get_own_award_and_404_for_anothers(api, template, other_issuer):
    mine = AwardFactory(template=template)
    theirs = AwardFactory(template=BadgeTemplateFactory(issuer=other_issuer))
    assert api.get(f"/api/v1/awards/{mine.public_id}").json()["data"]["id"] == mine.public_id
    assert api.get(f"/api/v1/awards/{theirs.public_id}").status_code == 404


def test_revoke_records_the_reason_and_refuses_twice(api, template):
    award = AwardFactory(template=template)
    url = f"/api/v1/awards/{award.public_id}/revoke"
    response = api.post(url, {"reason": "Exam result annulled"}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "revoked"
    assert response.json()["data"]["revocation_reason"] == "Exam result annulled"
    again = api.post(url, {"reason": "again"}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "already_revoked"
    assert api.post(url, {}, format="json").json()["errors"][0]["field"] == "reason"


def test_replace_revokes_and_reissues_to_the_corrected_address(api, template):
    award = AwardFactory(template=template, recipient_email="ada@exmaple.com")
    response = api.post(
        f"/api/v1/awards/{award.public_id}/replace",
        {"recipient_email": "ada@example.com"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    new = response.json()["data"]
    assert new["recipient_email"] == "ada@example.com"
    assert (
        new["issued_on"] == api.get(f"/api/v1/awards/{award.public_id}").json()["data"]["issued_on"]
    )
    award.refresh_from_db()
    assert award.revoked_at is not None
    assert award.replaced_by.public_id == new["id"]
    assert OutboxMessage.objects.filter(award__public_id=new["id"]).count() == 1


def test_replace_to_the_same_address_is_refused_and_changes_nothing(api, template):
    award = AwardFactory(template=template, recipient_email="ada@example.com")
    response = api.post(
        f"/api/v1/awards/{award.public_id}/replace",
        {"recipient_email": "ADA@example.com"},
        format="json",
    )
    assert response.status_code == 400
    award.refresh_from_db()
    assert award.revoked_at is None
    assert Award.objects.count() == 1


def test_resend_queues_a_new_email(api, template):
    award = AwardFactory(template=template)
    response = api.post(f"/api/v1/awards/{award.public_id}/resend")
    assert response.status_code == 202
    assert OutboxMessage.objects.filter(award=award, kind__endswith=".resend").count() == 1
    award_revoked = AwardFactory(template=template, revoked_at=timezone.now())
    refused = api.post(f"/api/v1/awards/{award_revoked.public_id}/resend")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "revoked"


def test_list_filters_expired_and_valid_and_combine(api, template):
    now = timezone.now()
    expired = AwardFactory(
        template=template,
        issued_on=now - dt.timedelta(days=30),
        expires_at=now - dt.timedelta(days=1),
    )
    valid = AwardFactory(template=template, recipient_email="ada@example.com")
    AwardFactory(template=template, revoked_at=now, revocation_reason="x")

    def ids(query):
        return {a["id"] for a in api.get(f"/api/v1/awards?{query}").json()["data"]}

    assert ids("state=expired") == {expired.public_id}
    assert ids("state=valid") == {valid.public_id}
    assert ids("state=valid&email=ada@example.com") == {valid.public_id}
    assert ids("state=expired&email=ada@example.com") == set()


def test_page_size_is_capped_and_a_page_past_the_end_is_404(api, template):
    AwardFactory(template=template)
    assert api.get("/api/v1/awards?per=5000").json()["metadata"]["per"] == 200
    response = api.get("/api/v1/awards?page=9")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"

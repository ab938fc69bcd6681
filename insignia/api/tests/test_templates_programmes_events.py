from __future__ import annotations

import pytest

from insignia.api.tests.conftest import png_b64
from insignia.badges.models import BadgeTemplate, TemplateState
from insignia.core.models import AuditEvent
from insignia.testing.factories import AwardFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def _template_body(**extra):
    return {
        "name": "Cloud Architect",
        "description": "Designs cloud systems.",
        "skills": ["Cloud Computing", "Networking"],
        "criteria_markdown": "Pass the exam.",
        "image": png_b64(),
    } | extra


def test_create_template_then_list_and_get_it(api, issuer):
    programme = ProgrammeFactory(issuer=issuer)
    response = api.post(
        "/api/v1/templates",
        _template_body(
            programme_id=programme.public_id,
            state="active",
            validity_days=365,
            alignments=[{"target_name": "ESCO", "target_url": "https://esco.example/1"}],
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["state"] == "active"
    assert data["programme_id"] == programme.public_id
    assert sorted(data["skills"]) == ["Cloud Computing", "Networking"]
    assert data["alignments"][0]["target_name"] == "ESCO"
    assert data["image_url"].endswith(".png")
    event = AuditEvent.objects.get(verb="template.created")
    assert event.actor_label == "api:Exam system"
    listed = api.get("/api/v1/templates").json()
    assert [t["id"] for t in listed["data"]] == [data["id"]]
    assert api.get(f"/api/v1/templates/{data['id']}").json()["data"]["name"] == "Cloud Architect"


def test_template_image_must_be_a_png_or_svg(api):
    response = api.post("/api/v1/templates", _template_body(image="bm90IGFuIGltYWdl"), "json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "image"
    bad_b64 = api.post("/api/v1/templates", _template_body(image="%%%"), format="json")
    assert bad_b64.json()["errors"][0]["field"] == "image"
    assert BadgeTemplate.objects.count() == 0


def test_update_replaces_fields_and_can_activate(api, issuer):
    created = api.post("/api/v1/templates", _template_body(), format="json").json()["data"]
    body = _template_body(name="Cloud Architect II", state="active")
    del body["image"]
    response = api.put(f"/api/v1/templates/{created['id']}", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["name"] == "Cloud Architect II"
    assert response.json()["data"]["state"] == "active"
    assert AuditEvent.objects.filter(verb="template.changed").count() == 1


def test_delete_archives_and_keeps_issued_badges(api, template):
    award = AwardFactory(template=template)
    response = api.delete(f"/api/v1/templates/{template.public_id}")
    assert response.status_code == 200
    assert response.json()["data"]["state"] == "archived"
    template.refresh_from_db()
    assert template.state == TemplateState.ARCHIVED
    assert api.get(f"/api/v1/awards/{award.public_id}").status_code == 200


def test_programmes_list_and_get_only_the_issuers_own(api, issuer, other_issuer):
    mine = ProgrammeFactory(issuer=issuer)
    theirs = ProgrammeFactory(issuer=other_issuer)
    listed = api.get("/api/v1/programmes").json()["data"]
    assert [p["id"] for p in listed] == [mine.public_id]
    assert api.get(f"/api/v1/programmes/{mine.public_id}").json()["data"]["name"] == mine.name
    assert api.get(f"/api/v1/programmes/{theirs.public_id}").status_code == 404


def test_events_feed_is_the_issuers_audit_trail_in_order(api, template, other_issuer):
    from insignia.api.tests.conftest import client_for
    from insignia.testing.factories import BadgeTemplateFactory

    body = {"template_id": template.public_id, "recipient_name": "A"}
    api.post("/api/v1/awards", body | {"recipient_email": "a@example.com"}, format="json")
    client_for(other_issuer).post(
        "/api/v1/awards",
        {
            "template_id": BadgeTemplateFactory(issuer=other_issuer).public_id,
            "recipient_name": "B",
            "recipient_email": "b@example.com",
        },
        format="json",
    )
    events = api.get("/api/v1/events?verb=award.issued").json()["data"]
    assert len(events) == 1
    assert events[0]["after"]["recipient_email"] == "a@example.com"
    assert events[0]["actor"] == "api:Exam system"
    last = api.get("/api/v1/events").json()["data"][-1]["id"]
    assert api.get(f"/api/v1/events?after_id={last}").json()["data"] == []

"""Programmes through the API: create with templates, partial update, status transitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.badges.models import Programme, ProgrammeStatus
from insignia.core.models import AuditEvent
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_create_a_programme_with_templates(api, issuer):
    a, b = BadgeTemplateFactory(issuer=issuer), BadgeTemplateFactory(issuer=issuer)
    response = api.post(
        "/api/v1/programmes",
        {
            "name": "Cloud track",
            "effective_date": "2024-01-01",
            "status": "active",
            "template_ids": [a.public_id, b.public_id],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["name"], data["status"], data["effective_date"]) == (
        "Cloud track",
        "active",
        "2024-01-01",
    )
    assert data["slug"] == "cloud-track"
    programme = Programme.objects.get(public_id=data["id"])
    assert set(programme.templates.all()) == {a, b}
    event = AuditEvent.objects.get(verb="programme.created", object_id=programme.public_id)
    assert event.actor_label == "api:Exam system"
    assert sorted(event.after["templates"]) == sorted([a.public_id, b.public_id])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "terminated"}, "status"),
        ({"effective_date": "soon"}, "effective_date"),
        ({"name": 7}, "name"),
        ({"template_ids": "abc"}, "template_ids"),
        ({"colour": "red"}, "colour"),
        ({"template_ids": ["nope"]}, "template_ids"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(api, body, field):
    base = {"name": "Cloud track", "effective_date": "2024-01-01"}
    response = api.post("/api/v1/programmes", base | body, format="json")
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Programme.objects.exists()


def test_create_refuses_another_issuers_template(api, other_issuer):
    theirs = BadgeTemplateFactory(issuer=other_issuer)
    body = {"name": "X", "effective_date": "2024-01-01", "template_ids": [theirs.public_id]}
    response = api.post("/api/v1/programmes", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "template_ids"
    theirs.refresh_from_db()
    assert theirs.programme_id is None


def test_patch_changes_only_what_is_sent_and_records_it(api, issuer):
    programme = ProgrammeFactory(issuer=issuer, name="Old", effective_date=dt.date(2024, 1, 1))
    url = f"/api/v1/programmes/{programme.public_id}"
    response = api.patch(url, {"name": "New", "effective_date": "2023-06-01"}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["name"], data["effective_date"], data["status"]) == ("New", "2023-06-01", "active")
    event = AuditEvent.objects.get(verb="programme.changed", object_id=programme.public_id)
    assert event.before == {"name": "Old", "effective_date": "2024-01-01"}
    assert event.after == {"name": "New", "effective_date": "2023-06-01"}


def test_status_moves_pilot_to_active_to_terminated_and_then_stays(api, issuer):
    programme = ProgrammeFactory(issuer=issuer, status=ProgrammeStatus.PILOT)
    url = f"/api/v1/programmes/{programme.public_id}"
    assert api.patch(url, {"status": "active"}, format="json").json()["data"]["status"] == "active"
    no_note = api.patch(url, {"status": "terminated"}, format="json")
    assert no_note.status_code == 400
    assert no_note.json()["errors"][0]["field"] == "termination_note"
    done = api.patch(
        url,
        {"status": "terminated", "termination_note": "Badges stay valid until they expire."},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["data"]["status"] == "terminated"
    assert done.json()["data"]["terminated_at"] is not None
    again = api.patch(url, {"status": "active"}, format="json")
    assert again.status_code == 400
    moved = api.patch(url, {"effective_date": "2020-01-01"}, format="json")
    assert moved.status_code == 400
    assert moved.json()["errors"][0]["field"] == "effective_date"
    renamed = api.patch(url, {"name": "Legacy track"}, format="json")
    assert renamed.status_code == 200


def test_effective_date_cannot_pass_a_badge_already_issued(api, issuer):
    programme = ProgrammeFactory(issuer=issuer, effective_date=dt.date(2020, 1, 1))
    template = BadgeTemplateFactory(issuer=issuer, programme=programme)
    AwardFactory(template=template, issued_on=timezone.now() - dt.timedelta(days=400))
    later = (timezone.now() - dt.timedelta(days=10)).date().isoformat()
    response = api.patch(
        f"/api/v1/programmes/{programme.public_id}", {"effective_date": later}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "effective_date"
    programme.refresh_from_db()
    assert programme.effective_date == dt.date(2020, 1, 1)


def test_patch_template_ids_replaces_the_set(api, issuer):
    programme = ProgrammeFactory(issuer=issuer)
    kept = BadgeTemplateFactory(issuer=issuer, programme=programme)
    dropped = BadgeTemplateFactory(issuer=issuer, programme=programme)
    added = BadgeTemplateFactory(issuer=issuer)
    in_other = BadgeTemplateFactory(issuer=issuer, programme=ProgrammeFactory(issuer=issuer))
    url = f"/api/v1/programmes/{programme.public_id}"
    refused = api.patch(url, {"template_ids": [in_other.public_id]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "template_ids"
    response = api.patch(url, {"template_ids": [kept.public_id, added.public_id]}, format="json")
    assert response.status_code == 200
    assert set(programme.templates.all()) == {kept, added}
    dropped.refresh_from_db()
    assert dropped.programme_id is None


def test_another_issuers_programme_is_404_and_unchanged(api, other_issuer):
    theirs = ProgrammeFactory(issuer=other_issuer, name="Theirs")
    response = api.patch(f"/api/v1/programmes/{theirs.public_id}", {"name": "Mine"}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"

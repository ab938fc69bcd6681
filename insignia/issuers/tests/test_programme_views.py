"""Programmes through the web UI: create, move between pilot and active, terminate."""

from __future__ import annotations

from django.urls import reverse

from insignia.badges.models import Programme, ProgrammeStatus
from insignia.testing.factories import ProgrammeFactory


def test_create_programme(admin_client, issuer):
    url = reverse("issuer_ui:programme_create", args=[issuer.slug])
    response = admin_client.post(
        url,
        {
            "name": "Cloud track",
            "effective_date": "2025-03-01",
            "status": "active",
            "description": "",
        },
    )
    programme = Programme.objects.get(issuer=issuer)
    assert response["Location"] == reverse(
        "issuer_ui:programme_detail", args=[issuer.slug, programme.public_id]
    )
    assert (programme.slug, programme.status, str(programme.effective_date)) == (
        "cloud-track",
        "active",
        "2025-03-01",
    )


def test_create_programme_refuses_a_taken_name_and_a_bad_date(admin_client, issuer):
    ProgrammeFactory(issuer=issuer, slug="cloud-track")
    url = reverse("issuer_ui:programme_create", args=[issuer.slug])
    taken = admin_client.post(
        url, {"name": "Cloud track", "effective_date": "2025-03-01", "status": "pilot"}
    )
    assert "exists already" in taken.context["form"].non_field_errors()[0]
    bad_date = admin_client.post(
        url, {"name": "Other", "effective_date": "next week", "status": "pilot"}
    )
    assert bad_date.context["form"].errors["effective_date"]
    assert Programme.objects.count() == 1


def test_change_status_pilot_to_active(admin_client, issuer):
    programme = ProgrammeFactory(issuer=issuer, status=ProgrammeStatus.PILOT)
    url = reverse("issuer_ui:programme_status", args=[issuer.slug, programme.public_id])
    assert admin_client.post(url, {"status": "active"}).status_code == 302
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ACTIVE


def test_terminate_needs_a_note(admin_client, issuer):
    programme = ProgrammeFactory(issuer=issuer)
    url = reverse("issuer_ui:programme_status", args=[issuer.slug, programme.public_id])
    response = admin_client.post(url, {"status": "terminated", "termination_note": "  "})
    assert response.status_code == 200
    assert (
        "earners will see this note"
        in response.context["status_form"].errors["termination_note"][0]
    )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ACTIVE

    response = admin_client.post(
        url, {"status": "terminated", "termination_note": "Existing badges stay valid."}
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.TERMINATED
    assert programme.termination_note == "Existing badges stay valid."
    page = admin_client.get(
        reverse("issuer_ui:programme_detail", args=[issuer.slug, programme.public_id])
    )
    assert "Existing badges stay valid." in page.content.decode()
    assert "Terminate programme" not in page.content.decode()


def test_terminated_programme_cannot_be_revived(admin_client, issuer):
    programme = ProgrammeFactory(issuer=issuer, status=ProgrammeStatus.TERMINATED)
    url = reverse("issuer_ui:programme_status", args=[issuer.slug, programme.public_id])
    response = admin_client.post(url, {"status": "active"})
    assert "cannot be undone" in response.context["status_form"].errors["status"][0]
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.TERMINATED


def test_programme_list_shows_only_this_issuers(admin_client, issuer):
    ProgrammeFactory(issuer=issuer, name="Mine")
    ProgrammeFactory(name="Theirs")
    response = admin_client.get(reverse("issuer_ui:programme_list", args=[issuer.slug]))
    assert [p.name for p in response.context["programmes"]] == ["Mine"]

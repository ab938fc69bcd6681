"""Creating and editing badge templates through the web UI, and refusing bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from insignia.badges.models import Alignment, BadgeTemplate, ProgrammeStatus, TemplateState
from insignia.issuers.tests.payloads import alignment_management, template_post, upload
from insignia.testing.factories import BadgeTemplateFactory, ProgrammeFactory
from insignia.testing.images import SVG_BADGE, png_bytes

SVG_HEAD = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'width="64" height="64">'
)


def _svg(body: bytes, head: bytes = SVG_HEAD) -> bytes:
    return head + body + b"</svg>"


def _create_url(issuer) -> str:
    return reverse("issuer_ui:template_create", args=[issuer.slug])


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_create_with_png_stores_template_and_redirects_to_it(admin_client, issuer, settings):
    response = admin_client.post(_create_url(issuer), template_post())
    template = BadgeTemplate.objects.get(issuer=issuer, slug="kubernetes-administrator")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "issuer_ui:template_detail", args=[issuer.slug, template.public_id]
    )
    assert template.image_kind == "png"
    assert template.state == TemplateState.ACTIVE
    assert template.validity_days == 365
    assert sorted(template.skills.values_list("name", flat=True)) == ["Containers", "Kubernetes"]
    assert template.image.read() == png_bytes()


def test_create_with_svg(admin_client, issuer):
    response = admin_client.post(
        _create_url(issuer), template_post(image=upload("badge.svg", SVG_BADGE), state="draft")
    )
    assert response.status_code == 302
    template = BadgeTemplate.objects.get(issuer=issuer)
    assert template.image_kind == "svg"
    assert template.state == TemplateState.DRAFT


def test_create_with_alignments_programme_and_slug(admin_client, issuer):
    programme = ProgrammeFactory(issuer=issuer)
    data = template_post(
        slug="cka",
        programme=programme.public_id,
        **alignment_management(total=2),
        **{
            "alignments-0-target_name": "Kubernetes administration",
            "alignments-0-target_url": "https://framework.example/k8s",
            "alignments-0-target_framework": "SFIA",
            "alignments-0-target_code": "ITOP-4",
            "alignments-0-target_description": "Operates clusters.",
        },
    )
    assert admin_client.post(_create_url(issuer), data).status_code == 302
    template = BadgeTemplate.objects.get(issuer=issuer, slug="cka")
    assert template.programme == programme
    (alignment,) = template.alignments.all()
    assert (alignment.target_framework, alignment.target_code) == ("SFIA", "ITOP-4")


def test_programme_of_another_issuer_is_not_a_choice(admin_client, issuer):
    foreign = ProgrammeFactory()
    response = admin_client.post(_create_url(issuer), template_post(programme=foreign.public_id))
    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
    assert not BadgeTemplate.objects.exists()


def test_half_filled_alignment_row_is_refused(admin_client, issuer):
    data = template_post(**{"alignments-0-target_name": "Only a name"})
    response = admin_client.post(_create_url(issuer), data)
    assert response.status_code == 200
    assert response.context["alignments"].forms[0].errors["target_url"]
    assert not BadgeTemplate.objects.exists()


REFUSED_IMAGES = {
    "png named .svg": (upload("badge.svg", png_bytes()), "named .svg but contains a PNG"),
    "svg with script": (
        upload("badge.svg", _svg(b"<script>alert(1)</script>")),
        "<script> element",
    ),
    "svg with onload": (
        upload("badge.svg", _svg(b"", head=SVG_HEAD[:-1] + b' onload="alert(1)">')),
        "event handler",
    ),
    "svg with external image": (
        upload(
            "badge.svg", _svg(b'<image href="http://evil.example/x.png" width="9" height="9"/>')
        ),
        "may not reference other files",
    ),
    "png over pixel limit": (upload("big.png", png_bytes(5000, 20)), "pixels"),
    "text file": (upload("notes.txt", b"just some notes\n"), "neither"),
}


@pytest.mark.parametrize("case", REFUSED_IMAGES, ids=str)
def test_refused_image_leaves_nothing_behind(admin_client, issuer, settings, case):
    image, message = REFUSED_IMAGES[case]
    response = admin_client.post(_create_url(issuer), template_post(image=image))
    assert response.status_code == 200
    errors = response.context["form"].errors["image"]
    assert any(message in error for error in errors), errors
    assert not BadgeTemplate.objects.exists()
    assert _stored_files(settings) == []


def test_image_over_size_limit_is_refused_before_reading(admin_client, issuer, settings):
    settings.INSIGNIA_IMAGE_MAX_BYTES = 1024
    response = admin_client.post(
        _create_url(issuer),
        template_post(image=upload("big.png", png_bytes(300, 300, (1, 2, 3)) + b"\0" * 2048)),
    )
    assert response.status_code == 200
    assert "the limit is 1 KB" in response.context["form"].errors["image"][0]
    assert not BadgeTemplate.objects.exists()
    assert _stored_files(settings) == []


def test_missing_skills_are_refused(admin_client, issuer, settings):
    response = admin_client.post(_create_url(issuer), template_post(skills=" , "))
    assert response.context["form"].errors["skills"] == [
        "List at least one skill the badge stands for."
    ]
    assert not BadgeTemplate.objects.exists()
    assert _stored_files(settings) == []


def test_no_criteria_is_refused(admin_client, issuer):
    response = admin_client.post(
        _create_url(issuer), template_post(criteria_url="", criteria_markdown="  ")
    )
    assert "criteria" in response.context["form"].errors["criteria_markdown"][0]
    assert not BadgeTemplate.objects.exists()


def test_slug_taken_is_shown_on_the_slug_field(admin_client, issuer):
    BadgeTemplateFactory(issuer=issuer, slug="kubernetes-administrator")
    response = admin_client.post(_create_url(issuer), template_post())
    assert "already uses the slug" in response.context["form"].errors["slug"][0]
    assert BadgeTemplate.objects.count() == 1


def test_create_requires_an_image(admin_client, issuer):
    response = admin_client.post(_create_url(issuer), template_post(image=None))
    assert response.context["form"].errors["image"]


def test_edit_keeps_image_when_none_uploaded_and_replaces_alignments(admin_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    Alignment.objects.create(template=template, target_name="Old", target_url="https://a.example")
    old_image = template.image.name
    url = reverse("issuer_ui:template_edit", args=[issuer.slug, template.public_id])
    page = admin_client.get(url)
    assert page.context["form"].initial["skills"] == "Cloud Computing"
    assert page.context["alignments"].forms[0].initial["target_name"] == "Old"

    data = template_post(
        name="New name",
        slug=template.slug,
        image=None,
        **alignment_management(total=2, initial=1),
        **{
            "alignments-0-target_name": "Old",
            "alignments-0-target_url": "https://a.example",
            "alignments-0-DELETE": "on",
            "alignments-1-target_name": "New",
            "alignments-1-target_url": "https://b.example",
        },
    )
    assert admin_client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.name == "New name"
    assert template.image.name == old_image
    assert list(template.alignments.values_list("target_name", flat=True)) == ["New"]


def test_edit_with_new_svg_image(admin_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    url = reverse("issuer_ui:template_edit", args=[issuer.slug, template.public_id])
    data = template_post(slug=template.slug, image=upload("new.svg", SVG_BADGE))
    assert admin_client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.image_kind == "svg"
    assert template.image.read() == SVG_BADGE


def test_editing_an_archived_template_shows_the_service_refusal(admin_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, state=TemplateState.ARCHIVED)
    url = reverse("issuer_ui:template_edit", args=[issuer.slug, template.public_id])
    response = admin_client.post(url, template_post(slug=template.slug, image=None))
    assert response.status_code == 200
    assert "restore it first" in response.context["form"].non_field_errors()[0]


@pytest.mark.parametrize(
    ("start", "target", "end"),
    [
        (TemplateState.DRAFT, "active", TemplateState.ACTIVE),
        (TemplateState.ACTIVE, "archived", TemplateState.ARCHIVED),
        (TemplateState.ARCHIVED, "active", TemplateState.ACTIVE),
        (TemplateState.ACTIVE, "draft", TemplateState.ACTIVE),  # refused: no way back to draft
    ],
)
def test_state_buttons(admin_client, issuer, start, target, end):
    template = BadgeTemplateFactory(issuer=issuer, state=start)
    url = reverse("issuer_ui:template_state", args=[issuer.slug, template.public_id])
    response = admin_client.post(url, {"state": target}, follow=True)
    template.refresh_from_db()
    assert template.state == end
    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 1


def test_list_filters_by_state_and_searches(admin_client, issuer):
    BadgeTemplateFactory(issuer=issuer, name="Azure Fundamentals", state=TemplateState.ACTIVE)
    BadgeTemplateFactory(issuer=issuer, name="Azure Architect", state=TemplateState.DRAFT)
    BadgeTemplateFactory(issuer=issuer, name="Security Engineer", state=TemplateState.ACTIVE)
    BadgeTemplateFactory(name="Azure elsewhere")  # another issuer's
    url = reverse("issuer_ui:template_list", args=[issuer.slug])

    def names(params):
        return sorted(t.name for t in admin_client.get(url, params).context["page"])

    assert names({}) == ["Azure Architect", "Azure Fundamentals", "Security Engineer"]
    assert names({"q": "azure"}) == ["Azure Architect", "Azure Fundamentals"]
    assert names({"state": "active"}) == ["Azure Fundamentals", "Security Engineer"]
    assert names({"q": "azure", "state": "draft"}) == ["Azure Architect"]


def test_detail_of_another_issuers_template_is_404(admin_client, issuer):
    foreign = BadgeTemplateFactory()
    url = reverse("issuer_ui:template_detail", args=[issuer.slug, foreign.public_id])
    assert admin_client.get(url).status_code == 404


def test_terminated_programmes_are_not_offered_for_new_templates(admin_client, issuer):
    live = ProgrammeFactory(issuer=issuer, name="Live")
    ProgrammeFactory(issuer=issuer, name="Ended", status=ProgrammeStatus.TERMINATED)
    form = admin_client.get(_create_url(issuer)).context["form"]
    assert list(form.fields["programme"].queryset) == [live]

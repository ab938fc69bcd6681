"""Baked badge images carry exactly the JSON served at the badge URL."""

import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from insignia.openbadges.baking import unbake_png, unbake_svg
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory
from insignia.testing.images import SVG_BADGE, png_bytes
from insignia.verification.tests.conftest import LD

pytestmark = pytest.mark.django_db


@pytest.fixture
def svg_award(issuer):
    template = BadgeTemplateFactory(
        issuer=issuer, image=ContentFile(SVG_BADGE, name="badge.svg"), image_kind="svg"
    )
    return AwardFactory(template=template)


def served_json(client, award):
    return client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD).content


def test_baked_png_unbakes_to_the_served_assertion(client, award):
    response = client.get(f"/badges/{award.public_id}/image.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    baked = unbake_png(response.content)
    assert baked is not None
    assert baked.encode() == served_json(client, award)
    assert json.loads(baked)["id"] == f"http://testserver/badges/{award.public_id}"


def test_baked_svg_unbakes_to_the_served_assertion_and_is_locked_down(client, svg_award):
    response = client.get(f"/badges/{svg_award.public_id}/image.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert unbake_svg(response.content).encode() == served_json(client, svg_award)
    assert f'verify="http://testserver/badges/{svg_award.public_id}"'.encode() in response.content


def test_the_other_extension_is_404(client, award, svg_award):
    assert client.get(f"/badges/{award.public_id}/image.svg").status_code == 404
    assert client.get(f"/badges/{svg_award.public_id}/image.png").status_code == 404
    assert client.get(f"/badges/{award.public_id}/image.gif").status_code == 404
    assert client.get(f"/templates/{award.template.public_id}/image.svg").status_code == 404


def test_download_is_an_attachment_named_after_the_template(client, award):
    inline = client.get(f"/badges/{award.public_id}/image.png")
    assert inline["Content-Disposition"].startswith("inline")
    download = client.get(f"/badges/{award.public_id}/image.png?download=1")
    assert download["Content-Disposition"] == (
        f'attachment; filename="{award.template.slug}-{award.public_id}.png"'
    )


def test_rebaked_after_the_award_changes(client, award):
    first = unbake_png(client.get(f"/badges/{award.public_id}/image.png").content)
    award.narrative = "Now with a narrative."
    award.save()
    second = unbake_png(client.get(f"/badges/{award.public_id}/image.png").content)
    assert first != second
    assert second.encode() == served_json(client, award)


def test_template_image_is_served_plain_with_long_cache(client, issuer):
    original = png_bytes(80, 80)
    template = BadgeTemplateFactory(issuer=issuer, image=ContentFile(original, name="b.png"))
    response = client.get(f"/templates/{template.public_id}/image.png")
    assert response.content == original
    assert response["Cache-Control"] == "public, max-age=86400"


def test_template_svg_image_has_the_svg_headers(client, svg_award):
    response = client.get(f"/templates/{svg_award.template.public_id}/image.svg")
    assert response.content == SVG_BADGE
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"


def test_revoked_award_has_no_baked_image(client, award):
    award.revoked_at = timezone.now()
    award.save()
    response = client.get(f"/badges/{award.public_id}/image.png")
    assert response.status_code == 410
    assert "public" not in response["Cache-Control"]

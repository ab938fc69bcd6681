"""SVG badges are rasterised into the share image (resvg); unsafe or broken SVGs get the medal."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from insignia.sharing import images
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory
from insignia.testing.images import SVG_BADGE

pytestmark = pytest.mark.django_db

# A point inside the badge circle of insignia.testing.images.SVG_BADGE, clear of its "AZ" text.
_PROBE = (70 + images.BADGE_BOX // 2, (images.HEIGHT - images.BADGE_BOX) // 2 + 60)
_SVG_FILL = (0x2A, 0x4F, 0xD6)
_PLACEHOLDER_FILL = (26, 79, 163)


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], slack: int = 6) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel[:3], colour, strict=True))


def _share_png_pixel(client, issuer, svg: bytes) -> tuple[int, ...]:
    template = BadgeTemplateFactory(
        issuer=issuer, image=ContentFile(svg, name="b.svg"), image_kind="svg"
    )
    award = AwardFactory(template=template)
    response = client.get(f"/badges/{award.public_id}/share.png")
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (images.WIDTH, images.HEIGHT)
        pixel: tuple[int, ...] = image.convert("RGB").getpixel(_PROBE)  # type: ignore[assignment]
        return pixel


def test_an_svg_badge_is_drawn_into_the_share_image(client, issuer):
    pixel = _share_png_pixel(client, issuer, SVG_BADGE)
    assert _near(pixel, _SVG_FILL), pixel
    assert not _near(pixel, _PLACEHOLDER_FILL)


def test_an_svg_failing_the_upload_checks_gets_the_placeholder(client, issuer, tmp_path):
    # Stored behind the upload checks' back: a local file reference must never be followed.
    local = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(local)
    svg = SVG_BADGE.replace(
        b"</svg>", f'<image href="{local}" width="120" height="120"/></svg>'.encode()
    )
    pixel = _share_png_pixel(client, issuer, svg)
    assert _near(pixel, _PLACEHOLDER_FILL), pixel


def test_svg_to_png_fits_the_box_and_refuses_what_it_must_not_draw(settings):
    png = images.svg_to_png(SVG_BADGE, size=200)
    assert png is not None
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (200, 200)
    nested = SVG_BADGE.replace(
        b"</svg>", b'<image href="data:image/svg+xml;base64,PHN2Zy8+" width="9"/></svg>'
    )
    assert images.svg_to_png(nested) is None
    assert images.svg_to_png(b"<svg") is None
    assert images.svg_to_png(b"\x89PNG\r\n\x1a\n") is None
    settings.INSIGNIA_IMAGE_MAX_BYTES = len(SVG_BADGE) - 1
    assert images.svg_to_png(SVG_BADGE) is None

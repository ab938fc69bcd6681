"""Badge image checks: what a PNG or SVG must be before it goes on a badge."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from insignia.badges.images import check_badge_image, image_size_error
from insignia.core.errors import ServiceError
from insignia.testing.images import SVG_BADGE, png_bytes

SVG_OPEN = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'width="64" height="64">'
)


def svg(body: bytes) -> bytes:
    return SVG_OPEN + body + b"</svg>"


def refused(data: bytes, filename: str = "badge.svg") -> str:
    with pytest.raises(ServiceError) as excinfo:
        check_badge_image(data, filename=filename)
    assert excinfo.value.field == "image"
    assert excinfo.value.code == "invalid_image"
    return excinfo.value.message


def png_with_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width``×``height``, with one tiny compressed IDAT.

    It is a few hundred bytes however large it claims to be, like a decompression bomb.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- Accepted -------------------------------------------------------------------------------


def test_good_png_is_accepted_byte_for_byte():
    data = png_bytes(120, 100)
    checked = check_badge_image(data, filename="badge.png")
    assert (checked.kind, checked.width, checked.height) == ("png", 120, 100)
    assert checked.data is data


def test_good_svg_is_accepted_with_its_size():
    checked = check_badge_image(SVG_BADGE, filename="badge.svg")
    assert (checked.kind, checked.width, checked.height) == ("svg", 120, 120)


@pytest.mark.parametrize(
    "body",
    [
        b'<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
        b'<rect width="9" height="9" fill="url(#g)"/><use xlink:href="#g"/>',
        b'<style>circle { fill: url(#g); }</style><circle r="4"/>',
        b'<image href="data:image/png;base64,iVBORw0KGgo=" width="9" height="9"/>',
    ],
    ids=["internal references", "internal css url", "embedded png"],
)
def test_svg_with_only_internal_references_is_accepted(body):
    assert check_badge_image(svg(body), filename="badge.svg").kind == "svg"


def test_svg_size_from_viewbox_and_utf8_bom():
    data = b'\xef\xbb\xbf<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 200"></svg>'
    checked = check_badge_image(data, filename="badge.svg")
    assert (checked.width, checked.height) == (300, 200)


# --- SVG refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (svg(b"<script>alert(1)</script>"), "<script> element"),
        (svg(b'<script xlink:href="https://evil.example/x.js"/>'), "<script> element"),
        (svg(b'<circle r="4" onclick="alert(1)"/>'), "event handler (onclick=)"),
        (SVG_OPEN[:-1] + b' onload="alert(1)"></svg>', "event handler (onload=)"),
        (
            svg(b'<a href="javascript:alert(1)"><circle r="4"/></a>'),
            "links to 'javascript:alert(1)'",
        ),
        (
            svg(b'<set attributeName="fill" to="javascript:alert(1)"/>'),
            "script URL in to=",
        ),
        (svg(b'<use xlink:href="https://evil.example/sprite.svg#a"/>'), "may not reference"),
        (svg(b'<image href="http://evil.example/track.png"/>'), "may not reference"),
        (
            svg(
                b"<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>hi</div></foreignObject>"
            ),
            "<foreignobject> element",
        ),
        (svg(b'<style>@import url("https://evil.example/a.css");</style>'), "<style> loads"),
        (svg(b"<style>rect { fill: url(http://evil.example/p.svg#x) }</style>"), "<style> loads"),
        (svg(b"<rect style=\"fill: url('https://evil.example/p')\"/>"), "style loads"),
        (svg(b"<iframe/>"), "<iframe> element"),
        (
            b'<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/a.css"?>' + svg(b""),
            "links a stylesheet",
        ),
        (
            svg(b'<a><animate attributeName="href" values="#a;javascript:alert(1)"/></a>'),
            "animates a link",
        ),
    ],
    ids=[
        "script",
        "external script",
        "onclick",
        "onload on root",
        "javascript href",
        "javascript in animation",
        "external xlink:href",
        "external image",
        "foreignObject",
        "css @import",
        "css url(http)",
        "style attribute url",
        "iframe",
        "xml-stylesheet",
        "animated href",
    ],
)
def test_dangerous_svg_is_refused_with_a_clear_message(data, message):
    assert message in refused(data)


def test_billion_laughs_is_refused():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY lol "lol">\n'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1 if i > 1 else "") + ";") * 10}">\n'.encode()
            for i in range(1, 10)
        )
        + b']>\n<svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>'
    )
    assert "entities" in refused(bomb)


def test_external_entity_is_refused():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    )
    assert "entities" in refused(xxe)


def test_malformed_svg_and_non_svg_root_are_refused():
    assert "not well-formed" in refused(b"<svg><circle></svg>")
    assert "root element is not <svg>" in refused(b'<?xml version="1.0"?><html></html>')


def test_svg_named_png_is_refused():
    assert "Rename it .svg" in refused(SVG_BADGE, filename="badge.png")


# --- PNG and other files refused -------------------------------------------------------------


def test_png_named_svg_is_refused():
    assert "Rename it .png" in refused(png_bytes(), filename="badge.svg")


def test_png_with_oversized_dimensions_is_refused(settings):
    settings.INSIGNIA_IMAGE_MAX_SIDE = 256
    assert "300×20 pixels" in refused(png_bytes(300, 20), filename="wide.png")


def test_png_over_pixel_budget_is_refused(settings):
    settings.INSIGNIA_IMAGE_MAX_PIXELS = 100 * 100
    assert "pixels" in refused(png_bytes(101, 100), filename="b.png")


def test_png_decompression_bomb_is_refused_without_decoding():
    bomb = png_with_header(60_000, 60_000)
    assert len(bomb) < 1024
    assert "60000×60000 pixels" in refused(bomb, filename="bomb.png")


def test_tiny_and_damaged_pngs_are_refused():
    assert "at least 16×16" in refused(png_bytes(8, 8), filename="tiny.png")
    assert "damaged" in refused(png_bytes()[:60], filename="cut.png")


def test_oversized_file_is_refused_by_bytes(settings):
    settings.INSIGNIA_IMAGE_MAX_BYTES = 2048
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 100).save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 2048
    assert "the limit is 2 KB" in refused(buffer.getvalue(), filename="noise.png")
    assert image_size_error(2048) is None
    assert image_size_error(2049) is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello, this is a text file\n", "neither"),
        (b"GIF89a" + b"\0" * 32, "neither"),
    ],
)
def test_other_files_are_refused(data, message):
    assert message in refused(data, filename="upload.bin")


def test_png_with_a_bad_chunk_crc_is_refused_at_upload():
    from insignia.testing.images import png_bytes

    data = bytearray(png_bytes())
    data[-5] ^= 0xFF  # last byte of the IEND CRC
    with pytest.raises(ServiceError, match="damaged"):
        check_badge_image(bytes(data), filename="badge.png")

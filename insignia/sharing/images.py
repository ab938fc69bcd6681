"""Generated images: the 1200×630 share image (Open Graph / Twitter card) and QR codes.

The share image is drawn with Pillow (text is drawn literally, so injected markup is inert) and
stored once per award in the default storage under a name holding a hash of every value it
shows: change the badge name, issuer, earner name or template image and the next request renders
a new file. SVG template images are rasterised with resvg (a Rust renderer in a self-contained
wheel: no cairo or other system libraries), after the upload checks are run again; an SVG that
fails them, or that resvg cannot draw, gets a drawn placeholder medal with the badge's initials.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg
import resvg_py
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from insignia.badges.images import check_badge_image
from insignia.core.errors import ServiceError

WIDTH, HEIGHT = 1200, 630
BADGE_BOX = 420
_BACKGROUND = (246, 248, 252)
_ACCENT = (26, 79, 163)
_INK = (24, 32, 48)
_MUTED = (85, 96, 112)
RENDER_VERSION = "2"  # bump when the drawing changes, so stored images are redrawn


@dataclass(frozen=True)
class ShareCard:
    """Everything the share image shows."""

    key: str  # the award's (or profile's) public id: the storage folder
    title: str
    lines: tuple[str, ...]  # smaller lines under the title
    badge_png: bytes | None  # a PNG to draw on the left; None draws a placeholder
    footer: str

    def digest(self) -> str:
        h = hashlib.blake2b(digest_size=12)
        for part in (RENDER_VERSION, self.title, *self.lines, self.footer):
            h.update(part.encode("utf-8") + b"\0")
        h.update(hashlib.blake2b(self.badge_png or b"", digest_size=16).digest())
        return h.hexdigest()


_FONTS = Path(__file__).resolve().parent / "fonts"


@functools.cache
def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    # DejaVu ships with the app (Pillow's built-in font has no accented letters).
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(_FONTS / name), size)


def _initials(title: str) -> str:
    return "".join(word[0] for word in title.split()[:3] if word[:1].isalnum()).upper() or "★"


# A data: URL holding another SVG is a document resvg would parse with its own resolution
# rules; the upload check only looks at the outer one, so such images are not rasterised.
_NESTED_SVG = re.compile(rb"data:image/svg", re.IGNORECASE)


def svg_to_png(svg: bytes, *, size: int = BADGE_BOX) -> bytes | None:
    """A PNG of ``svg`` fitted in ``size``×``size`` pixels, or None when it must not be drawn.

    The stored SVG passed the upload checks (no external references, scripts or stylesheets);
    they run again here, so nothing that slipped in by another path can make the renderer read
    a file or a URL (resvg never fetches URLs; it does read local paths given as hrefs). The
    input is capped at the upload limit and the output at ``size`` pixels a side; resvg has no
    time limit of its own, so those caps, and rendering once per image (callers cache the
    result by content), are what bound the work."""
    if len(svg) > settings.INSIGNIA_IMAGE_MAX_BYTES or _NESTED_SVG.search(svg):
        return None
    try:
        if check_badge_image(svg, filename="badge.svg").kind != "svg":
            return None
        text = svg.decode("utf-8-sig")
    except (ServiceError, UnicodeDecodeError):
        return None
    try:
        png = resvg_py.svg_to_bytes(
            svg_string=text,
            width=size,
            height=size,
            # Only the bundled fonts: no scan of the host's fonts per render, same output anywhere.
            skip_system_fonts=True,
            font_files=[str(_FONTS / "DejaVuSans.ttf"), str(_FONTS / "DejaVuSans-Bold.ttf")],
            font_family="DejaVu Sans",
            sans_serif_family="DejaVu Sans",
            serif_family="DejaVu Sans",
            monospace_family="DejaVu Sans",
        )
    except (ValueError, RuntimeError, OSError):
        return None
    data = bytes(png)
    return data if data.startswith(b"\x89PNG") else None


def _draw_badge(canvas: Image.Image, card: ShareCard) -> None:
    left, top = 70, (HEIGHT - BADGE_BOX) // 2
    if card.badge_png is not None:
        try:
            with Image.open(io.BytesIO(card.badge_png)) as source:
                source.draft("RGBA", (BADGE_BOX, BADGE_BOX))
                badge = source.convert("RGBA")
            badge.thumbnail((BADGE_BOX, BADGE_BOX))
            x = left + (BADGE_BOX - badge.width) // 2
            y = top + (BADGE_BOX - badge.height) // 2
            canvas.paste(badge, (x, y), badge)
            return
        except (OSError, ValueError):
            pass  # an unreadable image falls back to the placeholder
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((left, top, left + BADGE_BOX, top + BADGE_BOX), fill=_ACCENT)
    inset = 24
    draw.ellipse(
        (left + inset, top + inset, left + BADGE_BOX - inset, top + BADGE_BOX - inset),
        outline=(255, 255, 255),
        width=6,
    )
    draw.text(
        (left + BADGE_BOX // 2, top + BADGE_BOX // 2),
        _initials(card.title),
        font=_font(120, bold=True),
        fill=(255, 255, 255),
        anchor="mm",
    )


def render_share_image(card: ShareCard) -> bytes:
    canvas = Image.new("RGBA", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, 12), fill=_ACCENT)
    _draw_badge(canvas, card)
    x = 70 + BADGE_BOX + 60
    y = 150
    title_font = _font(44, bold=True)
    for line in textwrap.wrap(card.title, width=24, max_lines=3, placeholder="…"):
        draw.text((x, y), line, font=title_font, fill=_INK)
        y += 58
    y += 20
    body_font = _font(34)
    for text in card.lines:
        for line in textwrap.wrap(text, width=36, max_lines=2, placeholder="…"):
            draw.text((x, y), line, font=body_font, fill=_MUTED)
            y += 46
    draw.text((x, HEIGHT - 70), card.footer, font=_font(28), fill=_ACCENT)
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()


def share_image(card: ShareCard) -> bytes:
    """The stored share image for ``card``, rendered on first use or when it changed."""
    name = f"share/{card.key}/{card.digest()}.png"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            data: bytes = handle.read()
            return data
    data = render_share_image(card)
    _forget_older(card.key, keep=name)
    default_storage.save(name, ContentFile(data))
    return data


def _forget_older(key: str, *, keep: str) -> None:
    # Earlier renderings of this award are never served again; do not let them pile up.
    try:
        _, files = default_storage.listdir(f"share/{key}")
    except (FileNotFoundError, NotImplementedError):
        return
    for file in files:
        path = f"share/{key}/{file}"
        if path != keep:
            default_storage.delete(path)


# --- QR codes ------------------------------------------------------------------------------------


def qr_svg(data: str) -> bytes:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_png(data: str) -> bytes:
    image = qrcode.make(data, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()

"""Real image bytes for tests, made with Pillow so every check downstream sees a true file."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(
    width: int = 64, height: int = 64, color: tuple[int, int, int] = (42, 79, 214)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


SVG_BADGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
    b'<circle cx="60" cy="60" r="56" fill="#2a4fd6"/>'
    b'<text x="60" y="68" font-size="24" text-anchor="middle" fill="#fff">AZ</text></svg>\n'
)

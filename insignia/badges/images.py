"""Validation of uploaded badge images (PNG and SVG).

Uploads are refused rather than silently repaired: an issuer who uploaded an SVG with a script
should learn that, not find a different picture on their badges. PNGs are checked with Pillow
(decoded headers, pixel limits) but stored byte for byte; SVGs are parsed with defusedxml (no
entities, no external DTDs) and must contain no scripts, event handlers or external references.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from insignia.core.errors import ServiceError
from insignia.openbadges.baking import BakingError, check_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run code or pull in other documents; none has a place in a badge picture.
_FORBIDDEN_ELEMENTS = {
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
}
_CSS_EXTERNAL = re.compile(r"(@import|url\(\s*['\"]?\s*(?!#|data:image/))", re.IGNORECASE)
_JS_URL = re.compile(r"^\s*(javascript|vbscript|data:(?!image/(png|jpeg|gif|webp)))", re.IGNORECASE)
# The parser drops processing instructions, so look for a stylesheet link in the raw bytes.
_XML_STYLESHEET = re.compile(rb"<\?xml-stylesheet", re.IGNORECASE)
# Animation elements can rewrite a link after the checks below have looked at it.
_ANIMATION_ELEMENTS = {"animate", "set", "animatemotion", "animatetransform"}


@dataclass(frozen=True)
class CheckedImage:
    kind: str  # "png" | "svg"
    data: bytes
    width: int | None
    height: int | None


def _field_error(message: str) -> ServiceError:
    return ServiceError(message, field="image", code="invalid_image")


def image_size_error(size: int) -> str | None:
    """The message for a file of ``size`` bytes over the limit, or None when it is within.

    Upload forms call this on the declared size before reading a file into memory.
    """
    max_bytes: int = settings.INSIGNIA_IMAGE_MAX_BYTES
    if size <= max_bytes:
        return None
    return (
        f"The image is {size // 1024} KB; the limit is {max_bytes // 1024} KB. Export it smaller."
    )


def check_badge_image(data: bytes, *, filename: str = "") -> CheckedImage:
    """Return the image if it is an acceptable PNG or SVG, else raise ServiceError."""
    if not data:
        raise _field_error("The image file is empty.")
    if message := image_size_error(len(data)):
        raise _field_error(message)
    lower = filename.lower()
    if data.startswith(PNG_MAGIC):
        if lower.endswith(".svg"):
            raise _field_error("The file is named .svg but contains a PNG image. Rename it .png.")
        return _check_png(data)
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()  # tolerate a UTF-8 BOM
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")):
        if lower.endswith(".png"):
            raise _field_error("The file is named .png but contains SVG. Rename it .svg.")
        return _check_svg(data)
    raise _field_error("Upload a PNG or SVG image; this file is neither.")


def _check_png(data: bytes) -> CheckedImage:
    max_pixels: int = settings.INSIGNIA_IMAGE_MAX_PIXELS
    max_side: int = settings.INSIGNIA_IMAGE_MAX_SIDE
    # Read the size from the IHDR chunk (always first) before Pillow sees the file: Pillow
    # refuses a decompression bomb with an error of its own, which would reach the issuer as
    # "damaged" instead of "too large".
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise _field_error("The PNG file is damaged or incomplete (no IHDR header).")
    width, height = struct.unpack(">II", data[16:24])
    if width * height > max_pixels or max(width, height) > max_side:
        raise _field_error(
            f"The image is {width}×{height} pixels; the limit is {max_side} pixels a side "
            f"and {max_pixels:,} pixels in all."
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            img.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise _field_error(f"The PNG file is damaged or incomplete ({exc}).") from exc
    # Every chunk's length and CRC are checked once here, so baking this stored file for each
    # award can skip re-checking the chunks it copies unchanged (see verification.images).
    try:
        check_png(data)
    except BakingError as exc:
        raise _field_error(f"The PNG file is damaged: {exc}.") from exc
    if width < 16 or height < 16:
        raise _field_error(f"The image is {width}×{height} pixels; use at least 16×16.")
    return CheckedImage(kind="png", data=data, width=width, height=height)


def _check_svg(data: bytes) -> CheckedImage:
    try:
        root = SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise _field_error(f"The SVG is not well-formed XML ({exc}).") from exc
    except Exception as exc:  # defusedxml raises its own types for entities and DTDs
        raise _field_error(
            f"The SVG uses XML features we do not accept (entities or external DTDs): {exc}."
        ) from exc
    if _local(root.tag) != "svg":
        raise _field_error("The file's root element is not <svg>.")
    if _XML_STYLESHEET.search(data):
        raise _field_error("The SVG links a stylesheet (<?xml-stylesheet?>); inline the styles.")
    for element in root.iter():
        name = _local(element.tag).lower()
        if name in _FORBIDDEN_ELEMENTS:
            raise _field_error(f"The SVG contains a <{name}> element; remove it and upload again.")
        if name in _ANIMATION_ELEMENTS and element.get("attributeName", "").lower().endswith(
            "href"
        ):
            raise _field_error(f"The SVG animates a link with <{name}>; remove the animation.")
        for attr, value in element.attrib.items():
            attr_name = _local(attr).lower()
            if attr_name.startswith("on"):
                raise _field_error(
                    f"The SVG has an event handler ({attr_name}=) on <{name}>; remove it."
                )
            if attr_name == "href" and not (
                value.startswith("#") or value.startswith("data:image/")
            ):
                raise _field_error(
                    f"The SVG links to {value[:80]!r}; badge images may not reference other files."
                )
            if _JS_URL.match(value):
                raise _field_error(f"The SVG has a script URL in {attr_name}= on <{name}>.")
            if attr_name == "style" and _CSS_EXTERNAL.search(value):
                raise _field_error("The SVG style loads an external resource; inline it instead.")
        if name == "style" and element.text and _CSS_EXTERNAL.search(element.text):
            raise _field_error("The SVG <style> loads an external resource; inline it instead.")
    width, height = _svg_size(root.attrib)
    return CheckedImage(kind="svg", data=data, width=width, height=height)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def _svg_size(attrib: dict[str, str]) -> tuple[int | None, int | None]:
    def number(raw: str | None) -> int | None:
        if not raw:
            return None
        match = re.match(r"\s*([0-9.]+)", raw)
        return int(float(match.group(1))) if match else None

    width, height = number(attrib.get("width")), number(attrib.get("height"))
    if (width is None or height is None) and attrib.get("viewBox"):
        parts = attrib["viewBox"].replace(",", " ").split()
        if len(parts) == 4:
            width, height = number(parts[2]), number(parts[3])
    return width, height

"""Profile photos: checked with Pillow, shrunk, and re-encoded so no metadata survives.

Checks run on the header before any pixel is decoded, so a "PNG bomb" (a tiny file declaring
huge dimensions) is refused without allocating its pixels. Re-encoding drops EXIF (GPS
positions, camera serials) and anything appended after the image data.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from insignia.core.errors import ServiceError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
PHOTO_SIDE = 400


@dataclass(frozen=True)
class Photo:
    data: bytes
    ext: str  # "jpg" | "png"


def _error(message: str) -> ServiceError:
    return ServiceError(message, field="photo", code="invalid_photo")


def photo_process(data: bytes) -> Photo:
    max_bytes = settings.INSIGNIA_IMAGE_MAX_BYTES
    if len(data) > max_bytes:
        raise _error(f"The photo is larger than {max_bytes // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise _error("Upload a JPEG, PNG, WebP or GIF image.")
            width, height = image.size
            if width * height > settings.INSIGNIA_IMAGE_MAX_PIXELS or max(width, height) > (
                settings.INSIGNIA_IMAGE_MAX_SIDE
            ):
                raise _error(
                    f"The photo is {width}×{height} pixels; the limit is "
                    f"{settings.INSIGNIA_IMAGE_MAX_SIDE} pixels a side."
                )
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _error("This file is not an image we can read. Upload a JPEG or PNG.") from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _error("The photo has too many pixels.") from exc
    image = ImageOps.exif_transpose(image)  # phones store rotation in EXIF, which we drop
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    # Square crop from the centre: profile photos are shown round and square.
    image = ImageOps.fit(image, (PHOTO_SIDE, PHOTO_SIDE), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
        image.save(out, format="PNG", optimize=True)
        return Photo(out.getvalue(), "png")
    image.save(out, format="JPEG", quality=85, optimize=True)
    return Photo(out.getvalue(), "jpg")

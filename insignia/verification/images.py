"""Badge images: a template's plain image and an award's image baked with its assertion.

Baking is byte surgery (``openbadges.baking``), but reading the template image may be a network
call with object storage, so both the plain and the baked bytes are cached. The baked key holds a
hash of the assertion JSON itself, so any change to the award, its template or SITE_URL makes a
new key: a stale baked image can never be served.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from insignia.awards.models import Award
from insignia.badges.models import BadgeTemplate, ImageKind
from insignia.openbadges.baking import bake_png, bake_svg
from insignia.verification.documents import assertion_json, badge_url
from insignia.verification.selectors import TemplateRef

CONTENT_TYPES = {ImageKind.PNG: "image/png", ImageKind.SVG: "image/svg+xml"}
_CACHE_SECONDS = 24 * 3600


def template_image(template: BadgeTemplate) -> bytes:
    key = f"img:template:{template.public_id}:{template.updated_at.isoformat()}"
    cached: bytes | None = cache.get(key)
    if cached is not None:
        return cached
    with template.image.open("rb") as handle:
        data = handle.read()
    cache.set(key, data, timeout=_CACHE_SECONDS)
    return data


def baked_award_image(award: Award) -> bytes:
    """The template image with the award's hosted assertion baked in (OB 2.0 baking)."""
    template = award.template
    document = assertion_json(award, TemplateRef.of(template))
    digest = hashlib.blake2b(document, digest_size=16).hexdigest()
    key = f"img:baked:{award.public_id}:{template.updated_at.isoformat()}:{digest}"
    cached: bytes | None = cache.get(key)
    if cached is not None:
        return cached
    image = template_image(template)
    text = document.decode("utf-8")
    if template.image_kind == ImageKind.SVG:
        baked = bake_svg(image, assertion_json=text, verify=badge_url(award.public_id))
    else:
        # The stored image passed check_png (every chunk's length and CRC) at upload, so the
        # chunks copied through unchanged need no second CRC pass.
        baked = bake_png(image, text, check_crc=False)
    cache.set(key, baked, timeout=_CACHE_SECONDS)
    return baked

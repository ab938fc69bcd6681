"""HTTP caching for the public documents: strong ETags, Last-Modified, 304s and Cache-Control.

Public answers may be kept by browsers and CDNs for ``INSIGNIA_PUBLIC_CACHE_SECONDS`` (so a
revocation shows within that time); answers only the earner or issuer staff may see are
``private, no-store`` so no shared cache ever holds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

PRIVATE = "private, no-store"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_CONDITIONAL_HEADERS = frozenset(
    {"HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE"}
)


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def public_cache_control(max_age: int | None = None) -> str:
    seconds = settings.INSIGNIA_PUBLIC_CACHE_SECONDS if max_age is None else max_age
    return f"public, max-age={seconds}"


def document_response(
    request: HttpRequest,
    body: bytes,
    *,
    content_type: str,
    public: bool,
    last_modified: dt.datetime | None = None,
    status: int = 200,
    max_age: int | None = None,
    negotiated: bool = True,
) -> HttpResponseBase:
    """A response for ``body`` with validators and cache headers; a 304 when the client has it."""
    response = HttpResponse(body, content_type=content_type, status=status)
    response["ETag"] = strong_etag(body)
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = public_cache_control(max_age) if public else PRIVATE
    if negotiated:
        patch_vary_headers(response, ("Accept",))
    if not _CONDITIONAL_HEADERS.intersection(request.META):
        return response
    conditional: HttpResponseBase | None = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=int(last_modified.timestamp()) if last_modified is not None else None,
        response=response,
    )
    return conditional or response

"""Cached public bodies for the embed iframe and oEmbed, with validators and 304s.

The caller has already looked the award up and checked it may be shown (on every request: a
cached body is never a substitute for the privacy check). Keys are digests of every value the
body shows, so an entry can only ever be served for exactly the content it holds: a renamed
badge, a changed earner name or an expired badge gets a new key rather than a stale body, and
no invalidation is needed. The same digest is the strong ETag, so a revalidation (If-None-Match)
is answered with a 304 before the cache is even asked.

Because a key can only ever name one body, a small per-process LRU may sit in front of the
shared Django cache with no invalidation either: a hit there costs no round trip to Redis, which
on a busy host cost more than rendering the card did (bench/sharing.py).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

# Entries are content-addressed and never go stale; the timeout only bounds unused ones.
BODY_CACHE_SECONDS = 24 * 3600
_CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# Browsers and CDNs may store these bodies but must ask again before each reuse: the answer is a
# cheap 304 (one query, no body) while the badge stays shareable, and a 404 the moment it is made
# private or revoked, instead of up to INSIGNIA_PUBLIC_CACHE_SECONDS of a stale card.
REVALIDATE = "public, no-cache"
LOCAL_ENTRIES = 2048  # bodies are 1–3 kB: a few MB per process at most


class _LocalBodies:
    """A thread-safe LRU of cache key → body, private to this process."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


local_bodies = _LocalBodies(LOCAL_ENTRIES)


def cached_public_body(
    request: HttpRequest,
    *,
    key: str,
    digest: str,
    last_modified: dt.datetime,
    content_type: str,
    build: Callable[[], bytes],
) -> HttpResponseBase:
    """A public response whose body is ``build()``, kept in the cache under ``key:digest``."""
    response = HttpResponse(content_type=content_type)
    response["ETag"] = f'"{digest}"'
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = REVALIDATE
    if any(header in request.META for header in _CONDITIONAL_HEADERS):
        conditional: HttpResponseBase | None = get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=int(last_modified.timestamp()),
            response=response,
        )
        if conditional is not None:
            return conditional
    cache_key = f"sharing:{key}:{digest}"
    body = local_bodies.get(cache_key)
    if body is None:
        body = cache.get(cache_key)
        if body is None:
            body = build()
            cache.set(cache_key, body, timeout=BODY_CACHE_SECONDS)
        local_bodies.put(cache_key, body)
    response.content = body
    return response

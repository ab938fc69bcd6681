"""A fetcher for ``openbadges.verify`` that reads our own documents in-process.

The "Verify" button checks a badge the way an outside verifier would: by GETting its URLs. Doing
that over HTTP to ourselves would tie up a second worker for every check (and deadlock a single
sync worker), so requests for URLs under ``SITE_URL`` are dispatched through Django's own
handler: the real middleware, URL resolver and views, as an anonymous client with no cookies.
The checks therefore see exactly the status, headers and bytes the public receives.

Any other URL is refused; fetching foreign badges over the network (with the private-address,
timeout and size rules of ARCHITECTURE §8) is a separate fetcher.
"""

from __future__ import annotations

import contextvars
import io
import sys
from collections.abc import Callable
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponseBase
from django.urls import get_urlconf, set_urlconf

from insignia.openbadges.verify import FetchResult

ACCEPT = "application/ld+json, application/json;q=0.9"
MAX_REDIRECTS = 5
# A document could name a URL whose view verifies again; never recurse beyond one level.
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("insignia_fetch_depth", default=0)
_handler: BaseHandler | None = None


class FetchRefused(Exception):
    """The URL is not one this fetcher may read; the message becomes the failed step's detail."""


def _get_handler() -> BaseHandler:
    # Loading the middleware chain costs a few milliseconds; do it once per process.
    global _handler
    if _handler is None:
        handler = BaseHandler()
        handler.load_middleware()
        _handler = handler
    return _handler


def is_own_url(url: str) -> bool:
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    prefix = site.path.rstrip("/")
    return (
        parts.scheme == site.scheme
        and parts.netloc.lower() == site.netloc.lower()
        and (not prefix or parts.path == prefix or parts.path.startswith(prefix + "/"))
        and not parts.username
        and not parts.password
    )


def _environ(url: str) -> dict[str, object]:
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    script_name = site.path.rstrip("/")
    path = parts.path[len(script_name) :] or "/"
    secure = site.scheme == "https"
    environ: dict[str, object] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": script_name,
        # WSGI wants the percent-decoded path as bytes-in-latin-1 (PEP 3333).
        "PATH_INFO": unquote_to_bytes(path).decode("iso-8859-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": site.hostname or "localhost",
        "SERVER_PORT": str(site.port or (443 if secure else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": site.netloc,
        "HTTP_ACCEPT": ACCEPT,
        "HTTP_USER_AGENT": "Insignia-Verifier (in-process)",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": site.scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        header, value = settings.SECURE_PROXY_SSL_HEADER
        environ[header] = value
    return environ


def _dispatch(url: str) -> HttpResponseBase:
    request = WSGIRequest(_environ(url))
    previous_urlconf = get_urlconf()
    try:
        return _get_handler().get_response(request)
    finally:
        set_urlconf(previous_urlconf)


def _release(response: HttpResponseBase) -> None:
    """Free the response's resources without ``response.close()``.

    ``close()`` sends ``request_finished``, whose ``close_old_connections`` handler may close the
    database connection that the outer request is still using (inside a transaction, always).
    """
    closers: list[Callable[[], object]] = response._resource_closers  # type: ignore[attr-defined]
    for closer in closers:
        closer()
    closers.clear()


def fetch_in_process(url: str) -> FetchResult:
    """GET ``url`` (which must be under SITE_URL) through our own views; follows redirects."""
    if _depth.get() > 0:
        raise FetchRefused("nested verification is not allowed")
    token = _depth.set(_depth.get() + 1)
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if not is_own_url(current):
                raise FetchRefused(
                    f"foreign URLs are not fetched here ({current} is not under "
                    f"{settings.SITE_URL})"
                )
            response = _dispatch(current)
            try:
                if response.status_code in (301, 302, 303, 307, 308) and response.has_header(
                    "Location"
                ):
                    current = urljoin(current, response["Location"])
                    continue
                body = b"".join(response) if response.streaming else response.content  # type: ignore[attr-defined]
                return FetchResult(
                    status=response.status_code,
                    content_type=response.get("Content-Type", ""),
                    body=body,
                    url=current,
                )
            finally:
                _release(response)
        raise FetchRefused(f"more than {MAX_REDIRECTS} redirects from {url}")
    finally:
        _depth.reset(token)

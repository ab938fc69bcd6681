"""Content negotiation for the hosted documents: JSON-LD for machines, HTML for people.

Parses ``Accept`` with q-values (RFC 9110 §12.5.1): each offered type takes the quality of the
most specific range that matches it, ``q=0`` refuses it. Ties go to a type the client named
explicitly over one it only matched through a wildcard, then to HTML, so a browser (``text/html``
first) or a link-preview crawler (``*/*``) gets the page with its Open Graph tags, while an
Open Badges verifier that asks for ``application/ld+json`` gets the document. ``?format=json``
(or ``html``) overrides the header for people testing with a browser.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from django.http import HttpRequest


class Representation(enum.Enum):
    HTML = "text/html"
    JSON_LD = "application/ld+json"
    JSON = "application/json"


# Server preference on ties, HTML first: "HTML otherwise".
_OFFERED = (Representation.HTML, Representation.JSON_LD, Representation.JSON)
_FORMAT_PARAM = {
    "json": Representation.JSON_LD,
    "jsonld": Representation.JSON_LD,
    "html": Representation.HTML,
}


@dataclass(frozen=True, slots=True)
class _Range:
    main: str
    sub: str
    q: float

    @property
    def specificity(self) -> int:
        return 0 if self.main == "*" else 1 if self.sub == "*" else 2

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.main in ("*", main) and self.sub in ("*", sub)


def _parse_accept(header: str) -> list[_Range]:
    ranges = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        main, slash, sub = media.lower().partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a malformed weight is treated as "not acceptable"
        ranges.append(_Range(main, sub, q))
    return ranges


# Clients send a handful of distinct Accept headers; parse each once per process.
@functools.lru_cache(maxsize=512)
def negotiate(accept: str) -> Representation:
    """The representation to send for an ``Accept`` header value ('' means anything)."""
    ranges = _parse_accept(accept)
    if not ranges:
        return Representation.HTML
    best: tuple[float, int, int] | None = None
    chosen = Representation.HTML
    for order, offered in enumerate(_OFFERED):
        matching = [r for r in ranges if r.matches(offered.value)]
        if not matching:
            continue
        most_specific = max(matching, key=lambda r: r.specificity)
        if most_specific.q <= 0:
            continue
        score = (most_specific.q, most_specific.specificity, -order)
        if best is None or score > best:
            best, chosen = score, offered
    # Nothing we offer is acceptable: send the page anyway (RFC 9110 allows ignoring Accept),
    # which is what a person who typed the URL wants.
    return chosen


def representation_for(request: HttpRequest) -> Representation:
    forced = _FORMAT_PARAM.get(request.GET.get("format", "").lower())
    if forced is not None:
        return forced
    return negotiate(request.headers.get("Accept", ""))

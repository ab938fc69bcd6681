"""Bundled JSON-LD context documents, looked up by URL, and an offline pyld document loader.

A signer or verifier must never fetch a context over the network: the result would depend on a
third-party server being up and honest. Every context we accept is shipped in `contexts/` next to
this module, mapped from its URL(s) by `contexts/index.json`. An unknown URL is refused with
`UnknownContextError` rather than fetched.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "OB2_CONTEXT_URL",
    "OB3_CONTEXT_URL",
    "UnknownContextError",
    "bundled_context_urls",
    "document_loader",
    "load_context",
]

OB2_CONTEXT_URL = "https://w3id.org/openbadges/v2"
OB3_CONTEXT_URL = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

_PACKAGE = "insignia.openbadges"
_FOLDER = "contexts"


class UnknownContextError(LookupError):
    """A JSON-LD context URL that is not bundled; it is never fetched from the network."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD context {url!r} is not bundled with insignia.openbadges and will not be "
            "fetched from the network; add the file to insignia/openbadges/contexts/ and map it "
            "in contexts/index.json"
        )
        self.url = url


@cache
def _index() -> dict[str, str]:
    text = resources.files(_PACKAGE).joinpath(_FOLDER, "index.json").read_text("utf-8")
    index: dict[str, str] = json.loads(text)
    return index


@cache
def _parsed(url: str) -> dict[str, Any]:
    try:
        relative = _index()[url]
    except KeyError:
        raise UnknownContextError(url) from None
    path = resources.files(_PACKAGE).joinpath(_FOLDER, *relative.split("/"))
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def _normalise(url: str) -> str:
    # A fragment is never sent to the server, so it cannot change which document is meant.
    return url.split("#", 1)[0]


def bundled_context_urls() -> frozenset[str]:
    """Every context URL that `load_context` accepts."""
    return frozenset(_index())


def load_context(url: str) -> dict[str, Any]:
    """Return the bundled context document for `url` (a fresh copy the caller may mutate).

    Raises `UnknownContextError` if the URL is not bundled.
    """
    return copy.deepcopy(_parsed(_normalise(url)))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld `documentLoader` that serves bundled contexts and never touches the network.

    Use as `jsonld.expand(doc, {"documentLoader": document_loader})`. pyld wraps the
    `UnknownContextError` raised for an unbundled URL in a `JsonLdError` whose `cause` it is.
    """
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
    }

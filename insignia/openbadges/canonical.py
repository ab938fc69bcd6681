"""Reference RDFC-1.0 canonicalisation through pyld, and the JSON-LD safe-mode checks.

pyld 3.x has no `safeMode`: a term that no context defines is silently dropped on expansion (so it
would not be signed), and a relative IRI is silently resolved against pyld's made-up base
`http://example.org/base/`. Both would let a signed credential say more than its signature
covers, so signing refuses them (`UnsafeDocumentError`). The checks work on expansions of
placeholder copies of the document:

* every scalar leaf is replaced by a numbered placeholder; a placeholder that is missing from the
  expansion belongs to a key that no context defines;
* expansion runs with a marker base IRI, so any IRI that comes out under the marker was relative.

`fastproof` reuses the same placeholder machinery to compile a document shape once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pyld import jsonld  # type: ignore[import-untyped, unused-ignore]

from .contexts import UnknownContextError, document_loader

__all__ = [
    "PLACEHOLDER_PATTERN",
    "PRESERVED_KEYS",
    "RELATIVE_IRI_BASE",
    "ProofError",
    "UnknownContextProofError",
    "UnsafeDocumentError",
    "check_no_relative_iris",
    "check_terms_defined",
    "expand",
    "format_path",
    "reference_canonical_nquads",
]

# Relative IRIs resolve under this base during our checks; nothing legitimate lives there.
RELATIVE_IRI_BASE = "https://relative-iri.insignia.invalid/"

# Placeholders: "insph<n>z" for plain strings, "urn:insph:<n>:z" for values that are absolute IRIs.
PLACEHOLDER_PATTERN = re.compile(r"insph:?(\d+)")

# Keys whose values are kept as they are in placeholder copies: they steer JSON-LD processing
# (contexts, types select type-scoped contexts, keywords) rather than carry data.
PRESERVED_KEYS = frozenset(
    {
        "@context",
        "type",
        "@type",
        "@language",
        "@direction",
        "@index",
        "@base",
        "@vocab",
        "@version",
        "@protected",
        "@propagate",
        "@import",
        "@container",
    }
)


class ProofError(ValueError):
    """A Data Integrity proof could not be made or checked; the message says why."""


class UnsafeDocumentError(ProofError):
    """JSON-LD safe mode: a term no context defines, or a relative IRI."""


class UnknownContextProofError(ProofError):
    """The document names a JSON-LD context that is not bundled (never fetched)."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"unknown context URL {url!r}: it is not bundled with insignia.openbadges and "
            "contexts are never fetched from the network"
        )
        self.url = url


PathItem = str | int


def format_path(path: tuple[PathItem, ...]) -> str:
    """`("credentialSubject", "alignment", 2, "targetName")` → `credentialSubject.alignment[2]…`."""
    text = ""
    for item in path:
        if isinstance(item, int):
            text += f"[{item}]"
        else:
            text += f".{item}" if text else item
    return text or "(document)"


def _unknown_context_url(error: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnknownContextError):
            return current.url
        nested = getattr(current, "cause", None)
        if isinstance(nested, BaseException) and id(nested) not in seen:
            current = nested
            continue
        current = current.__cause__ or current.__context__
    return None


def _describe_jsonld_error(error: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 6:
        message = getattr(current, "message", None) or str(current).split("\n", 1)[0]
        if message and message not in parts:
            parts.append(str(message))
        nested = getattr(current, "cause", None)
        current = nested if isinstance(nested, BaseException) else current.__cause__
    return ": ".join(parts)


def expand(document: Mapping[str, Any] | list[Any], *, base: str = RELATIVE_IRI_BASE) -> Any:
    """pyld expansion with bundled contexts only; errors become `ProofError`s."""
    try:
        return jsonld.expand(document, {"documentLoader": document_loader, "base": base})
    except Exception as error:  # pyld raises JsonLdError, and whatever the loader raised
        url = _unknown_context_url(error)
        if url is not None:
            raise UnknownContextProofError(url) from None
        raise ProofError(f"JSON-LD expansion failed: {_describe_jsonld_error(error)}") from None


def _walk_strings(value: Any) -> Iterator[tuple[str | None, str]]:
    """Every string in an expanded document with the key it sits under (None in lists)."""
    stack: list[tuple[str | None, Any]] = [(None, value)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, str):
            yield key, item
        elif isinstance(item, dict):
            for child_key, child in item.items():
                if isinstance(child_key, str) and child_key.startswith(RELATIVE_IRI_BASE):
                    yield "@property", child_key
                stack.append((child_key, child))
        elif isinstance(item, list):
            stack.extend((key, child) for child in item)


def check_no_relative_iris(expanded: Any) -> None:
    """Raise `UnsafeDocumentError` for the first IRI the marker base shows was relative."""
    for key, text in _walk_strings(expanded):
        if key in ("@id", "@type", "@property") and text.startswith(RELATIVE_IRI_BASE):
            relative = text[len(RELATIVE_IRI_BASE) :]
            where = "a property name" if key == "@property" else "an IRI value"
            kind = "type" if key == "@type" else where
            raise UnsafeDocumentError(
                f"relative IRI {relative!r} used as {kind}: JSON-LD safe mode refuses relative "
                "IRIs because they have no fixed meaning; use an absolute URL or a term the "
                "contexts define"
            )


def _placeholder_copy(
    value: Any,
    path: tuple[PathItem, ...],
    leaves: list[tuple[PathItem, ...]],
    typed: list[tuple[PathItem, ...]],
) -> Any:
    if isinstance(value, Mapping):
        copy: dict[str, Any] = {}
        if any(key in value for key in ("type", "@type")) and "@value" not in value:
            typed.append(path)
        for key, child in value.items():
            if key in PRESERVED_KEYS:
                copy[key] = child
            else:
                copy[key] = _placeholder_copy(child, (*path, key), leaves, typed)
        return copy
    if isinstance(value, list):
        return [
            _placeholder_copy(child, (*path, index), leaves, typed)
            for index, child in enumerate(value)
        ]
    if value is None:
        return None
    leaves.append(path)
    return f"insph{len(leaves) - 1}z"


def _outermost_missing(
    missing: list[tuple[PathItem, ...]], present: list[tuple[PathItem, ...]]
) -> tuple[PathItem, ...]:
    """The shortest prefix of the first missing leaf under which nothing survived expansion."""
    first = missing[0]
    for length in range(1, len(first) + 1):
        prefix = first[:length]
        if not isinstance(prefix[-1], str):
            continue
        if not any(path[:length] == prefix for path in present):
            return prefix
    return first


def check_terms_defined(document: Mapping[str, Any]) -> None:
    """Raise `UnsafeDocumentError` if expansion would drop any key of `document`."""
    leaves: list[tuple[PathItem, ...]] = []
    typed: list[tuple[PathItem, ...]] = []
    probe = _placeholder_copy(document, (), leaves, typed)
    expanded = expand(probe)
    found: set[int] = set()
    node_types = 0
    for _key, text in _walk_strings(expanded):
        found.update(int(number) for number in PLACEHOLDER_PATTERN.findall(text))
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@type" in item and "@value" not in item:
                node_types += 1
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    missing = [path for index, path in enumerate(leaves) if index not in found]
    if missing:
        present = [path for index, path in enumerate(leaves) if index in found]
        where = format_path(_outermost_missing(missing, present))
        raise UnsafeDocumentError(
            f"{where} is not defined by any @context of the document, so it would be silently "
            "left out of the signed data (JSON-LD safe mode); remove it or add a context that "
            "defines it"
        )
    if node_types < len(typed):
        # A key whose value holds only a `type` carries no placeholder; count typed nodes instead.
        present = [path for index, path in enumerate(leaves) if index in found]
        suspects = [
            format_path(path)
            for path in typed
            if path and not any(leaf[: len(path)] == path for leaf in present)
        ]
        raise UnsafeDocumentError(
            "a typed object is not defined by any @context of the document and would be left out "
            f"of the signed data (JSON-LD safe mode); check {', '.join(suspects) or 'the types'}"
        )


def reference_canonical_nquads(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of `document` computed by pyld: the reference.

    Safe mode first (undefined terms, relative IRIs); a safe document has no relative IRIs, so
    normalising its expansion gives the same bytes as `jsonld.normalize(document)` would.
    """
    check_terms_defined(document)
    expanded = expand(document)
    check_no_relative_iris(expanded)
    try:
        result: str = jsonld.normalize(
            expanded,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
            },
        )
    except Exception as error:
        raise ProofError(f"RDF canonicalisation failed: {_describe_jsonld_error(error)}") from None
    return result

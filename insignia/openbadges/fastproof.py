"""Fast RDFC-1.0 canonical N-Quads for documents that share a shape (one badge template).

pyld spends almost all of its time processing JSON-LD contexts, and that work depends only on the
document's *shape* (its keys, types, contexts and which values look like IRIs), not on the values.
So a shape is compiled once:

1. The document is copied with every string leaf replaced by a numbered placeholder, and pyld
   expands the copy and converts it to RDF: the result is the document's quads with placeholders
   where the values go (IRIs, literal values), plus the datatypes and language tags pyld resolved.
2. A placeholder that does not come out as exactly one whole IRI or literal (a value pyld would
   interpret: a term in a `@vocab` position, a relative IRI, a JSON literal, an `xsd:double`) is
   made *sensitive*: its real value is kept in the copy and becomes part of the cache key.
3. The placeholder quads become a small generated Python function that writes the quads of any
   document of the shape straight from its values.

Canonicalisation of the emitted quads follows pyld's URDNA2015 exactly for the case credentials
produce: every blank node has a distinct first-degree hash. Anything else (tied hashes, named
graphs, inline or nested contexts, a value that collides with the placeholder syntax) is handed
back to the caller, who falls back to the pyld reference; `STATS` counts those fallbacks. Blank
nodes with tied hashes (two identical alignments) go to pyld's URDNA2015 on the emitted quads.

Numbers, booleans and nulls are part of the shape key (their RDF form depends on their JSON type
and the term's coercion), so they never need placeholders.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from pyld import jsonld  # type: ignore[import-untyped, unused-ignore]
from pyld.canon import URDNA2015  # type: ignore[import-untyped, unused-ignore]

from .canonical import (
    PLACEHOLDER_PATTERN,
    PRESERVED_KEYS,
    RELATIVE_IRI_BASE,
    check_no_relative_iris,
    check_terms_defined,
    expand,
)
from .contexts import bundled_context_urls, document_loader, load_context

__all__ = ["STATS", "FastPathStats", "clear_cache", "fast_canonical_nquads"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# pyld's own absolute-IRI test (jsonld._is_absolute_iri), so "looks like an IRI" means the same.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_EXACT_PLACEHOLDER = re.compile(r"^(?:insph(\d+)z|urn:insph:(\d+):z)$")

# pyld.nquads.escape, as one pass.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})

_MAX_SHAPES = 512
_MAX_VARIANTS = 256


@dataclass
class FastPathStats:
    """How often the fast path answered, compiled a shape, or handed a document to pyld."""

    hits: int = 0
    compiles: int = 0
    fallbacks: int = 0
    ties: int = 0
    last_fallback_reason: str = ""
    reasons: dict[str, int] = field(default_factory=dict)

    def fallback(self, reason: str) -> None:
        self.fallbacks += 1
        self.last_fallback_reason = reason
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


STATS = FastPathStats()


class _Fallback(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@cache
def _bundled_terms() -> frozenset[str]:
    """Every key in every bundled context: a value whose scheme is one of these might be a
    compact IRI (`prefix:suffix`) that pyld expands, so it is not treated as a plain IRI."""
    terms: set[str] = set()
    stack: list[Any] = [load_context(url) for url in bundled_context_urls()]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            terms.update(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return frozenset(terms)


@lru_cache(maxsize=65536)  # template constants (contexts, issuer, badge URLs) repeat
def _is_plain_iri(value: str) -> bool:
    if not _ABSOLUTE_IRI.match(value) or value.startswith("_:"):
        return False
    terms = _bundled_terms()
    return value not in terms and value.split(":", 1)[0] not in terms


def _freeze(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return json.dumps(value, sort_keys=True)


def _analyse(value: Any, leaves: list[str], top: bool) -> Any:
    """The shape key of `value`; appends its string leaves to `leaves` in key-sorted order."""
    if isinstance(value, dict):
        items: list[Any] = []
        for key in sorted(value):
            child = value[key]
            if key in PRESERVED_KEYS:
                if key == "@context" and (
                    not top
                    or not (
                        isinstance(child, str)
                        or (isinstance(child, list) and all(isinstance(c, str) for c in child))
                    )
                ):
                    raise _Fallback("inline or nested @context")
                items.append((key, _freeze(child)))
            else:
                items.append((key, _analyse(child, leaves, False)))
        return ("{", tuple(items))
    if isinstance(value, list):
        return ("[", tuple(_analyse(child, leaves, False) for child in value))
    if isinstance(value, str):
        leaves.append(value)
        return "i" if _is_plain_iri(value) else "s"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("n", value)
    if isinstance(value, float):
        return ("f", repr(value))
    raise _Fallback(f"unsupported JSON value of type {type(value).__name__}")


def _placeholder_copy(value: Any, sensitive: frozenset[int], counter: list[int]) -> Any:
    if isinstance(value, dict):
        copy: dict[str, Any] = {}
        for key in sorted(value):
            child = value[key]
            copy[key] = (
                child if key in PRESERVED_KEYS else _placeholder_copy(child, sensitive, counter)
            )
        return copy
    if isinstance(value, list):
        return [_placeholder_copy(child, sensitive, counter) for child in value]
    if isinstance(value, str):
        index = counter[0]
        counter[0] += 1
        if index in sensitive:
            return value
        return f"urn:insph:{index}:z" if _is_plain_iri(value) else f"insph{index}z"
    return value


def _exact(text: str) -> int | None:
    match = _EXACT_PLACEHOLDER.match(text)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def _occurrences(expanded: Any) -> dict[int, list[str]]:
    """Where each placeholder landed: "lit" (a whole @value), "iri" (a whole @id), or "other"."""
    found: dict[int, list[str]] = {}
    stack: list[tuple[str | None, Any]] = [(None, expanded)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.items())
        elif isinstance(item, list):
            stack.extend((key, child) for child in item)
        elif isinstance(item, str):
            exact = _exact(item)
            if exact is not None and key in ("@value", "@id"):
                found.setdefault(exact, []).append("lit" if key == "@value" else "iri")
            else:
                for number in PLACEHOLDER_PATTERN.findall(item):
                    found.setdefault(int(number), []).append("other")
    return found


Render = Callable[[list[str], Callable[[str], str]], list[tuple[Any, str, Any]]]


@dataclass(frozen=True)
class _Template:
    render: Render


@dataclass
class _Shape:
    sensitive: tuple[int, ...] = ()
    variants: dict[tuple[str, ...], _Template | str] = field(default_factory=dict)


_SHAPES: dict[Any, _Shape] = {}


def clear_cache() -> None:
    """Forget every compiled shape (tests and benchmarks use it to measure a cold start)."""
    _SHAPES.clear()


def _escape(value: str) -> str:
    return value.translate(_ESCAPES)


def _literal_suffix(component: Mapping[str, Any]) -> str:
    datatype = component["datatype"]
    if datatype == _RDF_LANGSTRING:
        language = component.get("language")
        return f"@{language}" if language else ""
    if datatype == _XSD_STRING:
        return ""
    return f"^^<{datatype}>"


def _piece(
    component: Mapping[str, Any], blank: dict[str, int], kinds: list[str], more: set[int]
) -> str:
    """Python source for one quad component of the generated renderer."""
    value = component["value"]
    if component["type"] == "blank node":
        return str(blank.setdefault(value, len(blank)))
    exact = _exact(value)
    if component["type"] == "IRI":
        if exact is not None and kinds[exact] == "iri":
            return f"'<' + L[{exact}] + '>'"
        text = f"<{value}>"
    else:
        suffix = _literal_suffix(component)
        if exact is not None and kinds[exact] == "lit":
            if component["datatype"] == _XSD_DOUBLE:
                more.add(exact)  # pyld reformats numeric strings typed xsd:double
            closing = repr('"' + suffix)
            return f"'\"' + E(L[{exact}]) + {closing}"
        text = f'"{_escape(value)}"{suffix}'
    for number in PLACEHOLDER_PATTERN.findall(value):
        more.add(int(number))  # e.g. inside a JSON literal: keep the real value
    return repr(text)


def _compile(document: Mapping[str, Any], leaf_count: int, sensitive: set[int]) -> _Template:
    """Compile `document`'s shape; grows `sensitive` with the leaves that need their values."""
    for _attempt in range(6):
        copy = _placeholder_copy(document, frozenset(sensitive), [0])
        text = json.dumps(copy)
        expected = {i for i in range(leaf_count) if i not in sensitive}
        if {int(n) for n in PLACEHOLDER_PATTERN.findall(text)} != expected or len(
            PLACEHOLDER_PATTERN.findall(text)
        ) != len(expected):
            raise _Fallback("a value collides with the placeholder syntax")
        expanded = expand(copy)
        found = _occurrences(expanded)
        more: set[int] = set()
        kinds = ["" for _ in range(leaf_count)]
        for index in expected:
            places = found.get(index, [])
            if len(places) != 1 or places[0] == "other":
                if not places:
                    raise _Fallback("a value disappeared on expansion")
                more.add(index)
            else:
                kinds[index] = places[0]
        if more:
            sensitive |= more
            continue
        check_no_relative_iris(expanded)
        dataset = jsonld.to_rdf(
            expanded, {"documentLoader": document_loader, "base": RELATIVE_IRI_BASE}
        )
        if set(dataset) - {"@default"}:
            raise _Fallback("named graphs")
        blank: dict[str, int] = {}
        rows = []
        for triple in dataset.get("@default", []):
            subject = _piece(triple["subject"], blank, kinds, more)
            predicate = repr(f"<{triple['predicate']['value']}>")
            obj = _piece(triple["object"], blank, kinds, more)
            rows.append(f"({subject}, {predicate}, {obj})")
        if more:
            sensitive |= more
            continue
        source = "def render(L, E):\n    return [\n" + "".join(f"        {r},\n" for r in rows)
        source += "    ]\n"
        namespace: dict[str, Any] = {}
        # The source is built only from repr() of strings and integer indices, never from raw
        # document text, so executing it cannot run anything a document supplied.
        exec(compile(source, "<insignia.fastproof template>", "exec"), namespace)  # noqa: S102
        return _Template(render=namespace["render"])
    raise _Fallback("placeholders did not settle")


_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", '"': '"'}
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def _pyld_component(piece: Any) -> dict[str, str]:
    if isinstance(piece, int):
        return {"type": "blank node", "value": f"_:b{piece}"}
    if piece.startswith("<"):
        return {"type": "IRI", "value": piece[1:-1]}
    end = piece.rindex('"')
    value = _ESCAPED.sub(lambda match: _UNESCAPES[match.group(1)], piece[1:end])
    suffix = piece[end + 1 :]
    if suffix.startswith("@"):
        return {
            "type": "literal",
            "value": value,
            "datatype": _RDF_LANGSTRING,
            "language": suffix[1:],
        }
    datatype = suffix[3:-1] if suffix.startswith("^^<") else _XSD_STRING
    return {"type": "literal", "value": value, "datatype": datatype}


def _pyld_canonicalise(quads: list[tuple[Any, str, Any]]) -> str:
    triples = [
        {
            "subject": _pyld_component(subject),
            "predicate": _pyld_component(predicate),
            "object": _pyld_component(obj),
        }
        for subject, predicate, obj in quads
    ]
    result: str = URDNA2015().main(
        {"@default": triples}, {"algorithm": "URDNA2015", "format": "application/n-quads"}
    )
    return result


def _canonicalise(quads: list[tuple[Any, str, Any]]) -> str:
    """RDFC-1.0 canonical N-Quads; blank nodes are ints. Mirrors pyld's URDNA2015 for the case
    where all first-degree hashes differ (all labels issued in hash order in one pass)."""
    quads = list(dict.fromkeys(quads))  # pyld's node map never repeats a statement
    mentions: dict[int, list[tuple[Any, str, Any]]] = {}
    for quad in quads:
        subject, _, obj = quad
        if isinstance(subject, int):
            mentions.setdefault(subject, []).append(quad)
        if isinstance(obj, int):
            mentions.setdefault(obj, []).append(quad)
    labels: dict[int, str] = {}
    if mentions:
        hashes: dict[str, int] = {}
        for node, related in mentions.items():
            lines = sorted(
                (("_:a" if s == node else "_:z") if isinstance(s, int) else s)
                + " "
                + p
                + " "
                + (("_:a" if o == node else "_:z") if isinstance(o, int) else o)
                + " .\n"
                for s, p, o in related
            )
            digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
            if digest in hashes:
                # Tied hashes (e.g. two identical alignments) need the N-degree algorithm:
                # run pyld's URDNA2015 on the quads we emitted (no context processing needed).
                STATS.ties += 1
                return _pyld_canonicalise(quads)
            hashes[digest] = node
        for position, digest in enumerate(sorted(hashes)):
            labels[hashes[digest]] = f"_:c14n{position}"
    lines = sorted(
        (labels[s] if isinstance(s, int) else s)
        + " "
        + p
        + " "
        + (labels[o] if isinstance(o, int) else o)
        + " .\n"
        for s, p, o in quads
    )
    return "".join(lines)


def fast_canonical_nquads(document: Mapping[str, Any]) -> str | None:
    """Canonical N-Quads of `document`, or None when only the pyld reference can answer.

    Raises `UnsafeDocumentError` / `ProofError` like the reference would (safe mode, unknown
    contexts), checked once per shape and value variant.
    """
    leaves: list[str] = []
    try:
        if not isinstance(document, dict):
            document = dict(document)
        key = _analyse(document, leaves, True)
        shape = _SHAPES.get(key)
        if shape is None:
            check_terms_defined(document)
            if len(_SHAPES) >= _MAX_SHAPES:
                _SHAPES.clear()
            shape = _SHAPES.setdefault(key, _Shape())
        template = shape.variants.get(tuple(leaves[i] for i in shape.sensitive))
        if template is None:
            STATS.compiles += 1
            sensitive = set(shape.sensitive)
            try:
                template = _compile(document, len(leaves), sensitive)
            except _Fallback as fallback:
                template = fallback.reason
            final = tuple(sorted(sensitive))
            if final != shape.sensitive:
                # Sensitivity is a property of positions in the shape, so it only ever grows;
                # start a fresh shape entry (one assignment, safe for concurrent readers).
                shape = _Shape(sensitive=final)
                _SHAPES[key] = shape
            if len(shape.variants) >= _MAX_VARIANTS:
                shape.variants.clear()
            shape.variants[tuple(leaves[i] for i in final)] = template
        if isinstance(template, str):
            raise _Fallback(template)
        result = _canonicalise(template.render(leaves, _escape))
    except _Fallback as fallback:
        STATS.fallback(fallback.reason)
        return None
    STATS.hits += 1
    return result

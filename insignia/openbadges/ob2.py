"""Open Badges 2.0 documents built from plain frozen dataclasses.

Each builder is a pure function from one dataclass to the JSON-ready dict that is served (as
`application/ld+json`) at the object's `id`. Optional fields that are `None` or empty are left
out instead of being written as `null`, because the OB 2.0 validators treat a present `null` as
a value of the wrong type. Field names and required fields follow the OB 2.0 specification
(`1EdTech/openbadges-specification`, `ob_v2p0/index.md`).

Also here: recipient identity hashes (`identity_hash`, `identity_matches`) and `dumps`, the one
JSON serialiser used for ETags and for baking so that the same document always gives the same
bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .contexts import OB2_CONTEXT_URL

__all__ = [
    "OB2_CONTEXT_URL",
    "Alignment",
    "Assertion",
    "BadgeClass",
    "Evidence",
    "IssuerProfile",
    "RevocationList",
    "assertion_document",
    "badge_class_document",
    "dumps",
    "format_datetime",
    "identity_hash",
    "identity_matches",
    "is_well_formed_identity_hash",
    "issuer_document",
    "new_salt",
    "revocation_list_document",
    "revoked_assertion_document",
]

Document = dict[str, Any]

# `alg$hex`; the hex may be in either case (OB 2.0 IdentityHash; VCORE `_matches_hash`).
_IDENTITY_HASH = re.compile(r"(?P<alg>sha256|md5)\$(?P<hex>[0-9a-fA-F]+)")
_HEX_LENGTH = {"sha256": 64, "md5": 32}


# --- models -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class IssuerProfile:
    """An issuer Profile. `verification_*` are only needed when assertions are hosted on another
    origin than the issuer's `id` (OB 2.0 hosted verification scope)."""

    id: str
    name: str
    url: str
    email: str
    description: str | None = None
    image: str | None = None
    revocation_list: str | None = None
    telephone: str | None = None
    verification_starts_with: tuple[str, ...] = ()
    verification_allowed_origins: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Alignment:
    target_name: str
    target_url: str
    target_description: str | None = None
    target_framework: str | None = None
    target_code: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class BadgeClass:
    """A BadgeClass. At least one of `criteria_url` / `criteria_narrative` (Markdown) is needed."""

    id: str
    name: str
    description: str
    image: str
    issuer_id: str
    criteria_url: str | None = None
    criteria_narrative: str | None = None
    alignments: tuple[Alignment, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    """Evidence for an Assertion: a URL (`id`), a Markdown `narrative`, or both."""

    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Assertion:
    """A hosted Assertion for a hashed email recipient.

    `recipient_identity` is already hashed (`identity_hash(email, recipient_salt)`); the caller
    normalises the email before hashing. `issued_on`/`expires` must be timezone-aware. `image`
    is the URL of the baked image, never a data URI (OB 2.0 forbids it for Assertion.image).
    """

    id: str
    badge_id: str
    recipient_identity: str
    recipient_salt: str
    issued_on: datetime
    expires: datetime | None = None
    image: str | None = None
    evidence: tuple[Evidence, ...] = ()
    narrative: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RevocationList:
    """An issuer's revocation list: `revoked` holds `(assertion id, reason or None)` pairs."""

    id: str
    issuer_id: str
    revoked: Sequence[tuple[str, str | None]] = ()


# --- builders ---------------------------------------------------------------------------------


def issuer_document(p: IssuerProfile) -> Document:
    doc: Document = {
        "@context": OB2_CONTEXT_URL,
        "type": "Issuer",
        "id": p.id,
        "name": p.name,
        "url": p.url,
        "email": p.email,
    }
    _put(doc, "telephone", p.telephone)
    _put(doc, "description", p.description)
    _put(doc, "image", p.image)
    _put(doc, "revocationList", p.revocation_list)
    if p.verification_starts_with or p.verification_allowed_origins:
        verification: Document = {"type": "VerificationObject"}
        _put(verification, "startsWith", list(p.verification_starts_with))
        _put(verification, "allowedOrigins", list(p.verification_allowed_origins))
        doc["verification"] = verification
    return doc


def badge_class_document(b: BadgeClass) -> Document:
    if not b.criteria_url and not b.criteria_narrative:
        raise ValueError(
            f"BadgeClass {b.id}: criteria needs a URL or a narrative (OB 2.0 requires criteria)"
        )
    criteria: Document = {}
    _put(criteria, "id", b.criteria_url)
    _put(criteria, "narrative", b.criteria_narrative)
    doc: Document = {
        "@context": OB2_CONTEXT_URL,
        "type": "BadgeClass",
        "id": b.id,
        "name": b.name,
        "description": b.description,
        "image": b.image,
        "criteria": criteria,
        "issuer": b.issuer_id,
    }
    _put(doc, "alignment", [_alignment(a) for a in b.alignments])
    _put(doc, "tags", list(b.tags))
    return doc


def assertion_document(a: Assertion) -> Document:
    if not is_well_formed_identity_hash(a.recipient_identity):
        raise ValueError(
            f"Assertion {a.id}: recipient_identity must be an identity hash such as "
            "'sha256$<64 hex digits>' (hash the normalised email with identity_hash)"
        )
    if a.image is not None and a.image.lower().startswith("data:"):
        raise ValueError(f"Assertion {a.id}: image must be a URL, not a data URI (OB 2.0)")
    issued_on = format_datetime(a.issued_on)
    expires = None if a.expires is None else format_datetime(a.expires)
    if a.expires is not None and a.expires < a.issued_on:
        raise ValueError(f"Assertion {a.id}: expires is before issued_on")
    recipient: Document = {"type": "email", "hashed": True}
    _put(recipient, "salt", a.recipient_salt)
    recipient["identity"] = a.recipient_identity
    doc: Document = {
        "@context": OB2_CONTEXT_URL,
        "type": "Assertion",
        "id": a.id,
        "recipient": recipient,
        "badge": a.badge_id,
        "verification": {"type": "HostedBadge"},
        "issuedOn": issued_on,
    }
    _put(doc, "expires", expires)
    _put(doc, "evidence", [_evidence(a.id, e) for e in a.evidence])
    _put(doc, "image", a.image)
    _put(doc, "narrative", a.narrative)
    return doc


def revoked_assertion_document(id: str, reason: str | None) -> Document:
    """The body served with HTTP 410 Gone at a revoked assertion's URL."""
    doc: Document = {"@context": OB2_CONTEXT_URL, "id": id, "type": "Assertion", "revoked": True}
    _put(doc, "revocationReason", reason)
    return doc


def revocation_list_document(r: RevocationList) -> Document:
    revoked: list[Document] = []
    for assertion_id, reason in r.revoked:
        item: Document = {"id": assertion_id}
        _put(item, "revocationReason", reason)
        revoked.append(item)
    return {
        "@context": OB2_CONTEXT_URL,
        "type": "RevocationList",
        "id": r.id,
        "issuer": r.issuer_id,
        "revokedAssertions": revoked,
    }


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second: `2024-05-01T12:00:00Z`.

    Naive datetimes are refused: their meaning depends on the server's zone, and OB 2.0
    validators reject dates without a timezone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime {value.isoformat()} has no timezone; pass an aware datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alignment(a: Alignment) -> Document:
    doc: Document = {"targetName": a.target_name, "targetUrl": a.target_url}
    _put(doc, "targetDescription", a.target_description)
    _put(doc, "targetFramework", a.target_framework)
    _put(doc, "targetCode", a.target_code)
    return doc


def _evidence(assertion_id: str, e: Evidence) -> Document:
    if not e.id and not e.narrative:
        raise ValueError(f"Assertion {assertion_id}: each evidence needs an id (URL) or narrative")
    doc: Document = {}
    _put(doc, "id", e.id)
    _put(doc, "narrative", e.narrative)
    _put(doc, "name", e.name)
    _put(doc, "description", e.description)
    return doc


def _put(doc: Document, key: str, value: object) -> None:
    # One place decides what "absent" means: None, "" and empty lists are left out.
    if value is None or value == "" or value == []:
        return
    doc[key] = value


# --- recipient identity -----------------------------------------------------------------------


def identity_hash(identity: str, salt: str = "") -> str:
    """`sha256$` + hex SHA-256 of UTF-8 `identity` followed by UTF-8 `salt` (OB 2.0 IdentityHash).

    The identity is hashed exactly as given: normalise it first (e.g. lowercase the email), so
    that the hash in the assertion and the one a verifier computes agree.
    """
    digest = hashlib.sha256(identity.encode("utf-8") + salt.encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def new_salt() -> str:
    """A fresh random salt: 16 bytes from `secrets`, as 32 hex characters."""
    return secrets.token_hex(16)


def is_well_formed_identity_hash(value: str) -> bool:
    """True for `sha256$<64 hex>` or `md5$<32 hex>` (hex in either case)."""
    match = _IDENTITY_HASH.fullmatch(value)
    return match is not None and len(match["hex"]) == _HEX_LENGTH[match["alg"]]


def identity_matches(identity_hash: str, identity: str, salt: str | None) -> bool:
    """Whether `identity_hash` (`sha256$…` or `md5$…`) is the hash of `identity` + `salt`.

    The hash's hex is compared case-insensitively and in constant time; `identity` is hashed as
    given (the caller normalises it). A malformed hash never matches.
    """
    if not is_well_formed_identity_hash(identity_hash):
        return False
    alg, expected = identity_hash.split("$", 1)
    data = identity.encode("utf-8") + (salt or "").encode("utf-8")
    # md5 is accepted only to read hashes that older issuers wrote, never to create them.
    actual = hashlib.new(alg, data, usedforsecurity=False).hexdigest()
    return hmac.compare_digest(actual, expected.lower())


# --- serialisation ----------------------------------------------------------------------------


def dumps(doc: Mapping[str, Any]) -> bytes:
    """Serialise a document to compact UTF-8 JSON, keys in insertion order.

    The builders above always insert keys in the same order, so the same document gives the same
    bytes: stable ETags and reproducible baked images. Keys are not sorted so that `@context`,
    `type` and `id` stay first for human readers.
    """
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )

"""Open Badges 3.0 documents (OpenBadgeCredential and its parts) built from frozen dataclasses.

Each builder is a pure function from dataclasses to the JSON-ready dict. The shape follows the
1EdTech AchievementCredential JSON Schema (draft 2019-09, bundled in `schemas/`) rather than the
shortest JSON-LD that would do: `type`, `credentialSchema`, `proof`, `identifier`, `evidence`,
`alignment` and `tag` are always arrays, because the schema wants arrays and a verifier that
validates before it compacts would otherwise reject the credential. Optional fields that are
`None` or empty are left out, never written as `null` (OB 3.0 `serialization.md`).

The document is unsigned; `dataintegrity.sign_eddsa_rdfc_2022` adds the proof and `vcjwt` wraps
it in a VC-JWT. Every term used here is defined by the contexts listed in `CONTEXTS`, which the
signer checks in JSON-LD safe mode.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .contexts import OB3_CONTEXT_URL
from .ob2 import format_datetime

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_SCHEMA_URL",
    "CONTEXTS",
    "OB3_CONTEXT_URL",
    "OB3_EXTENSIONS_CONTEXT_URL",
    "SCHEMA_VALIDATOR_TYPE",
    "VC2_CONTEXT_URL",
    "Achievement",
    "Alignment",
    "CredentialSpec",
    "Evidence",
    "IdentityObject",
    "Profile",
    "StatusEntry",
    "achievement_document",
    "credential_document",
    "hashed_email_identifier",
    "profile_document",
]

VC2_CONTEXT_URL = "https://www.w3.org/ns/credentials/v2"
OB3_EXTENSIONS_CONTEXT_URL = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
# `1EdTechJsonSchemaValidator2019` is defined by the extensions context only, so a credential
# that names the schema needs it (digest §3).
CONTEXTS = (VC2_CONTEXT_URL, OB3_CONTEXT_URL, OB3_EXTENSIONS_CONTEXT_URL)
ACHIEVEMENT_CREDENTIAL_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"

Document = dict[str, Any]


# --- models -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Profile:
    """An issuer Profile. `id` is the IRI every proof's verification method is controlled by."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Alignment:
    target_name: str
    target_url: str
    target_description: str | None = None
    target_framework: str | None = None
    target_code: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Achievement:
    """The badge template. At least one of `criteria_url` / `criteria_narrative` is needed."""

    id: str
    name: str
    description: str
    image: str | None = None
    criteria_url: str | None = None
    criteria_narrative: str | None = None
    achievement_type: str | None = "Badge"
    alignments: tuple[Alignment, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class IdentityObject:
    """A recipient identifier. `identity_hash` is `sha256$…` when `hashed`, else plain text."""

    identity_hash: str
    identity_type: str = "emailAddress"
    hashed: bool = True
    salt: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusEntry:
    """A `BitstringStatusListEntry`: bit `index` of the list served at `list_url`."""

    list_url: str
    index: int
    purpose: str = "revocation"


@dataclass(frozen=True, kw_only=True, slots=True)
class CredentialSpec:
    """One OpenBadgeCredential. Datetimes must be timezone-aware."""

    id: str
    issuer: Profile
    achievement: Achievement
    valid_from: datetime
    name: str | None = None
    description: str | None = None
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    subject_id: str | None = None
    identifiers: tuple[IdentityObject, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    narrative: str | None = None
    status: StatusEntry | None = None


# --- builders ---------------------------------------------------------------------------------


def hashed_email_identifier(email: str, salt: str) -> IdentityObject:
    """The IdentityObject for an email: SHA-256 of UTF-8 email + salt (as OB 2.0 hashes).

    The email is hashed as given; normalise (lowercase) it first, as a verifier will.
    """
    digest = hashlib.sha256(email.encode("utf-8") + salt.encode("utf-8")).hexdigest()
    return IdentityObject(identity_hash=f"sha256${digest}", salt=salt)


def profile_document(p: Profile) -> Document:
    """The Profile as embedded in a credential's `issuer` (no `@context`)."""
    doc: Document = {"id": p.id, "type": ["Profile"], "name": p.name}
    _put(doc, "url", p.url)
    _put(doc, "email", p.email)
    _put(doc, "description", p.description)
    if p.image:
        doc["image"] = {"id": p.image, "type": "Image"}
    return doc


def achievement_document(a: Achievement) -> Document:
    if not a.criteria_url and not a.criteria_narrative:
        raise ValueError(f"Achievement {a.id}: criteria needs a URL or a narrative")
    criteria: Document = {}
    _put(criteria, "id", a.criteria_url)
    _put(criteria, "narrative", a.criteria_narrative)
    doc: Document = {
        "id": a.id,
        "type": ["Achievement"],
        "name": a.name,
        "description": a.description,
        "criteria": criteria,
    }
    if a.image:
        doc["image"] = {"id": a.image, "type": "Image"}
    _put(doc, "achievementType", a.achievement_type)
    _put(doc, "alignment", [_alignment(x) for x in a.alignments])
    _put(doc, "tag", list(a.tags))
    return doc


def credential_document(c: CredentialSpec) -> Document:
    """The unsigned OpenBadgeCredential for `c`."""
    if c.subject_id is None and not c.identifiers:
        # AchievementSubject needs `id` or at least one `identifier` (OB 3.0 §B.1.3).
        raise ValueError(f"Credential {c.id}: the subject needs an id or an identifier")
    subject: Document = {}
    _put(subject, "id", c.subject_id)
    subject["type"] = ["AchievementSubject"]
    _put(subject, "identifier", [_identity(i) for i in c.identifiers])
    subject["achievement"] = achievement_document(c.achievement)
    _put(subject, "narrative", c.narrative)

    doc: Document = {
        "@context": list(CONTEXTS),
        "id": c.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": profile_document(c.issuer),
        "name": c.name or c.achievement.name,
    }
    _put(doc, "description", c.description)
    doc["validFrom"] = format_datetime(c.valid_from)
    if c.valid_until is not None:
        doc["validUntil"] = format_datetime(c.valid_until)
    if c.awarded_date is not None:
        doc["awardedDate"] = format_datetime(c.awarded_date)
    doc["credentialSubject"] = subject
    _put(doc, "evidence", [_evidence(c.id, e) for e in c.evidence])
    doc["credentialSchema"] = [
        {"id": ACHIEVEMENT_CREDENTIAL_SCHEMA_URL, "type": SCHEMA_VALIDATOR_TYPE}
    ]
    if c.status is not None:
        doc["credentialStatus"] = _status(c.status)
    return doc


def _identity(i: IdentityObject) -> Document:
    doc: Document = {
        "type": "IdentityObject",
        "identityHash": i.identity_hash,
        "identityType": i.identity_type,
        "hashed": i.hashed,
    }
    _put(doc, "salt", i.salt)
    return doc


def _alignment(a: Alignment) -> Document:
    doc: Document = {"type": ["Alignment"], "targetName": a.target_name, "targetUrl": a.target_url}
    _put(doc, "targetDescription", a.target_description)
    _put(doc, "targetFramework", a.target_framework)
    _put(doc, "targetCode", a.target_code)
    return doc


def _evidence(credential_id: str, e: Evidence) -> Document:
    if not e.id and not e.narrative:
        raise ValueError(
            f"Credential {credential_id}: each evidence needs an id (URL) or narrative"
        )
    doc: Document = {}
    _put(doc, "id", e.id)
    doc["type"] = ["Evidence"]
    _put(doc, "narrative", e.narrative)
    _put(doc, "name", e.name)
    _put(doc, "description", e.description)
    return doc


def _status(s: StatusEntry) -> Document:
    return {
        "id": f"{s.list_url}#{s.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": s.purpose,
        # The W3C spec: "an integer … expressed as a string in base 10". The 1EdTech validator
        # (and its fixture) also accepts a JSON number, which verify_ob3 reads too.
        "statusListIndex": str(s.index),
        "statusListCredential": s.list_url,
    }


def _put(doc: Document, key: str, value: object) -> None:
    # One place decides what "absent" means: None, "" and empty lists are left out.
    if value is None or value == "" or value == []:
        return
    doc[key] = value

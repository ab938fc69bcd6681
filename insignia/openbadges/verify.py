"""Open Badges 2.0 hosted-assertion verification, independent of any transport.

`verify_hosted_assertion` follows the hosted verification procedure of the OB 2.0 specification
and the checks of the 1EdTech validator (openbadges-validator-core, "VCORE"): fetch the assertion
from its own URL and trust only what is found there, then its BadgeClass and Issuer, check that
the issuer vouches for the URL the assertion is hosted at, the dates, the recipient and
revocation.

Every HTTP request goes through the `fetch` callable the caller passes in. Django resolves its
own URLs in-process with it; a network fetcher (with timeouts and size limits) can be plugged in
for foreign badges. Nothing in this module raises on a bad or hostile document: each problem
becomes a failed `Step` with a reason a person can act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from .contexts import OB2_CONTEXT_URL
from .ob2 import identity_matches, is_well_formed_identity_hash

__all__ = [
    "OB2_CONTEXT_URLS",
    "Fetch",
    "FetchResult",
    "Step",
    "StepCode",
    "VerificationReport",
    "verify_hosted_assertion",
]

# The OB 2.0 context and its alias; both name the same document (contexts/index.json).
OB2_CONTEXT_URLS = frozenset({OB2_CONTEXT_URL, "https://openbadgespec.org/v2/context.json"})

Document = dict[str, Any]

_ASSERTION_REQUIRED = ("id", "type", "recipient", "badge", "verification", "issuedOn")
_BADGE_CLASS_REQUIRED = ("id", "type", "name", "description", "image", "criteria", "issuer")
_ISSUER_REQUIRED = ("id", "type", "name", "url", "email")
_HOSTED_TYPES = ("HostedBadge", "hosted")  # `hosted` is the context's alias for HostedBadge
_IDENTITY_TYPES = ("email", "url", "telephone", "id")


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a GET returned. `url` is the final URL after redirects, if the fetcher followed any."""

    status: int
    content_type: str
    body: bytes
    url: str | None = None


Fetch = Callable[[str], FetchResult]


class StepCode(StrEnum):
    FETCH_ASSERTION = "fetch_assertion"
    STRUCTURE = "assertion_structure"
    ASSERTION_ID = "assertion_id"
    RECIPIENT = "recipient"
    BADGE_CLASS = "badge_class"
    ISSUER = "issuer"
    ISSUER_BINDING = "issuer_binding"
    DATES = "dates"
    REVOCATION = "revocation"


@dataclass(frozen=True, slots=True)
class Step:
    """One check. `ok` is True (passed), False (failed) or None (skipped, or a warning)."""

    code: StepCode
    label: str
    ok: bool | None
    detail: str


@dataclass(slots=True)
class VerificationReport:
    assertion_url: str
    steps: list[Step] = field(default_factory=list)
    assertion: Document | None = None
    badge_class: Document | None = None
    issuer: Document | None = None
    revocation_list: Document | None = None
    revoked: bool = False
    revocation_reason: str | None = None

    @property
    def valid(self) -> bool:
        """True when at least one check ran and none failed (warnings do not invalidate)."""
        return bool(self.steps) and all(step.ok is not False for step in self.steps)

    @property
    def failures(self) -> list[Step]:
        return [step for step in self.steps if step.ok is False]

    def step(self, code: StepCode) -> Step | None:
        return next((s for s in self.steps if s.code == code), None)


_LABELS = {
    StepCode.FETCH_ASSERTION: "Fetch the assertion from its URL",
    StepCode.STRUCTURE: "Assertion has the fields Open Badges 2.0 requires",
    StepCode.ASSERTION_ID: "Assertion id is the URL it was fetched from",
    StepCode.RECIPIENT: "Recipient identity",
    StepCode.BADGE_CLASS: "Fetch the badge class",
    StepCode.ISSUER: "Fetch the issuer profile",
    StepCode.ISSUER_BINDING: "Issuer vouches for where the assertion is hosted",
    StepCode.DATES: "Issue and expiry dates",
    StepCode.REVOCATION: "Not revoked",
}


class _Run:
    """Collects the steps of one verification."""

    def __init__(self, report: VerificationReport) -> None:
        self.report = report

    def add(self, code: StepCode, ok: bool | None, detail: str) -> None:
        self.report.steps.append(Step(code, _LABELS[code], ok, detail))


def verify_hosted_assertion(
    assertion_url: str,
    *,
    fetch: Fetch,
    now: datetime,
    recipient_email: str | None = None,
    recipient_identity: tuple[str, str] | None = None,
) -> VerificationReport:
    """Verify the OB 2.0 hosted assertion at `assertion_url`.

    `now` must be timezone-aware. To check who the badge was awarded to, pass `recipient_email`
    (already normalised the way the issuer hashed it, usually lowercased) or, for other identity
    types, `recipient_identity=(type, value)` such as `("url", "https://example.org/me")`.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    report = VerificationReport(assertion_url)
    run = _Run(report)
    code = StepCode.FETCH_ASSERTION

    try:
        result = fetch(assertion_url)
    except Exception as exc:  # any transport failure is a verification result, not a crash
        run.add(code, False, f"Could not fetch the assertion at {assertion_url}: {exc}")
        return report
    parsed = _parse_json(result, assertion_url, "assertion")

    if result.status == 410 or (isinstance(parsed, dict) and parsed.get("revoked") is True):
        # 410 Gone alone means revoked; a JSON notice adds the reason. Only `id` and `revoked`
        # are required in a notice, so nothing else is checked.
        run.add(code, True, f"HTTP {result.status}: the issuer reports the assertion revoked.")
        notice = _json_object(result.body) or {}
        report.assertion = notice or None
        if notice:
            _check_id(run, notice, assertion_url, result)
        reason = notice.get("revocationReason")
        report.revoked = True
        report.revocation_reason = reason if isinstance(reason, str) and reason else None
        run.add(
            StepCode.REVOCATION,
            False,
            "The issuer has revoked this assertion"
            + (f": {report.revocation_reason}" if report.revocation_reason else "."),
        )
        return report
    if isinstance(parsed, str):
        run.add(code, False, parsed)
        return report
    assertion = report.assertion = parsed
    run.add(code, True, f"HTTP {result.status}, {result.content_type or 'no content type'}.")

    _check_structure(run, assertion)
    _check_id(run, assertion, assertion_url, result)
    expected = recipient_identity or (("email", recipient_email) if recipient_email else None)
    _check_recipient(run, assertion.get("recipient"), expected)

    badge_class = _load_related(
        run, fetch, StepCode.BADGE_CLASS, assertion.get("badge"), "badge class"
    )
    if badge_class is not None:
        report.badge_class = badge_class
        if _require(run, StepCode.BADGE_CLASS, badge_class, _BADGE_CLASS_REQUIRED, ("BadgeClass",)):
            run.add(StepCode.BADGE_CLASS, True, f"{badge_class['name']!r} ({badge_class['id']})")
        issuer = _load_related(
            run, fetch, StepCode.ISSUER, badge_class.get("issuer"), "issuer profile"
        )
    else:
        issuer = None
        run.add(StepCode.ISSUER, None, "Not checked: the badge class could not be loaded.")

    if issuer is not None:
        report.issuer = issuer
        if _require(run, StepCode.ISSUER, issuer, _ISSUER_REQUIRED, ("Issuer", "Profile")):
            run.add(StepCode.ISSUER, True, f"{issuer['name']!r} ({issuer['id']})")
        _check_binding(run, assertion, issuer)
    else:
        run.add(StepCode.ISSUER_BINDING, None, "Not checked: the issuer could not be loaded.")

    _check_dates(run, assertion, now)
    _check_revocation(run, fetch, assertion, issuer)
    return report


# --- steps ------------------------------------------------------------------------------------


def _check_structure(run: _Run, assertion: Document) -> None:
    problems = _missing(assertion, _ASSERTION_REQUIRED)
    if "type" in assertion and "Assertion" not in _types(assertion):
        problems.append(f"type is {assertion['type']!r}, expected 'Assertion'")
    contexts = assertion.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    if not any(isinstance(c, str) and c in OB2_CONTEXT_URLS for c in context_list):
        problems.append(
            f"@context is {contexts!r}; an OB 2.0 assertion uses https://w3id.org/openbadges/v2"
        )
    verification = assertion.get("verification")
    if "verification" in assertion:
        verification_type = verification.get("type") if isinstance(verification, dict) else None
        if verification_type not in _HOSTED_TYPES:
            problems.append(
                f"verification type is {verification_type!r}; this check is for hosted "
                "assertions (HostedBadge)"
            )
    for key in ("issuedOn", "expires"):
        parsed = _parse_date(assertion[key]) if key in assertion else None
        if isinstance(parsed, str):
            problems.append(f"{key}: {parsed}")
    image = assertion.get("image")
    image_id = image.get("id") if isinstance(image, dict) else image
    if isinstance(image_id, str) and image_id.lower().startswith("data:"):
        problems.append("image is a data URI; an assertion's image must be a URL")
    if problems:
        run.add(StepCode.STRUCTURE, False, "; ".join(problems) + ".")
    else:
        run.add(StepCode.STRUCTURE, True, "All required fields are present and well-formed.")


def _check_id(run: _Run, assertion: Document, url: str, result: FetchResult) -> None:
    assertion_id = assertion.get("id")
    if assertion_id in (url, result.url):
        run.add(StepCode.ASSERTION_ID, True, f"id is {assertion_id}")
    elif not isinstance(assertion_id, str):
        run.add(StepCode.ASSERTION_ID, False, "The assertion has no id.")
    else:
        run.add(
            StepCode.ASSERTION_ID,
            False,
            f"The assertion says its id is {assertion_id} but it was fetched from {url}; a hosted "
            "assertion must be served at its own id.",
        )


def _check_recipient(run: _Run, recipient: object, expected: tuple[str, str] | None) -> None:
    code = StepCode.RECIPIENT
    if not isinstance(recipient, dict):
        run.add(code, False, "The assertion has no recipient object.")
        return
    identity = recipient.get("identity")
    identity_type = recipient.get("type")
    hashed = recipient.get("hashed")
    salt = recipient.get("salt")
    if identity_type not in _IDENTITY_TYPES:
        run.add(code, False, f"recipient type {identity_type!r} is not one of {_IDENTITY_TYPES}.")
        return
    if not isinstance(identity, str) or not identity:
        run.add(code, False, "recipient identity is missing.")
        return
    if salt is not None and not isinstance(salt, str):
        run.add(code, False, "recipient salt must be a string.")
        return
    looks_hashed = is_well_formed_identity_hash(identity)
    if hashed is True and not looks_hashed:
        run.add(
            code,
            False,
            "recipient is marked hashed but its identity is not 'sha256$<64 hex>' or "
            "'md5$<32 hex>'.",
        )
        return
    if hashed is not True and looks_hashed:
        run.add(code, False, "recipient identity is a hash but 'hashed' is not true.")
        return
    if expected is None:
        run.add(code, True, f"{identity_type} identity is well-formed; no recipient was given.")
        return
    expected_type, expected_value = expected
    if identity_type != expected_type:
        run.add(
            code,
            False,
            f"The badge was awarded to a {identity_type} identity, not to a {expected_type}.",
        )
        return
    if hashed is True:
        matches = identity_matches(identity, expected_value, salt)
    else:
        matches = identity == expected_value
    if matches:
        run.add(code, True, f"Awarded to {expected_value}.")
    else:
        run.add(code, False, f"The badge was not awarded to {expected_value}.")


def _check_binding(run: _Run, assertion: Document, issuer: Document) -> None:
    # VCORE `hosted_id_in_verification_scope`: the issuer's verification policy (or by default
    # the issuer id's own origin) must cover the URL the assertion is hosted at.
    code = StepCode.ISSUER_BINDING
    assertion_id = assertion.get("id")
    issuer_id = issuer.get("id")
    if not isinstance(assertion_id, str) or not isinstance(issuer_id, str):
        run.add(code, None, "Not checked: the assertion or issuer has no id.")
        return
    policy = issuer.get("verification")
    policy = policy if isinstance(policy, dict) else {}
    starts_with = _string_list(policy.get("startsWith"))
    if starts_with and not any(assertion_id.startswith(prefix) for prefix in starts_with):
        run.add(
            code,
            False,
            f"The issuer only vouches for assertions whose id starts with {starts_with}; "
            f"{assertion_id} does not.",
        )
        return
    allowed = _string_list(policy.get("allowedOrigins"))
    issuer_origin = _authority(issuer_id)
    if not allowed:
        if issuer_origin is None:
            run.add(
                code,
                None,
                f"Warning: issuer id {issuer_id} is not an HTTP URL, so the hosting origin "
                "cannot be compared with it.",
            )
            return
        allowed = [issuer_origin]
    assertion_origin = _authority(assertion_id)
    if assertion_origin not in allowed:
        run.add(
            code,
            False,
            f"The assertion is hosted at {assertion_origin or assertion_id}, but the issuer "
            f"allows only {', '.join(allowed)}.",
        )
        return
    run.add(code, True, f"Hosted at {assertion_origin}, which the issuer allows.")


def _check_dates(run: _Run, assertion: Document, now: datetime) -> None:
    code = StepCode.DATES
    issued_on = _parse_date(assertion.get("issuedOn"))
    if isinstance(issued_on, str):
        run.add(code, False, f"issuedOn: {issued_on}")
        return
    expires: datetime | None = None
    if assertion.get("expires") is not None:
        parsed = _parse_date(assertion["expires"])
        if isinstance(parsed, str):
            run.add(code, False, f"expires: {parsed}")
            return
        expires = parsed
    if issued_on > now:
        run.add(code, False, f"issuedOn {issued_on.isoformat()} is in the future.")
    elif expires is not None and expires < issued_on:
        run.add(code, False, f"expires {expires.isoformat()} is before issuedOn.")
    elif expires is not None and expires <= now:
        run.add(code, False, f"The badge expired on {expires.isoformat()}.")
    else:
        until = f", valid until {expires.isoformat()}" if expires is not None else ""
        run.add(code, True, f"Issued on {issued_on.isoformat()}{until}.")


def _check_revocation(
    run: _Run, fetch: Fetch, assertion: Document, issuer: Document | None
) -> None:
    code = StepCode.REVOCATION
    if issuer is None:
        run.add(code, None, "The assertion URL did not report a revocation; no issuer to ask.")
        return
    list_url = issuer.get("revocationList")
    if list_url is None:
        run.add(code, True, "The assertion URL is live and the issuer has no revocation list.")
        return
    if not isinstance(list_url, str):
        run.add(code, False, "The issuer's revocationList is not a URL.")
        return
    revocation_list = _fetch_json(fetch, list_url, "revocation list")
    if isinstance(revocation_list, str):
        run.add(code, False, f"Could not check revocation: {revocation_list}")
        return
    run.report.revocation_list = revocation_list
    entries = revocation_list.get("revokedAssertions")
    if not isinstance(entries, list):
        run.add(code, False, f"The revocation list at {list_url} has no revokedAssertions list.")
        return
    assertion_id = assertion.get("id")
    for entry in entries:
        entry_id = entry.get("id", entry.get("uid")) if isinstance(entry, dict) else entry
        if entry_id is not None and entry_id == assertion_id:
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            run.report.revoked = True
            run.report.revocation_reason = reason if isinstance(reason, str) and reason else None
            run.add(
                code,
                False,
                "The issuer's revocation list revokes this assertion"
                + (f": {reason}" if run.report.revocation_reason else "."),
            )
            return
    run.add(code, True, "Not on the issuer's revocation list.")


# --- helpers ----------------------------------------------------------------------------------


def _fetch_json(fetch: Fetch, url: str, what: str) -> Document | str:
    """Fetch and parse a JSON object; a string is the reason it failed."""
    try:
        result = fetch(url)
    except Exception as exc:  # any transport failure is a verification result, not a crash
        return f"Could not fetch the {what} at {url}: {exc}"
    return _parse_json(result, url, what)


def _parse_json(result: FetchResult, url: str, what: str) -> Document | str:
    """The JSON object in a successful response; a string is the reason there is none."""
    if not 200 <= result.status < 300:
        return f"The {what} at {url} answered HTTP {result.status}."
    document = _json_object(result.body)
    if document is None:
        return f"The {what} at {url} is not a JSON object ({result.content_type or 'no type'})."
    return document


def _json_object(body: bytes) -> Document | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _load_related(
    run: _Run, fetch: Fetch, code: StepCode, reference: object, what: str
) -> Document | None:
    """Fetch a document referenced by IRI, or accept it embedded; record a failure otherwise."""
    if isinstance(reference, dict):
        return reference
    if not isinstance(reference, str) or not reference:
        run.add(code, False, f"The {what} is not referenced by an IRI.")
        return None
    got = _fetch_json(fetch, reference, what)
    if isinstance(got, str):
        run.add(code, False, got)
        return None
    return got


def _require(
    run: _Run, code: StepCode, document: Document, required: tuple[str, ...], types: tuple[str, ...]
) -> bool:
    problems = _missing(document, required)
    if "type" in document and not set(_types(document)) & set(types):
        problems.append(f"type is {document['type']!r}, expected {' or '.join(types)}")
    if problems:
        run.add(code, False, "; ".join(problems) + ".")
    return not problems


def _missing(document: Mapping[str, Any], required: tuple[str, ...]) -> list[str]:
    missing = [key for key in required if document.get(key) in (None, "", [], {})]
    return [f"missing required field(s): {', '.join(missing)}"] if missing else []


def _types(document: Mapping[str, Any]) -> list[str]:
    return _string_list(document.get("type"))


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _authority(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc


def _parse_date(value: object) -> datetime | str:
    """A timezone-aware datetime, or why the value is not one."""
    if not isinstance(value, str):
        return f"{value!r} is not an ISO 8601 date-time string"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not an ISO 8601 date-time"
    if parsed.tzinfo is None:
        return f"{value!r} has no timezone (OB 2.0 needs e.g. 'Z' or '+01:00')"
    return parsed

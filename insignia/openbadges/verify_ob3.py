"""Open Badges 3.0 verification of a credential given as JSON, a VC-JWT or a baked PNG/SVG.

The steps follow OB 3.0 `verification.md` and the order of the 1EdTech validator
(`OB30Inspector`): parse → contexts and types → JSON Schema → issuer key → proof → dates →
status. Trust comes only from the issuer: a Data Integrity proof's verification method must be
controlled by the credential's issuer (its `controller` equals `issuer.id`, or it is the issuer's
`did:web`), a VC-JWT's `kid` must resolve to a key the issuer publishes, and a key the issuer has
revoked (`revoked` in its controller document) fails with the date it was revoked.

Every HTTP request goes through the caller's `fetch` (Django passes its in-process fetcher; tests
a dict). Nothing here raises on bad input: each problem is a failed `Step` with a precise reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, cast
from urllib.parse import unquote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import dataintegrity, multikey, schema, statuslist, vcjwt
from .baking import (
    OB3_PNG_KEYWORD,
    OB3_SVG_ELEMENT,
    OB3_SVG_NAMESPACE,
    BakingError,
    detect_image_kind,
    unbake_png,
    unbake_svg,
)
from .contexts import bundled_context_urls
from .ob3 import OB3_CONTEXT_URL, VC2_CONTEXT_URL
from .verify import Fetch, FetchResult, Step, StepCode

__all__ = [
    "Ob3Report",
    "Ob3StepCode",
    "did_web_url",
    "verify_credential",
]

Document = dict[str, Any]
VC1_CONTEXT_URL = "https://www.w3.org/2018/credentials/v1"
_OB3_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
_CREDENTIAL_TYPES = ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential")
# 1EdTech allows these to be compacted to a single value; the schema wants arrays (digest §3).
_COMPACTABLE = ("proof", "credentialSchema", "termsOfUse")
_MAX_DOCUMENT = 8 * 1024 * 1024


class Ob3StepCode(StrEnum):
    PARSE = "ob3_parse"
    STRUCTURE = "ob3_structure"
    SCHEMA = "ob3_schema"
    ISSUER_KEY = "ob3_issuer_key"
    PROOF = "ob3_proof"
    DATES = "ob3_dates"
    STATUS = "ob3_status"
    RECIPIENT = "ob3_recipient"


_LABELS = {
    Ob3StepCode.PARSE: "Read the credential",
    Ob3StepCode.STRUCTURE: "Contexts, types and subject",
    Ob3StepCode.SCHEMA: "1EdTech JSON Schema",
    Ob3StepCode.ISSUER_KEY: "Signing key belongs to the issuer",
    Ob3StepCode.PROOF: "Signature",
    Ob3StepCode.DATES: "Valid from / valid until",
    Ob3StepCode.STATUS: "Not revoked (status list)",
    Ob3StepCode.RECIPIENT: "Recipient identity",
}


@dataclass(slots=True)
class Ob3Report:
    """The outcome of one verification; `steps` reuse the OB 2.0 `Step` type."""

    steps: list[Step] = field(default_factory=list)
    format: str = ""  # json, jwt, png, svg
    credential: Document | None = None
    verification_method: str | None = None
    revoked: bool = False

    @property
    def valid(self) -> bool:
        return bool(self.steps) and all(step.ok is not False for step in self.steps)

    @property
    def failures(self) -> list[Step]:
        return [step for step in self.steps if step.ok is False]

    def step(self, code: Ob3StepCode) -> Step | None:
        return next((s for s in self.steps if s.code.value == code.value), None)

    def add(self, code: Ob3StepCode, ok: bool | None, detail: str) -> None:
        # `Step.code` is typed with the OB 2.0 enum; both enums are str, and the OB 3.0 codes
        # are prefixed so they never collide with OB 2.0 ones.
        self.steps.append(Step(cast(StepCode, code), _LABELS[code], ok, detail))


class _Refused(Exception):
    """A key or document that cannot be trusted; the message is the step's detail."""


# --- entry point ------------------------------------------------------------------------------


def verify_credential(
    data: Document | str | bytes,
    *,
    fetch: Fetch,
    now: datetime,
    recipient_email: str | None = None,
    did_web_scheme: str = "https",
) -> Ob3Report:
    """Verify an OB 3.0 credential: a parsed JSON object, JSON or compact-JWS text, or the bytes
    of a JSON file, a JWS file or a baked PNG/SVG.

    `now` must be timezone-aware. `recipient_email` (normalised as the issuer hashed it) adds a
    recipient check. `did_web_scheme` is `https` as did:web requires; a development server
    without TLS passes `http` to resolve its own DIDs.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    report = Ob3Report()
    try:
        _verify(report, data, fetch, now, recipient_email, did_web_scheme)
    except Exception as exc:  # a verifier must never crash on hostile input; say what broke
        report.add(Ob3StepCode.PARSE, False, f"Verification stopped: {type(exc).__name__}: {exc}")
    return report


def _verify(
    report: Ob3Report,
    data: Document | str | bytes,
    fetch: Fetch,
    now: datetime,
    recipient_email: str | None,
    scheme: str,
) -> None:
    parsed = _parse(report, data)
    if parsed is None:
        return
    credential, jwt = parsed
    report.credential = credential
    _check_structure(report, credential)
    _check_schema(report, credential)
    resolver = _KeyResolver(credential, fetch, now, scheme)
    if jwt is not None:
        _check_jwt(report, jwt, resolver)
    else:
        _check_data_integrity(report, credential, resolver)
    _check_dates(report, credential, now)
    _check_status(report, credential, resolver)
    if recipient_email is not None:
        _check_recipient(report, credential, recipient_email)


# --- parsing ----------------------------------------------------------------------------------


def _parse(
    report: Ob3Report, data: Document | str | bytes
) -> tuple[Document, vcjwt.ParsedJwt | None] | None:
    code = Ob3StepCode.PARSE
    if isinstance(data, dict):
        report.format = "json"
        report.add(code, True, "A JSON credential.")
        return data, None
    text: str
    if isinstance(data, bytes):
        if len(data) > _MAX_DOCUMENT * 4:
            report.add(code, False, "The file is larger than 32 MiB.")
            return None
        kind = detect_image_kind(data)
        if kind is not None:
            report.format = kind
            try:
                baked = (
                    unbake_png(data, keyword=OB3_PNG_KEYWORD)
                    if kind == "png"
                    else unbake_svg(data, namespace=OB3_SVG_NAMESPACE, element=OB3_SVG_ELEMENT)
                )
            except BakingError as exc:
                report.add(code, False, f"The baked {kind.upper()} is unusable: {exc}.")
                return None
            if baked is None:
                where = (
                    f"an iTXt chunk with keyword {OB3_PNG_KEYWORD!r}"
                    if kind == "png"
                    else f"an <openbadges:{OB3_SVG_ELEMENT}> element in {OB3_SVG_NAMESPACE}"
                )
                report.add(
                    code, False, f"The {kind.upper()} has no OB 3.0 credential baked in ({where})."
                )
                return None
            text = baked
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                report.add(code, False, "The file is neither a PNG, an SVG nor UTF-8 text.")
                return None
    else:
        text = data
    text = text.strip().lstrip("\ufeff")
    if len(text) > _MAX_DOCUMENT:
        report.add(code, False, "The credential is larger than 8 MiB.")
        return None
    where = f" baked in the {report.format.upper()}" if report.format else ""
    if text.startswith("{"):
        report.format = report.format or "json"
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as exc:
            report.add(code, False, f"The credential{where} is not valid JSON: {exc}.")
            return None
        if not isinstance(document, dict):
            report.add(code, False, f"The credential{where} is not a JSON object.")
            return None
        report.add(code, True, f"A JSON credential{where}.")
        return document, None
    report.format = report.format or "jwt"
    try:
        jwt = vcjwt.parse_vc_jwt(text)
    except vcjwt.JwtError as exc:
        report.add(code, False, f"The VC-JWT{where} is refused: {exc}.")
        return None
    report.add(code, True, f"A VC-JWT{where} ({jwt.header['alg']}).")
    return jwt.credential, jwt


# --- structure and schema ---------------------------------------------------------------------


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _is_v1(credential: Document) -> bool:
    return _string_list(credential.get("@context"))[:1] == [VC1_CONTEXT_URL]


def _check_structure(report: Ob3Report, credential: Document) -> None:
    problems: list[str] = []
    contexts = credential.get("@context")
    urls = _string_list(contexts)
    if not isinstance(contexts, list) or not urls:
        problems.append("@context must be an array of context URLs")
    else:
        if urls[0] not in (VC2_CONTEXT_URL, VC1_CONTEXT_URL):
            problems.append(f"the first @context is {urls[0]!r}, not {VC2_CONTEXT_URL}")
        if not any(u.startswith(_OB3_CONTEXT_PREFIX) for u in urls):
            problems.append(f"@context lacks the Open Badges 3.0 context ({OB3_CONTEXT_URL})")
        unknown = [u for u in urls if u not in bundled_context_urls()]
        if unknown:
            problems.append(
                f"unknown context URL {', '.join(unknown)} (not bundled; contexts are never "
                "fetched)"
            )
    types = _string_list(credential.get("type"))
    if "VerifiableCredential" not in types or not set(types) & set(_CREDENTIAL_TYPES):
        problems.append(
            f"type is {credential.get('type')!r}; expected VerifiableCredential and "
            "OpenBadgeCredential (or AchievementCredential)"
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        problems.append("credentialSubject is missing")
    elif "EndorsementCredential" not in types and not (
        subject.get("id") or subject.get("identifier")
    ):
        problems.append("credentialSubject needs an id or at least one identifier")
    if problems:
        report.add(Ob3StepCode.STRUCTURE, False, "; ".join(problems) + ".")
    else:
        report.add(Ob3StepCode.STRUCTURE, True, f"{' + '.join(types)}, contexts bundled.")


def _check_schema(report: Ob3Report, credential: Document) -> None:
    code = Ob3StepCode.SCHEMA
    if _is_v1(credential):
        report.add(
            code,
            None,
            "Warning: a VC 1.1-era credential; the AchievementCredential schema is for VC 2.0, "
            "so it was not applied.",
        )
        return
    normalised = dict(credential)
    for key in _COMPACTABLE:
        if isinstance(normalised.get(key), dict):
            normalised[key] = [normalised[key]]
    problems, checked = schema.validate_credential(normalised)
    if problems:
        report.add(code, False, "; ".join(problems))
    else:
        names = ", ".join(url.rsplit("/", 1)[-1] for url in checked)
        report.add(code, True, f"Valid against {names}.")


# --- keys -------------------------------------------------------------------------------------


def did_web_url(did: str, scheme: str = "https") -> str:
    """The URL of a did:web DID document (did:web spec §3.2: `:` → `/`, `%3A` → `:`)."""
    parts = did.split("#", 1)[0].split(":")
    if len(parts) < 3 or parts[:2] != ["did", "web"] or not parts[2]:
        raise _Refused(f"{did!r} is not a did:web DID")
    host = unquote(parts[2])
    path = "/".join(unquote(p) for p in parts[3:])
    return (
        f"{scheme}://{host}/{path}/did.json" if path else f"{scheme}://{host}/.well-known/did.json"
    )


def _issuer_id(document: Document) -> str | None:
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


@dataclass(slots=True)
class _Method:
    """A verification method found in a document the issuer controls."""

    id: str
    controller: str
    document: Document  # the VM entry itself
    via: str  # where it was found, for the step detail


class _KeyResolver:
    """Finds verification methods and checks that the credential's issuer controls them."""

    def __init__(self, credential: Document, fetch: Fetch, now: datetime, scheme: str) -> None:
        self.credential = credential
        self.fetch = fetch
        self.now = now
        self.scheme = scheme
        self._documents: dict[str, Document | str] = {}

    def get_json(self, url: str) -> Document:
        if url not in self._documents:
            self._documents[url] = _fetch_json(self.fetch, url)
        got = self._documents[url]
        if isinstance(got, str):
            raise _Refused(got)
        return got

    def _controller_document(self, iri: str) -> tuple[Document, str]:
        base = iri.split("#", 1)[0]
        if base.startswith("did:web:"):
            url = did_web_url(base, self.scheme)
            document = self.get_json(url)
            if document.get("id") != base:
                raise _Refused(
                    f"the DID document at {url} has id {document.get('id')!r}, not {base}"
                )
            return document, url
        if base.startswith(("https://", "http://")):
            return self.get_json(base), base
        raise _Refused(f"cannot dereference {iri!r}")

    def method(self, vm_id: str, issuer_id: str | None) -> _Method:
        """The verification method `vm_id`, refused unless `issuer_id` controls it."""
        if issuer_id is None:
            raise _Refused("the credential has no issuer id to check the key against")
        if ":" not in vm_id:
            raise _Refused(f"verificationMethod {vm_id!r} is not an absolute IRI (no scheme)")
        scheme = vm_id.split(":", 1)[0].lower()
        if scheme == "did":
            method = vm_id.split(":")[1] if vm_id.count(":") >= 2 else ""
            if method == "key":
                return self._did_key(vm_id, issuer_id)
            if method != "web":
                raise _Refused(f"DID method did:{method} is not supported (did:key, did:web are)")
        elif scheme not in ("http", "https"):
            raise _Refused(f"verificationMethod scheme {scheme!r} is not supported")
        try:
            document, url = self._controller_document(vm_id)
        except _Refused as exc:
            fallback = self._fragment_key(vm_id, issuer_id)
            if fallback is None:
                raise
            fallback.via += f" (the controller document could not be read: {exc})"
            return fallback
        entry = _find_method(document, vm_id)
        if entry is None:
            fallback = self._fragment_key(vm_id, issuer_id)
            if fallback is not None and not _lists_methods(document):
                return fallback
            raise _Refused(f"{url} does not publish the verification method {vm_id}")
        controller = entry.get("controller", document.get("id"))
        if not isinstance(controller, str):
            raise _Refused(f"verification method {vm_id} names no controller")
        self._check_owner(controller, issuer_id, document)
        revoked = entry.get("revoked")
        if isinstance(revoked, str):
            when = _parse_date(revoked)
            if not isinstance(when, str) and when <= self.now:
                raise _Refused(f"key {vm_id} was revoked by the issuer on {revoked}")
        assertion = document.get("assertionMethod")
        if isinstance(assertion, list) and not any(
            (a if isinstance(a, str) else a.get("id") if isinstance(a, dict) else None) == vm_id
            for a in assertion
        ):
            raise _Refused(f"{vm_id} is not one of the issuer's assertionMethod keys")
        return _Method(vm_id, controller, entry, f"published at {url}")

    def _check_owner(self, controller: str, issuer_id: str, document: Document) -> None:
        if controller == issuer_id:
            return
        if controller.startswith("did:web:") and issuer_id in _string_list(
            document.get("alsoKnownAs")
        ):
            return
        raise _Refused(
            f"the key is controlled by {controller}, not by the credential's issuer {issuer_id}"
        )

    def _did_key(self, vm_id: str, issuer_id: str) -> _Method:
        did = vm_id.split("#", 1)[0]
        encoded = did.removeprefix("did:key:")
        if issuer_id != did:
            raise _Refused(f"the key {did} is not the credential's issuer {issuer_id}")
        entry = {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": encoded}
        return _Method(vm_id, did, entry, "a did:key (the key is the issuer's DID)")

    def _fragment_key(self, vm_id: str, issuer_id: str) -> _Method | None:
        # `<issuer id>#<publicKeyMultibase>` names its key itself; the 1EdTech validator accepts
        # it without a fetch when the part before `#` is the issuer id.
        base, _, fragment = vm_id.partition("#")
        if base != issuer_id or not fragment.startswith("z6Mk"):
            return None
        entry = {
            "id": vm_id,
            "type": "Multikey",
            "controller": base,
            "publicKeyMultibase": fragment,
        }
        return _Method(vm_id, base, entry, "named by its own fragment under the issuer id")

    def ed25519(self, method: _Method) -> Ed25519PublicKey:
        encoded = method.document.get("publicKeyMultibase")
        if not isinstance(encoded, str):
            raise _Refused(f"{method.id} has no publicKeyMultibase (an Ed25519 Multikey)")
        try:
            return multikey.ed25519_public_from_multibase(encoded)
        except Exception as exc:
            raise _Refused(f"{method.id}: {encoded!r} is not an Ed25519 Multikey ({exc})") from None

    def jwk_for(self, parsed: vcjwt.ParsedJwt, issuer_id: str | None) -> tuple[Document, str]:
        """The issuer's public JWK for a VC-JWT, and where it was found."""
        kid = parsed.header.get("kid")
        embedded = parsed.header.get("jwk")
        if isinstance(kid, str) and kid:
            method = self.method(kid, issuer_id)
            jwk = method.document.get("publicKeyJwk")
            if not isinstance(jwk, dict):
                raise _Refused(f"{kid} has no publicKeyJwk")
            return jwk, method.via
        if isinstance(embedded, dict):
            return embedded, self._embedded_owner(embedded, issuer_id)
        raise _Refused("the JWT header has neither kid nor jwk, so the issuer's key is unknown")

    def _embedded_owner(self, jwk: Document, issuer_id: str | None) -> str:
        # A key in the header proves nothing by itself; it must also be one the issuer
        # publishes (in its profile / controller document), compared by RFC 7638 thumbprint.
        if issuer_id is None:
            raise _Refused("the credential has no issuer id to check the embedded jwk against")
        try:
            document, url = self._controller_document(issuer_id)
        except _Refused as exc:
            raise _Refused(
                f"the JWT embeds its own key and the issuer's keys could not be read: {exc}"
            ) from None
        wanted = _thumbprint(jwk)
        for entry in _methods(document):
            published = entry.get("publicKeyJwk")
            if isinstance(published, dict) and _thumbprint(published) == wanted:
                revoked = entry.get("revoked")
                if isinstance(revoked, str):
                    raise _Refused(f"the embedded key was revoked by the issuer on {revoked}")
                return f"embedded, and published by the issuer at {url}"
        raise _Refused(f"the key embedded in the JWT is not among the issuer's keys at {url}")


def _methods(document: Document) -> list[Document]:
    found: list[Document] = []
    for key in ("verificationMethod", "assertionMethod"):
        value = document.get(key)
        for entry in value if isinstance(value, list) else [value] if value else []:
            if isinstance(entry, dict):
                found.append(entry)
    return found


def _lists_methods(document: Document) -> bool:
    return bool(_methods(document)) or ("id" in document and "publicKeyMultibase" in document)


def _find_method(document: Document, vm_id: str) -> Document | None:
    if document.get("id") == vm_id and (
        "publicKeyMultibase" in document or "publicKeyJwk" in document
    ):
        return document
    return next((m for m in _methods(document) if m.get("id") == vm_id), None)


def _thumbprint(jwk: Document) -> str:
    members = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
    required = members.get(str(jwk.get("kty")), ())
    canonical = json.dumps({k: jwk.get(k) for k in required}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- proofs -----------------------------------------------------------------------------------


def _check_jwt(report: Ob3Report, parsed: vcjwt.ParsedJwt, resolver: _KeyResolver) -> None:
    issuer_id = _issuer_id(parsed.credential)
    try:
        jwk, via = resolver.jwk_for(parsed, issuer_id)
    except _Refused as exc:
        report.add(Ob3StepCode.ISSUER_KEY, False, f"{exc}.")
        report.add(Ob3StepCode.PROOF, None, "Not checked: no key of the issuer to check it with.")
        return
    report.verification_method = parsed.header.get("kid")
    report.add(Ob3StepCode.ISSUER_KEY, True, f"RS256 key {via}.")
    try:
        vcjwt.verify_signature(parsed, jwk)
    except vcjwt.JwtError as exc:
        report.add(Ob3StepCode.PROOF, False, f"{exc}.")
        return
    problems = vcjwt.check_claims(parsed)
    if problems:
        report.add(
            Ob3StepCode.PROOF, False, "The signature is valid but " + "; ".join(problems) + "."
        )
    else:
        report.add(
            Ob3StepCode.PROOF, True, f"VC-JWT {parsed.header['alg']} signature valid; claims match."
        )


def _check_data_integrity(report: Ob3Report, credential: Document, resolver: _KeyResolver) -> None:
    proofs = credential.get("proof")
    proof_list = (
        proofs if isinstance(proofs, list) else [proofs] if isinstance(proofs, dict) else []
    )
    if not proof_list:
        report.add(Ob3StepCode.ISSUER_KEY, None, "Not checked: the credential has no proof.")
        report.add(
            Ob3StepCode.PROOF, False, "The credential has no proof (neither embedded nor a VC-JWT)."
        )
        return
    check, method, refusal = _verify_document(credential, resolver)
    if method is not None:
        report.verification_method = method.id
        report.add(
            Ob3StepCode.ISSUER_KEY,
            True,
            f"{method.id}, controlled by {method.controller}, {method.via}.",
        )
    elif refusal is not None:
        report.add(Ob3StepCode.ISSUER_KEY, False, refusal)
        report.add(Ob3StepCode.PROOF, None, "Not checked: no key of the issuer to check it with.")
        return
    else:
        report.add(
            Ob3StepCode.ISSUER_KEY, None, "Not checked: the proof is malformed before any key."
        )
    if check.ok:
        report.add(Ob3StepCode.PROOF, True, f"{check.detail}.")
    else:
        report.add(Ob3StepCode.PROOF, False, f"{check.detail}.")


def _verify_document(
    document: Document, resolver: _KeyResolver
) -> tuple[dataintegrity.ProofCheck, _Method | None, str | None]:
    """Verify `document`'s Data Integrity proof with a key its issuer controls.

    Returns the check, the method whose key was used (None if none was accepted) and, when
    every key was refused, why.
    """
    issuer_id = _issuer_id(document)
    refusals: list[str] = []
    accepted: list[_Method] = []

    def resolve_key(vm_id: str) -> Ed25519PublicKey:
        try:
            method = resolver.method(vm_id, issuer_id)
            key = resolver.ed25519(method)
        except _Refused as exc:
            refusals.append(str(exc))
            raise dataintegrity.ProofError(str(exc)) from None
        accepted.append(method)
        return key

    check = dataintegrity.verify_eddsa_rdfc_2022(document, resolve_key)
    if accepted:
        return check, accepted[-1], None
    return check, None, (f"{refusals[-1].rstrip('.')}." if refusals else None)


# --- dates, status, recipient -----------------------------------------------------------------


def _parse_date(value: object) -> datetime | str:
    if not isinstance(value, str):
        return f"{value!r} is not a date-time string"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"{value!r} is not an ISO 8601 date-time"
    if parsed.tzinfo is None:
        return f"{value!r} has no timezone"
    return parsed


def _check_dates(report: Ob3Report, credential: Document, now: datetime) -> None:
    code = Ob3StepCode.DATES
    start_key = "validFrom" if "validFrom" in credential else "issuanceDate"
    end_key = "validUntil" if "validUntil" in credential else "expirationDate"
    start = _parse_date(credential.get(start_key))
    if isinstance(start, str):
        report.add(code, False, f"{start_key}: {start}.")
        return
    end: datetime | None = None
    if credential.get(end_key) is not None:
        parsed = _parse_date(credential[end_key])
        if isinstance(parsed, str):
            report.add(code, False, f"{end_key}: {parsed}.")
            return
        end = parsed
    if start > now:
        report.add(code, False, f"Not yet valid: {start_key} is {credential[start_key]}.")
    elif end is not None and end <= now:
        report.add(code, False, f"Expired on {credential[end_key]}.")
    else:
        until = f" until {credential[end_key]}" if end is not None else ", no expiry"
        report.add(code, True, f"Valid from {credential[start_key]}{until}.")


def _check_status(report: Ob3Report, credential: Document, resolver: _KeyResolver) -> None:
    code = Ob3StepCode.STATUS
    entries = credential.get("credentialStatus")
    if entries is None:
        report.add(code, True, "The credential has no status entry (it cannot be revoked).")
        return
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict):
            report.add(code, False, "credentialStatus is not an object.")
            return
        kind = entry.get("type")
        if kind == "BitstringStatusListEntry":
            _check_bitstring(report, credential, entry, resolver)
        elif kind == "1EdTechRevocationList":
            _check_revocation_list(report, credential, entry, resolver)
        else:
            report.add(
                code, None, f"Warning: status method {kind!r} is not supported; not checked."
            )


def _check_bitstring(
    report: Ob3Report, credential: Document, entry: Document, resolver: _KeyResolver
) -> None:
    code = Ob3StepCode.STATUS
    url = entry.get("statusListCredential")
    purpose = entry.get("statusPurpose")
    raw_index = entry.get("statusListIndex")
    try:
        index = (
            int(raw_index)
            if isinstance(raw_index, int | str) and not isinstance(raw_index, bool)
            else -1
        )
    except ValueError:
        index = -1
    if not isinstance(url, str) or index < 0 or not isinstance(purpose, str):
        report.add(
            code,
            False,
            "The BitstringStatusListEntry needs statusListCredential, statusPurpose and a "
            "non-negative statusListIndex.",
        )
        return
    try:
        status_list = resolver.get_json(url)
    except _Refused as exc:
        report.add(code, False, f"Could not read the status list: {exc}")
        return
    if _issuer_id(status_list) != _issuer_id(credential):
        report.add(
            code,
            False,
            f"The status list at {url} is issued by {_issuer_id(status_list)!r}, not by the "
            "credential's issuer.",
        )
        return
    check, _, refusal = _verify_document(status_list, resolver)
    if not check.ok:
        reason = refusal or check.detail
        report.add(code, False, f"The status list at {url} is not signed by the issuer: {reason}")
        return
    valid_until = (
        _parse_date(status_list.get("validUntil")) if "validUntil" in status_list else None
    )
    if isinstance(valid_until, datetime) and valid_until <= resolver.now:
        report.add(code, False, f"The status list at {url} expired on {status_list['validUntil']}.")
        return
    subject = status_list.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    if subject.get("statusPurpose") != purpose:
        report.add(
            code,
            False,
            f"The status list's purpose is {subject.get('statusPurpose')!r}, the entry's "
            f"{purpose!r}.",
        )
        return
    size = entry.get("statusSize", 1)
    try:
        bits = statuslist.decode_list(subject.get("encodedList", ""), min_entries=1)
        flagged = statuslist.get_bit(
            bits, index * (size if isinstance(size, int) and size > 0 else 1)
        )
    except statuslist.StatusListError as exc:
        report.add(code, False, f"The status list at {url} is unusable: {exc}.")
        return
    if flagged:
        report.revoked = purpose == "revocation"
        word = "revoked" if purpose == "revocation" else purpose
        report.add(
            code, False, f"The issuer has {word} this credential (bit {index} of {url} is set)."
        )
    else:
        report.add(code, True, f"Bit {index} of the signed {purpose} list {url} is clear.")


def _check_revocation_list(
    report: Ob3Report, credential: Document, entry: Document, resolver: _KeyResolver
) -> None:
    code = Ob3StepCode.STATUS
    url = entry.get("id")
    if not isinstance(url, str):
        report.add(code, False, "The 1EdTechRevocationList entry has no id.")
        return
    try:
        listing = resolver.get_json(url)
    except _Refused as exc:
        # The 1EdTech validator treats an unreachable revocation list as a warning.
        report.add(code, None, f"Warning: could not read the revocation list: {exc}")
        return
    revoked = listing.get("revokedCredential")
    for item in revoked if isinstance(revoked, list) else []:
        if (
            isinstance(item, dict)
            and item.get("id") == credential.get("id")
            and item.get("revoked", True) is not False
        ):
            report.revoked = True
            report.add(code, False, "The issuer's revocation list revokes this credential.")
            return
    report.add(code, True, f"Not on the revocation list {url}.")


def _check_recipient(report: Ob3Report, credential: Document, email: str) -> None:
    code = Ob3StepCode.RECIPIENT
    subject = credential.get("credentialSubject")
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    for item in identifiers if isinstance(identifiers, list) else []:
        if not isinstance(item, dict) or item.get("identityType") != "emailAddress":
            continue
        value = item.get("identityHash")
        if not isinstance(value, str):
            continue
        if item.get("hashed") is True:
            alg, _, expected = value.partition("$")
            salt = item.get("salt") if isinstance(item.get("salt"), str) else ""
            if alg in ("sha256", "md5"):
                actual = hashlib.new(
                    alg, (email + str(salt)).encode("utf-8"), usedforsecurity=False
                ).hexdigest()
                if hmac.compare_digest(actual, expected.lower()):
                    report.add(code, True, f"Awarded to {email}.")
                    return
        elif value == email:
            report.add(code, True, f"Awarded to {email}.")
            return
    report.add(code, False, f"The credential was not awarded to {email}.")


def _fetch_json(fetch: Fetch, url: str) -> Document | str:
    try:
        result: FetchResult = fetch(url)
    except Exception as exc:  # any transport failure is a verification result, not a crash
        return f"could not fetch {url}: {exc}"
    if not 200 <= result.status < 300:
        return f"{url} answered HTTP {result.status}"
    try:
        document = json.loads(result.body)
    except (ValueError, RecursionError):
        return f"{url} is not JSON ({result.content_type or 'no content type'})"
    return document if isinstance(document, dict) else f"{url} is not a JSON object"

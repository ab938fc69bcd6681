"""VC-JWT for Open Badges 3.0: a credential as a compact JWS (OB 3.0 §8.2, "VC-JWT").

Signing: the JOSE header is exactly `alg` (RS256), `kid` (a URL that dereferences to the
issuer's public JWK) and `typ: JWT`; the payload is the credential JSON itself plus the
registered claims OB 3.0 requires: `iss` = issuer id, `jti` = credential id, `nbf` = validFrom,
`exp` = validUntil when set, and `sub` = credentialSubject.id when the subject has one (ours are
identified by a hashed email `identifier`, so they carry no `sub`).

Verifying is split so the caller can resolve the key between the steps: `parse_vc_jwt` reads the
token without trusting it and refuses any algorithm but RS256/ES256 (`none` and HMAC above all:
an HMAC "signature" made with a public key as the secret is a classic forgery),
`verify_signature` checks the signature with a key the caller found, and `check_claims` compares
the claims with the credential they wrap. joserfc does the cryptography; this module decides
policy.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

__all__ = [
    "ALLOWED_ALGORITHMS",
    "JwtError",
    "ParsedJwt",
    "check_claims",
    "jwk_of",
    "parse_vc_jwt",
    "sign_vc_jwt",
    "verify_signature",
]

ALLOWED_ALGORITHMS = ("RS256", "ES256")
_ALLOWED_HEADERS = frozenset({"alg", "kid", "jwk", "typ"})
_REGISTERED_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud", "nonce")
# A compact JWS larger than this is not a badge; refuse before decoding anything.
_MAX_TOKEN = 4 * 1024 * 1024

Document = dict[str, Any]


class _Registry(jws.JWSRegistry):
    # joserfc's defaults (512-byte header, 128 kB payload) refuse a header carrying an RSA
    # `jwk` (the 1EdTech fixtures do) and a credential with long evidence; the whole token is
    # capped at _MAX_TOKEN before joserfc sees it.
    max_header_length = 16 * 1024
    max_payload_length = _MAX_TOKEN


def _registry(alg: str) -> jws.JWSRegistry:
    return _Registry(algorithms=[alg])


PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class JwtError(ValueError):
    """The token is not an acceptable VC-JWT; the message says exactly why."""


@dataclass(frozen=True, slots=True)
class ParsedJwt:
    """An unverified token: its header, its payload and the credential inside."""

    token: str
    header: Document
    payload: Document
    credential: Document
    # True for the VC-1.1-era form that carries the credential in a `vc` claim.
    legacy_vc_claim: bool


def _timestamp(value: str) -> int:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise JwtError(f"{value!r} has no timezone")
    return int(parsed.timestamp())


def sign_vc_jwt(credential: Document, private_key: rsa.RSAPrivateKey, *, kid: str) -> str:
    """The credential as an RS256 VC-JWT. Any embedded proof stays in the payload (it is added
    before the JWT is made, OB 3.0 §8.2)."""
    payload: Document = dict(credential)
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str):
        raise JwtError("the credential has no issuer id")
    payload["iss"] = issuer_id
    payload["jti"] = credential["id"]
    payload["nbf"] = _timestamp(credential["validFrom"])
    if "validUntil" in credential:
        payload["exp"] = _timestamp(credential["validUntil"])
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        payload["sub"] = subject["id"]
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    return jws.serialize_compact(
        header, body, RSAKey.import_key(private_key), registry=_registry("RS256")
    )


def _b64json(segment: str, what: str) -> Document:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise JwtError(f"the JWT {what} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise JwtError(f"the JWT {what} is not a JSON object")
    return value


def parse_vc_jwt(token: str) -> ParsedJwt:
    """Decode `token` without verifying it; refuse what no signature check could make safe."""
    token = token.strip()
    if len(token) > _MAX_TOKEN:
        raise JwtError("the token is larger than 4 MiB")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError(
            f"a compact JWS has 3 dot-separated parts; this has {len(parts)} (JWE and JSON "
            "serialisations are not VC-JWTs)"
        )
    header = _b64json(parts[0], "header")
    alg = header.get("alg")
    if alg == "none" or alg in (None, ""):
        raise JwtError("the JWT is unsigned (alg 'none'); OB 3.0 requires RS256")
    if isinstance(alg, str) and alg.startswith("HS"):
        raise JwtError(
            f"alg {alg} is a shared-secret MAC, not a signature: anyone holding the key could "
            "forge it; OB 3.0 requires RS256"
        )
    if alg not in ALLOWED_ALGORITHMS:
        raise JwtError(f"alg {alg!r} is not accepted; use RS256 (or ES256)")
    extra = sorted(set(header) - _ALLOWED_HEADERS)
    if extra:
        raise JwtError(f"header parameter(s) {', '.join(extra)} are not allowed in a VC-JWT")
    if "typ" in header and header["typ"] != "JWT":
        raise JwtError(f"header typ is {header['typ']!r}; OB 3.0 requires 'JWT'")
    jwk = header.get("jwk")
    if jwk is not None and (not isinstance(jwk, dict) or "d" in jwk):
        raise JwtError("the header jwk must be a public key (and never include 'd')")
    if not parts[2]:
        raise JwtError("the JWT has an empty signature")
    payload = _b64json(parts[1], "payload")
    vc = payload.get("vc")
    if isinstance(vc, dict):
        return ParsedJwt(token, header, payload, vc, legacy_vc_claim=True)
    credential = {k: v for k, v in payload.items() if k not in _REGISTERED_CLAIMS}
    return ParsedJwt(token, header, payload, credential, legacy_vc_claim=False)


def jwk_of(key: PublicKey) -> Document:
    """The public JWK for `key` (no `kid`; the caller names it)."""
    imported = (
        RSAKey.import_key(key) if isinstance(key, rsa.RSAPublicKey) else ECKey.import_key(key)
    )
    jwk: Document = dict(imported.as_dict(private=False))
    return jwk


def verify_signature(parsed: ParsedJwt, jwk: Document) -> None:
    """Raise `JwtError` unless `jwk` (a public JWK) verifies `parsed`'s signature."""
    alg = parsed.header["alg"]
    if "d" in jwk:
        raise JwtError("refusing to verify with a private JWK")
    try:
        if jwk.get("kty") == "RSA" and alg == "RS256":
            key: RSAKey | ECKey = RSAKey.import_key(jwk)
            if key.raw_value.key_size < 2048:
                raise JwtError(
                    f"the RSA key has {key.raw_value.key_size} bits; 2048 is the minimum"
                )
        elif jwk.get("kty") == "EC" and alg == "ES256":
            key = ECKey.import_key(jwk)
        else:
            raise JwtError(f"a {jwk.get('kty')!r} key cannot verify a {alg} signature")
        jws.deserialize_compact(parsed.token, key, registry=_registry(alg))
    except JoseError as exc:
        raise JwtError(f"the JWT signature does not verify with the issuer's key ({exc})") from None
    except (ValueError, TypeError) as exc:
        raise JwtError(f"the public key is not a usable JWK: {exc}") from None


def check_claims(parsed: ParsedJwt) -> list[str]:
    """What is wrong with the JWT claims compared with the credential they wrap (empty: nothing).

    `iss`, `jti` and `sub` must repeat the credential's issuer id, id and subject id; `nbf` must
    equal validFrom and `exp` validUntil (VC-1.1 era: issuanceDate/expirationDate). Whether
    those dates have come or gone is the verifier's dates step, not a claim mismatch.
    """
    claims, credential = parsed.payload, parsed.credential
    problems: list[str] = []
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") != issuer_id:
        problems.append(f"iss {claims.get('iss')!r} is not the credential issuer {issuer_id!r}")
    if claims.get("jti") != credential.get("id"):
        problems.append(
            f"jti {claims.get('jti')!r} is not the credential id {credential.get('id')!r}"
        )
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if "sub" in claims and claims["sub"] != subject_id:
        problems.append(f"sub {claims['sub']!r} is not the credentialSubject id {subject_id!r}")
    for claim, fields in (
        ("nbf", ("validFrom", "issuanceDate")),
        ("exp", ("validUntil", "expirationDate")),
    ):
        field_name = next((f for f in fields if f in credential), None)
        value = claims.get(claim)
        if value is None:
            if claim == "nbf":
                problems.append("the nbf claim is missing")
            elif field_name is not None:
                problems.append(f"the exp claim is missing but the credential has {field_name}")
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(f"{claim} is not a NumericDate")
            continue
        if field_name is None:
            if claim == "exp":
                problems.append("the exp claim is set but the credential has no validUntil")
            continue
        try:
            expected = _timestamp(str(credential[field_name]))
        except (JwtError, ValueError):
            problems.append(f"{field_name} is not a date-time")
            continue
        if int(value) != expected:
            problems.append(
                f"{claim} {_iso(value)} does not match {field_name} {credential[field_name]}"
            )
    return problems


def _iso(value: float) -> str:
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

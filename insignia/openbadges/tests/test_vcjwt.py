"""VC-JWT: header and claims we write, and every token we must refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jws
from joserfc.jwk import RSAKey

from insignia.openbadges import vcjwt
from insignia.openbadges.vcjwt import JwtError

KID = "https://badges.example/issuers/x/profile.json#key-rsa1"


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def credential():
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b7e6c1e-0000-5000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://badges.example/issuers/x/profile.json", "type": ["Profile"]},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"]},
    }


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _token(header: dict, payload: dict, signature: str = "c2ln") -> str:
    return f"{_b64(header)}.{_b64(payload)}.{signature}"


def test_header_is_exactly_alg_kid_typ_and_claims_repeat_the_credential(rsa_key, credential):
    token = vcjwt.sign_vc_jwt(credential, rsa_key, kid=KID)
    parsed = vcjwt.parse_vc_jwt(token)
    assert parsed.header == {"alg": "RS256", "kid": KID, "typ": "JWT"}
    assert parsed.payload["iss"] == credential["issuer"]["id"]
    assert parsed.payload["jti"] == credential["id"]
    assert parsed.payload["nbf"] == 1767225600
    assert parsed.payload["exp"] == 1798761600
    assert "sub" not in parsed.payload  # the subject has no id, only identifiers
    assert parsed.credential == credential
    vcjwt.verify_signature(parsed, vcjwt.jwk_of(rsa_key.public_key()))
    assert vcjwt.check_claims(parsed) == []


def test_sub_is_the_subject_id_when_there_is_one(rsa_key, credential):
    credential["credentialSubject"]["id"] = "did:example:learner"
    parsed = vcjwt.parse_vc_jwt(vcjwt.sign_vc_jwt(credential, rsa_key, kid=KID))
    assert parsed.payload["sub"] == "did:example:learner"


def test_a_tampered_payload_does_not_verify(rsa_key, credential):
    token = vcjwt.sign_vc_jwt(credential, rsa_key, kid=KID)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["validUntil"] = "2099-01-01T00:00:00Z"
    parsed = vcjwt.parse_vc_jwt(f"{header}.{_b64(claims)}.{signature}")
    with pytest.raises(JwtError, match="does not verify"):
        vcjwt.verify_signature(parsed, vcjwt.jwk_of(rsa_key.public_key()))


def test_another_key_does_not_verify(rsa_key, credential):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    parsed = vcjwt.parse_vc_jwt(vcjwt.sign_vc_jwt(credential, rsa_key, kid=KID))
    with pytest.raises(JwtError, match="does not verify"):
        vcjwt.verify_signature(parsed, vcjwt.jwk_of(other.public_key()))


def test_alg_none_is_refused_as_unsigned(credential):
    with pytest.raises(JwtError, match="unsigned"):
        vcjwt.parse_vc_jwt(_token({"alg": "none", "typ": "JWT"}, credential, signature=""))


def test_hs256_is_refused_even_when_signed_with_the_public_key_as_secret(rsa_key, credential):
    # The classic RS256→HS256 confusion: an HMAC keyed with the issuer's public key.
    public_pem = RSAKey.import_key(rsa_key.public_key()).as_pem()
    signing_input = f"{_b64({'alg': 'HS256', 'kid': KID, 'typ': 'JWT'})}.{_b64(credential)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    with pytest.raises(JwtError, match="HS256 is a shared-secret MAC"):
        vcjwt.parse_vc_jwt(forged)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "RS512", "typ": "JWT"}, "not accepted"),
        ({"alg": "RS256", "typ": "JWT", "crit": ["exp"]}, "crit"),
        ({"alg": "RS256", "typ": "vc+jwt"}, "typ"),
        ({"alg": "RS256", "jwk": {"kty": "RSA", "n": "x", "e": "AQAB", "d": "y"}}, "never include"),
    ],
)
def test_headers_outside_the_ob3_profile_are_refused(credential, header, reason):
    with pytest.raises(JwtError, match=reason):
        vcjwt.parse_vc_jwt(_token(header, credential))


@pytest.mark.parametrize("token", ["a.b", "not-a-jwt", "a.b.c.d.e"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(JwtError):
        vcjwt.parse_vc_jwt(token)


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("iss", "https://evil.example/issuer", "iss"),
        ("jti", "urn:uuid:another", "jti"),
        ("nbf", 1767225601, "nbf"),
        ("exp", 1900000000, "exp"),
        ("sub", "did:example:someone-else", "sub"),
    ],
)
def test_claims_that_do_not_match_the_credential_are_reported(
    rsa_key, credential, claim, value, reason
):
    token = vcjwt.sign_vc_jwt(credential, rsa_key, kid=KID)
    claims = vcjwt.parse_vc_jwt(token).payload | {claim: value}
    problems = vcjwt.check_claims(vcjwt.parse_vc_jwt(_token({"alg": "RS256"}, claims)))
    assert problems and reason in problems[0]


def test_a_vc11_token_carries_the_credential_in_the_vc_claim(credential):
    parsed = vcjwt.parse_vc_jwt(_token({"alg": "RS256"}, {"vc": credential, "iss": "x"}))
    assert parsed.legacy_vc_claim and parsed.credential == credential


@pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")
def test_an_rsa_key_shorter_than_2048_bits_is_refused(credential):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - on purpose
    token = jws.serialize_compact(
        {"alg": "RS256"}, json.dumps(credential).encode(), RSAKey.import_key(weak), ["RS256"]
    )
    with pytest.raises(JwtError, match="2048"):
        vcjwt.verify_signature(vcjwt.parse_vc_jwt(token), vcjwt.jwk_of(weak.public_key()))

"""OB 3.0 verification: the 1EdTech validator's fixtures, our own credentials in every format,
and each kind of bad input failing at the right step with a precise reason."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import RSAKey

from insignia.openbadges import dataintegrity, multikey, ob3, statuslist, vcjwt
from insignia.openbadges.baking import (
    OB3_SVG_NAMESPACE,
    bake_png,
    bake_svg,
    detect_image_kind,
    unbake_png,
    unbake_svg,
)
from insignia.openbadges.ob2 import dumps
from insignia.openbadges.tests.factories import VECTORS, FakeWeb, itxt, png
from insignia.openbadges.tests.test_ob3 import make_spec
from insignia.openbadges.verify_ob3 import Ob3StepCode, did_web_url, verify_credential

NOW = datetime(2026, 6, 1, tzinfo=UTC)
INSPECTOR = VECTORS / "inspector-ob30"
STATUS_FIXTURE_URL = (
    "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/"
    "main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
)
ONE_EDTECH_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


# --- a fake issuer on a fake web --------------------------------------------------------------


class Issuer:
    """An issuer publishing a controller document (its id), a status list and keys."""

    def __init__(self, web: FakeWeb, origin: str = "https://badges.example", slug: str = "a"):
        self.web = web
        self.id = f"{origin}/issuers/{slug}/profile.json"
        self.ed = Ed25519PrivateKey.generate()
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.vm = f"{self.id}#key-ed1"
        self.kid = f"{self.id}#key-rsa1"
        self.list_url = f"{origin}/status/{slug}1"
        self.bits = statuslist.new_bitstring()
        self.revoked_on: str | None = None
        self.publish()

    def controller(self) -> dict:
        ed: dict = {
            "id": self.vm,
            "type": "Multikey",
            "controller": self.id,
            "publicKeyMultibase": multikey.ed25519_public_multibase(self.ed.public_key()),
        }
        jwk = vcjwt.jwk_of(self.rsa.public_key()) | {"kid": self.kid}
        rsa_method: dict = {
            "id": self.kid,
            "type": "JsonWebKey",
            "controller": self.id,
            "publicKeyJwk": jwk,
        }
        if self.revoked_on:
            ed["revoked"] = rsa_method["revoked"] = self.revoked_on
        return {
            "@context": [ob3.VC2_CONTEXT_URL, ob3.OB3_CONTEXT_URL],
            "id": self.id,
            "type": ["Profile"],
            "name": "Badges",
            "verificationMethod": [ed, rsa_method],
            "assertionMethod": [] if self.revoked_on else [self.vm, self.kid],
        }

    def publish(self) -> None:
        self.web.json(self.id, self.controller())
        spec = statuslist.StatusListSpec(
            id=self.list_url, issuer_id=self.id, valid_from=datetime(2026, 1, 1, tzinfo=UTC)
        )
        self.web.json(self.list_url, self.sign(statuslist.status_list_credential(spec, self.bits)))

    def sign(self, document: dict, key: Ed25519PrivateKey | None = None, vm: str = "") -> dict:
        options = dataintegrity.ProofOptions(
            verification_method=vm or self.vm, created=datetime(2026, 1, 1, tzinfo=UTC)
        )
        return dataintegrity.sign_eddsa_rdfc_2022(document, key or self.ed, options)

    def credential(self, **changes: object) -> dict:
        spec = make_spec(
            issuer=replace(make_spec().issuer, id=self.id),
            status=ob3.StatusEntry(list_url=self.list_url, index=7),
        )
        return ob3.credential_document(replace(spec, **changes))

    def signed(self, **changes: object) -> dict:
        return self.sign(self.credential(**changes))

    def jwt(self, credential: dict) -> str:
        return vcjwt.sign_vc_jwt(credential, self.rsa, kid=self.kid)


@pytest.fixture
def web():
    return FakeWeb()


@pytest.fixture
def issuer(web):
    return Issuer(web)


def verify(data, web, **kwargs):
    report = verify_credential(data, fetch=web, now=kwargs.pop("now", NOW), **kwargs)
    return report


def failed(report, code: Ob3StepCode) -> str:
    step = report.step(code)
    assert step is not None and step.ok is False, [(s.code, s.ok, s.detail) for s in report.steps]
    return step.detail


# --- our own credentials ----------------------------------------------------------------------


def test_a_signed_json_credential_verifies_every_step(issuer, web):
    report = verify(issuer.signed(), web, recipient_email="ann@example.com")
    assert report.valid, [(s.code, s.detail) for s in report.steps if s.ok is not True]
    assert [s.code for s in report.steps] == [
        Ob3StepCode.PARSE,
        Ob3StepCode.STRUCTURE,
        Ob3StepCode.SCHEMA,
        Ob3StepCode.ISSUER_KEY,
        Ob3StepCode.PROOF,
        Ob3StepCode.DATES,
        Ob3StepCode.STATUS,
        Ob3StepCode.RECIPIENT,
    ]
    assert report.verification_method == issuer.vm


def test_json_text_and_bytes_verify_like_the_parsed_object(issuer, web):
    body = dumps(issuer.signed())
    assert verify(body, web).valid and verify(body.decode(), web).valid


def test_a_vc_jwt_verifies_with_the_key_its_kid_names(issuer, web):
    report = verify(issuer.jwt(issuer.signed()), web)
    assert report.valid, report.failures
    assert report.format == "jwt" and report.verification_method == issuer.kid


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_baked_image_verifies(issuer, web, kind):
    text = dumps(issuer.signed()).decode()
    if kind == "png":
        image = bake_png(png(), text, keyword="openbadgecredential")
    else:
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
        image = bake_svg(
            svg, assertion_json=text, namespace=OB3_SVG_NAMESPACE, element="credential"
        )
    report = verify(image, web)
    assert report.valid and report.format == kind


def test_a_baked_png_carrying_a_vc_jwt_verifies(issuer, web):
    image = bake_png(png(), issuer.jwt(issuer.signed()), keyword="openbadgecredential")
    assert verify(image, web).valid


def test_the_wrong_recipient_email_fails(issuer, web):
    detail = failed(
        verify(issuer.signed(), web, recipient_email="bob@example.com"), Ob3StepCode.RECIPIENT
    )
    assert "not awarded to bob@example.com" in detail


# --- tampering and keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ("name",),
        ("validFrom",),
        ("credentialSubject", "identifier", 0, "salt"),
        ("credentialSubject", "achievement", "description"),
        ("credentialSubject", "achievement", "criteria", "narrative"),
        ("evidence", 0, "name"),
        ("issuer", "name"),
        ("credentialStatus", "statusListIndex"),
    ],
)
def test_a_tampered_field_breaks_the_signature(issuer, web, path):
    credential = issuer.signed()
    target = credential
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "2026-01-02T00:00:00Z" if path[-1] == "validFrom" else "8"
    detail = failed(verify(credential, web), Ob3StepCode.PROOF)
    assert "signature does not match" in detail


def test_a_signature_by_another_key_fails(issuer, web):
    forged = issuer.sign(issuer.credential(), key=Ed25519PrivateKey.generate())
    assert "signature does not match" in failed(verify(forged, web), Ob3StepCode.PROOF)


def test_a_key_of_another_issuer_is_refused(issuer, web):
    other = Issuer(web, slug="other")
    stolen = other.sign(issuer.credential())  # other issuer's key, our issuer's name
    detail = failed(verify(stolen, web), Ob3StepCode.ISSUER_KEY)
    assert f"controlled by {other.id}, not by the credential's issuer {issuer.id}" in detail
    assert verify(stolen, web).step(Ob3StepCode.PROOF).ok is None


def test_a_revoked_key_fails_with_the_date(issuer, web):
    credential = issuer.signed()
    issuer.revoked_on = "2026-03-01T00:00:00Z"
    issuer.publish()
    detail = failed(verify(credential, web), Ob3StepCode.ISSUER_KEY)
    assert "revoked by the issuer on 2026-03-01T00:00:00Z" in detail
    jwt_detail = failed(verify(issuer.jwt(credential), web), Ob3StepCode.ISSUER_KEY)
    assert "revoked" in jwt_detail


def test_a_key_the_issuer_does_not_publish_is_refused(issuer, web):
    credential = issuer.sign(issuer.credential(), vm=f"{issuer.id}#key-unknown")
    assert "does not publish" in failed(verify(credential, web), Ob3StepCode.ISSUER_KEY)


def test_an_unreachable_issuer_document_is_a_failure_not_a_crash(issuer, web):
    credential = issuer.signed()
    web.responses.pop(issuer.id)
    assert "HTTP 404" in failed(verify(credential, web), Ob3StepCode.ISSUER_KEY)


# --- dates and status -------------------------------------------------------------------------


def test_an_expired_credential_fails_with_its_expiry(issuer, web):
    credential = issuer.signed(valid_until=datetime(2026, 5, 1, tzinfo=UTC))
    assert failed(verify(credential, web), Ob3StepCode.DATES) == "Expired on 2026-05-01T00:00:00Z."


def test_a_credential_not_yet_valid_fails(issuer, web):
    credential = issuer.signed(valid_from=NOW + timedelta(days=2), valid_until=None)
    assert "Not yet valid" in failed(verify(credential, web), Ob3StepCode.DATES)


def test_a_revoked_credential_fails_at_the_status_list(issuer, web):
    credential = issuer.signed()
    statuslist.set_bit(issuer.bits, 7)
    issuer.publish()
    report = verify(credential, web)
    assert "has revoked this credential (bit 7" in failed(report, Ob3StepCode.STATUS)
    assert report.revoked


def test_a_status_list_not_signed_by_the_issuer_is_refused(issuer, web):
    credential = issuer.signed()
    listed = json.loads(web.responses[issuer.list_url].body)
    bits = statuslist.new_bitstring()
    statuslist.set_bit(bits, 99)
    listed["credentialSubject"]["encodedList"] = statuslist.encode_list(bits)
    web.json(issuer.list_url, listed)  # changed after signing
    assert "not signed by the issuer" in failed(verify(credential, web), Ob3StepCode.STATUS)


def test_a_status_list_of_another_issuer_is_refused(issuer, web):
    other = Issuer(web, slug="other")
    credential = issuer.signed(status=ob3.StatusEntry(list_url=other.list_url, index=7))
    assert "not by the credential's issuer" in failed(verify(credential, web), Ob3StepCode.STATUS)


# --- bad input --------------------------------------------------------------------------------


def test_an_unknown_context_url_fails_structure_and_proof(issuer, web):
    credential = issuer.signed()
    credential["@context"].append("https://evil.example/context.json")
    report = verify(credential, web)
    assert "unknown context URL https://evil.example/context.json" in failed(
        report, Ob3StepCode.STRUCTURE
    )
    assert "evil.example" in failed(report, Ob3StepCode.PROOF)


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_jwt_with_alg_none_is_refused(issuer, web):
    token = f"{_b64({'alg': 'none'})}.{_b64(issuer.signed())}."
    assert "alg 'none'" in failed(verify(token, web), Ob3StepCode.PARSE)


def test_a_jwt_with_hs256_is_refused(issuer, web):
    token = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(issuer.signed())}.c2ln"
    assert "HS256 is a shared-secret MAC" in failed(verify(token, web), Ob3StepCode.PARSE)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", "https://evil.example/i"), ("jti", "urn:uuid:other"), ("nbf", 1)],
)
def test_a_jwt_whose_claims_do_not_match_the_credential_fails(issuer, web, claim, value):
    credential = issuer.signed()
    payload = vcjwt.parse_vc_jwt(issuer.jwt(credential)).payload | {claim: value}
    token = jws.serialize_compact(
        {"alg": "RS256", "kid": issuer.kid, "typ": "JWT"},
        json.dumps(payload).encode(),
        RSAKey.import_key(issuer.rsa),
        algorithms=["RS256"],
    )
    detail = failed(verify(token, web), Ob3StepCode.PROOF)
    assert detail.startswith("The signature is valid but") and claim in detail


def test_a_png_with_two_credential_chunks_is_refused(issuer, web):
    text = dumps(issuer.signed()).decode()
    image = png(itxt("openbadgecredential", text), itxt("openbadgecredential", text))
    assert "2 'openbadgecredential' text chunks" in failed(verify(image, web), Ob3StepCode.PARSE)


def test_a_png_with_a_truncated_chunk_is_refused(issuer, web):
    text = dumps(issuer.signed()).decode()
    whole = png(itxt("openbadgecredential", text))
    truncated = whole[: len(whole) // 2]
    detail = failed(verify(truncated, web), Ob3StepCode.PARSE)
    assert detail.startswith("The baked PNG is unusable") and "truncated" in detail.lower()


def test_a_chunk_with_a_bad_crc_is_refused(issuer, web):
    bad = bytearray(png(itxt("openbadgecredential", "{}")))
    bad[-20] ^= 0xFF  # inside the iTXt chunk's CRC or data
    assert "unusable" in failed(verify(bytes(bad), web), Ob3StepCode.PARSE)


def test_an_svg_with_two_credential_elements_is_refused(issuer, web):
    text = dumps(issuer.signed()).decode()
    element = f"<openbadges:credential><![CDATA[{text}]]></openbadges:credential>"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NAMESPACE}">'
        f"{element}{element}</svg>"
    ).encode()
    assert "2 <credential> elements" in failed(verify(svg, web), Ob3StepCode.PARSE)


def test_an_image_without_a_credential_says_what_is_missing(web):
    assert "no OB 3.0 credential baked in" in failed(verify(png(), web), Ob3StepCode.PARSE)


@pytest.mark.parametrize(
    "data", [b"\x00\x01\x02", "", "{", "[1, 2]", {}, b"<svg", "a.b.c", "\ufeff{}"]
)
def test_garbage_never_raises(web, data):
    report = verify(data, web)
    assert not report.valid and report.failures


# --- identifiers: did:web and did:key ---------------------------------------------------------


def test_did_web_maps_to_its_did_json():
    assert did_web_url("did:web:badges.example%3A8443:issuers:abc") == (
        "https://badges.example:8443/issuers/abc/did.json"
    )
    assert did_web_url("did:web:example.com") == "https://example.com/.well-known/did.json"
    assert did_web_url("did:web:localhost%3A8000:x", "http") == "http://localhost:8000/x/did.json"


def test_a_did_web_key_aka_the_issuer_id_verifies(issuer, web):
    did = "did:web:badges.example:issuers:a"
    web.json(
        "https://badges.example/issuers/a/did.json",
        {
            "id": did,
            "alsoKnownAs": [issuer.id],
            "verificationMethod": [
                {
                    "id": f"{did}#key-ed1",
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": multikey.ed25519_public_multibase(issuer.ed.public_key()),
                }
            ],
            "assertionMethod": [f"{did}#key-ed1"],
        },
    )
    report = verify(issuer.sign(issuer.credential(), vm=f"{did}#key-ed1"), web)
    assert report.valid, report.failures


def test_a_did_web_that_does_not_name_the_issuer_is_refused(issuer, web):
    did = "did:web:elsewhere.example"
    web.json(
        "https://elsewhere.example/.well-known/did.json",
        {
            "id": did,
            "verificationMethod": [
                {
                    "id": f"{did}#k",
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": multikey.ed25519_public_multibase(issuer.ed.public_key()),
                }
            ],
        },
    )
    report = verify(issuer.sign(issuer.credential(), vm=f"{did}#k"), web)
    assert f"controlled by {did}" in failed(report, Ob3StepCode.ISSUER_KEY)


def test_a_did_key_issuer_signs_for_itself(web):
    key = Ed25519PrivateKey.generate()
    did = "did:key:" + multikey.ed25519_public_multibase(key.public_key())
    spec = make_spec(issuer=replace(make_spec().issuer, id=did), status=None)
    options = dataintegrity.ProofOptions(
        verification_method=f"{did}#{did.removeprefix('did:key:')}",
        created=datetime(2026, 1, 1, tzinfo=UTC),
    )
    signed = dataintegrity.sign_eddsa_rdfc_2022(ob3.credential_document(spec), key, options)
    assert verify(signed, web).valid


# --- the 1EdTech validator's fixtures ---------------------------------------------------------


@pytest.fixture
def inspector_web(web):
    hosts = VECTORS / "1edtech-ob3-ldp" / "hosts"
    web.raw(
        "https://example.com/issuers/876543",
        (hosts / "example.com/issuers/876543.json").read_bytes(),
    )
    web.raw(
        "https://example.edu/issuers/565049",
        (hosts / "example.edu/issuers/565049.json").read_bytes(),
    )
    web.raw(STATUS_FIXTURE_URL, (INSPECTOR / "bit-string-list" / "testlist").read_bytes())
    return web


def _fixture(name: str) -> dict | bytes:
    path = INSPECTOR / name
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "simple.json",
        "complete.json",
        "simple-context-alias.json",
        "simple-context-version.json",
        "simple-did-web-method.json",
        "simple-multiple-proofs.json",
        "endorsement-valid.json",
        "simple-json.png",
        "simple-json.svg",
    ],
)
def test_valid_inspector_fixtures_verify(inspector_web, name):
    report = verify(_fixture(name), inspector_web)
    assert report.valid, [(s.code, s.detail) for s in report.failures]


@pytest.mark.parametrize(
    ("name", "code", "reason"),
    [
        ("simple-err-context.json", Ob3StepCode.STRUCTURE, "the first @context"),
        ("simple-err-type.json", Ob3StepCode.STRUCTURE, "OtherCredential"),
        ("simple-err-issuer.json", Ob3StepCode.SCHEMA, "'issuer' is a required property"),
        ("simple-err-issuer-type.json", Ob3StepCode.SCHEMA, "$.issuer"),
        ("simple-err-issuer-parentorg-type.json", Ob3StepCode.SCHEMA, "$.issuer"),
        ("simple-err-issuer-otheridentifier-type.json", Ob3StepCode.SCHEMA, "IdentifierEntry"),
        ("simple-err-evidence-type.json", Ob3StepCode.SCHEMA, "$.evidence"),
        ("simple-err-credential-subject-type.json", Ob3StepCode.SCHEMA, "credentialSubject.type"),
        (
            "simple-err-credential-subject-identifier-type.json",
            Ob3StepCode.SCHEMA,
            "InvalidIdentityObject",
        ),
        ("simple-err-credential-subject-profile-type.json", Ob3StepCode.SCHEMA, "source.type"),
        ("simple-err-credential-subject-result-type.json", Ob3StepCode.SCHEMA, "result"),
        (
            "simple-err-credential-subject-achievement-result-description-type.json",
            Ob3StepCode.SCHEMA,
            "resultDescription",
        ),
        ("simple-err-expired.json", Ob3StepCode.DATES, "Expired on 2010-01-01"),
        ("simple-err-issued.json", Ob3StepCode.DATES, "Not yet valid"),
        ("simple-err-proof-value.json", Ob3StepCode.PROOF, "signature does not match"),
        ("simple-err-proof-method.json", Ob3StepCode.ISSUER_KEY, "does not publish"),
        ("simple-err-proof-method-no-scheme.json", Ob3StepCode.ISSUER_KEY, "no scheme"),
        ("simple-err-proof-method-unknown-scheme.json", Ob3StepCode.ISSUER_KEY, "'xxx'"),
        ("simple-err-proof-method-unknown-did-method.json", Ob3StepCode.ISSUER_KEY, "did:example"),
        ("simple-noproof.json", Ob3StepCode.PROOF, "no proof"),
        ("simple-eddsa-2022.json", Ob3StepCode.PROOF, "eddsa-2022"),
        ("bit-string-list/credential-status-revoked.json", Ob3StepCode.STATUS, "bit 23"),
        (
            "bit-string-list/credential-status-revoked-blank-nodes.json",
            Ob3StepCode.STATUS,
            "bit 23",
        ),
        ("simple.jwt", Ob3StepCode.ISSUER_KEY, "neither kid nor jwk"),
    ],
)
def test_invalid_inspector_fixtures_fail_at_the_right_step(inspector_web, name, code, reason):
    report = verify(_fixture(name), inspector_web)
    assert reason in failed(report, code)


def test_a_did_key_method_is_refused_when_the_issuer_is_not_that_did(inspector_web):
    # DCV accepts this fixture; we require every key to be the issuer's (docs/open-badges.md).
    report = verify(_fixture("simple-did-key-method.json"), inspector_web)
    assert "is not the credential's issuer urn:uuid:" in failed(report, Ob3StepCode.ISSUER_KEY)


@pytest.mark.parametrize("name", ["simple-jwt.png", "simple-jwt.svg"])
def test_inspector_jwt_images_verify_when_the_issuer_publishes_the_embedded_key(web, name):
    image = _fixture(name)
    report = verify(image, web)
    assert "issuer's keys could not be read" in failed(report, Ob3StepCode.ISSUER_KEY)
    assert report.format == name.rsplit(".", 1)[1]
    header = json.loads(base64.urlsafe_b64decode(_token_of(image).split(".")[0] + "=="))
    web.json(
        "https://1edtech.edu/issuers/565049",
        {
            "id": "https://1edtech.edu/issuers/565049",
            "verificationMethod": [
                {
                    "id": "https://1edtech.edu/issuers/565049#rsa",
                    "type": "JsonWebKey",
                    "controller": "https://1edtech.edu/issuers/565049",
                    "publicKeyJwk": header["jwk"],
                }
            ],
        },
    )
    report = verify(image, web)
    assert report.valid, [(s.code, s.detail) for s in report.failures]


def _token_of(image: bytes) -> str:
    if detect_image_kind(image) == "png":
        return unbake_png(image, keyword="openbadgecredential") or ""
    return unbake_svg(image, namespace=OB3_SVG_NAMESPACE, element="credential") or ""


def test_the_1edtech_vector_key_is_the_one_in_the_fixtures():
    keys = json.loads((VECTORS / "1edtech-ob3-ldp" / "keys.json").read_text())
    assert ONE_EDTECH_KEY in json.dumps(keys)


def test_a_truncated_chunk_in_a_real_baked_fixture_is_refused(web):
    image = _fixture("simple-json.png")
    start = image.index(b"openbadgecredential") - 8
    cut = image[: start + 200]
    assert "unusable" in failed(verify(cut, web), Ob3StepCode.PARSE)


def test_verification_never_mutates_its_input(issuer, web):
    credential = issuer.signed()
    before = copy.deepcopy(credential)
    verify(credential, web)
    assert credential == before

"""OpenBadgeCredential documents: shape, arrays the 1EdTech schema wants, and signing them."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insignia.openbadges import dataintegrity, ob2, ob3, schema
from insignia.openbadges.contexts import UnknownContextError

ISSUER = "https://badges.example/issuers/abc/profile.json"
VM = f"{ISSUER}#key-k1"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OPTIONS = dataintegrity.ProofOptions(
    verification_method=VM, created=datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
)


def make_spec(**changes: object) -> ob3.CredentialSpec:
    spec = ob3.CredentialSpec(
        id="urn:uuid:2a4f0c84-5d0f-5f4c-9a0e-3e8b2f6b1c11",
        issuer=ob3.Profile(
            id=ISSUER,
            name="Contoso Certification",
            url="https://contoso.example",
            email="certs@contoso.example",
            image="https://badges.example/media/logo.png",
        ),
        achievement=ob3.Achievement(
            id="https://badges.example/templates/t1",
            name="Azure Fundamentals",
            description="Passed the cloud fundamentals exam.",
            image="https://badges.example/templates/t1/image.png",
            criteria_url="https://contoso.example/az-900",
            criteria_narrative="Pass the **AZ-900** exam.",
            alignments=(
                ob3.Alignment(
                    target_name="Cloud concepts",
                    target_url="https://example.org/framework/cloud",
                    target_framework="Example framework",
                    target_code="CC-1",
                ),
            ),
            tags=("Cloud Computing", "Azure"),
        ),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=datetime(2028, 1, 1, tzinfo=UTC),
        awarded_date=datetime(2026, 1, 1, tzinfo=UTC),
        identifiers=(ob3.hashed_email_identifier("ann@example.com", "s4lt"),),
        evidence=(ob3.Evidence(id="https://contoso.example/e/1", name="Exam report"),),
        narrative="Scored 912.",
        status=ob3.StatusEntry(list_url="https://badges.example/status/l1", index=42),
    )
    return replace(spec, **changes)


def test_the_credential_has_the_ob3_contexts_types_and_schema_entry():
    document = ob3.credential_document(make_spec())
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
            "ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert document["validFrom"] == "2026-01-01T00:00:00Z"
    assert document["validUntil"] == "2028-01-01T00:00:00Z"
    assert document["credentialStatus"] == {
        "id": "https://badges.example/status/l1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://badges.example/status/l1",
    }


def test_multi_valued_fields_are_arrays_and_nothing_is_null():
    document = ob3.credential_document(make_spec())
    subject = document["credentialSubject"]
    achievement = subject["achievement"]
    assert subject["type"] == ["AchievementSubject"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["alignment"][0]["type"] == ["Alignment"]
    assert achievement["tag"] == ["Cloud Computing", "Azure"]
    assert document["evidence"][0]["type"] == ["Evidence"]
    assert document["issuer"]["type"] == ["Profile"]
    assert document["issuer"]["image"] == {
        "id": "https://badges.example/media/logo.png",
        "type": "Image",
    }

    def walk(value: object) -> None:
        assert value is not None and value != []
        for child in (
            value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        ):
            walk(child)

    walk(document)


def test_the_email_identifier_is_the_salted_sha256_ob2_verifiers_compute():
    identifier = ob3.credential_document(make_spec())["credentialSubject"]["identifier"][0]
    assert identifier == {
        "type": "IdentityObject",
        "identityHash": ob2.identity_hash("ann@example.com", "s4lt"),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "s4lt",
    }


def test_optional_fields_are_left_out_when_absent():
    document = ob3.credential_document(
        make_spec(valid_until=None, evidence=(), narrative=None, status=None, awarded_date=None)
    )
    for key in ("validUntil", "evidence", "credentialStatus", "awardedDate"):
        assert key not in document
    assert "narrative" not in document["credentialSubject"]


def test_a_subject_without_id_or_identifier_is_refused():
    with pytest.raises(ValueError, match="id or an identifier"):
        ob3.credential_document(make_spec(identifiers=()))


def test_an_achievement_without_criteria_is_refused():
    spec = make_spec()
    achievement = replace(spec.achievement, criteria_url=None, criteria_narrative=None)
    with pytest.raises(ValueError, match="criteria"):
        ob3.credential_document(replace(spec, achievement=achievement))


def test_the_signed_credential_validates_against_the_1edtech_schema_and_verifies():
    signed = dataintegrity.sign_eddsa_rdfc_2022(ob3.credential_document(make_spec()), KEY, OPTIONS)
    assert schema.validate_credential(signed) == ([], [schema.ACHIEVEMENT_CREDENTIAL_SCHEMA_URL])
    proof = signed["proof"]
    assert isinstance(proof, list) and proof[0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof[0]["proofPurpose"] == "assertionMethod"
    check = dataintegrity.verify_eddsa_rdfc_2022(signed, lambda vm: KEY.public_key())
    assert check.ok, check.detail


def test_signing_refuses_a_term_no_context_defines():
    document = ob3.credential_document(make_spec())
    document["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(dataintegrity.UnsafeDocumentError):
        dataintegrity.sign_eddsa_rdfc_2022(document, KEY, OPTIONS)


def test_signing_refuses_a_relative_iri():
    document = ob3.credential_document(make_spec())
    document["credentialSubject"]["achievement"]["id"] = "templates/t1"
    with pytest.raises(dataintegrity.ProofError):
        dataintegrity.sign_eddsa_rdfc_2022(document, KEY, OPTIONS)


def test_signing_never_loads_an_unbundled_context():
    document = ob3.credential_document(make_spec())
    document["@context"] = [*document["@context"], "https://evil.example/context.json"]
    with pytest.raises((dataintegrity.ProofError, UnknownContextError), match=r"evil\.example"):
        dataintegrity.sign_eddsa_rdfc_2022(document, KEY, OPTIONS)


def test_changing_any_signed_field_breaks_the_proof():
    signed = dataintegrity.sign_eddsa_rdfc_2022(ob3.credential_document(make_spec()), KEY, OPTIONS)
    for path, value in [
        (("name",), "Other"),
        (("validUntil",), "2099-01-01T00:00:00Z"),
        (("credentialSubject", "identifier", 0, "identityHash"), "sha256$" + "0" * 64),
        (("credentialSubject", "achievement", "name"), "Expert"),
        (("credentialStatus", "statusListIndex"), "43"),
        (("issuer", "id"), "https://evil.example/issuer"),
    ]:
        tampered = copy.deepcopy(signed)
        target = tampered
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        check = dataintegrity.verify_eddsa_rdfc_2022(tampered, lambda vm: KEY.public_key())
        assert not check.ok, path


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60
).filter(str.strip)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=_text,
    description=_text,
    narrative=st.one_of(st.none(), _text),
    tags=st.lists(_text, max_size=4),
    alignments=st.integers(min_value=0, max_value=3),
    expires=st.booleans(),
)
def test_generated_credentials_validate_and_verify(
    name, description, narrative, tags, alignments, expires
):
    spec = make_spec()
    achievement = replace(
        spec.achievement,
        name=name,
        description=description,
        tags=tuple(tags),
        alignments=tuple(
            ob3.Alignment(target_name=f"{name} {i}", target_url=f"https://example.org/a/{i}")
            for i in range(alignments)
        ),
    )
    spec = replace(
        spec,
        achievement=achievement,
        narrative=narrative,
        valid_until=spec.valid_until if expires else None,
    )
    signed = dataintegrity.sign_eddsa_rdfc_2022(ob3.credential_document(spec), KEY, OPTIONS)
    assert schema.validate_credential(signed)[0] == []
    assert dataintegrity.verify_eddsa_rdfc_2022(signed, lambda vm: KEY.public_key()).ok

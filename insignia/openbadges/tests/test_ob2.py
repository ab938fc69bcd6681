from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from insignia.openbadges.ob2 import (
    OB2_CONTEXT_URL,
    Alignment,
    Assertion,
    BadgeClass,
    Evidence,
    IssuerProfile,
    RevocationList,
    assertion_document,
    badge_class_document,
    dumps,
    format_datetime,
    identity_hash,
    identity_matches,
    is_well_formed_identity_hash,
    issuer_document,
    new_salt,
    revocation_list_document,
    revoked_assertion_document,
)

from .factories import inspector_document

ISSUED = datetime(2024, 5, 1, 12, 30, 45, 123456, tzinfo=UTC)
HASH = identity_hash("ada@example.org", "pepper")


def make_assertion(**overrides: object) -> Assertion:
    fields: dict[str, object] = {
        "id": "https://badges.example.org/a/1",
        "badge_id": "https://badges.example.org/b/1",
        "recipient_identity": HASH,
        "recipient_salt": "pepper",
        "issued_on": ISSUED,
    }
    fields.update(overrides)
    return Assertion(**fields)  # type: ignore[arg-type]


def make_badge_class(**overrides: object) -> BadgeClass:
    fields: dict[str, object] = {
        "id": "https://badges.example.org/b/1",
        "name": "Robotics",
        "description": "Built a robot.",
        "image": "https://badges.example.org/b/1/image.png",
        "issuer_id": "https://badges.example.org/i/1",
        "criteria_url": "https://badges.example.org/b/1/criteria",
    }
    fields.update(overrides)
    return BadgeClass(**fields)  # type: ignore[arg-type]


def walk_values(value: object) -> list[object]:
    if isinstance(value, dict):
        return [value, *(v for item in value.values() for v in walk_values(item))]
    if isinstance(value, list):
        return [value, *(v for item in value for v in walk_values(item))]
    return [value]


# --- Issuer ---


def test_issuer_document_has_every_required_issuer_field() -> None:
    doc = issuer_document(
        IssuerProfile(
            id="https://badges.example.org/i/1",
            name="Example Academy",
            url="https://academy.example.org",
            email="badges@academy.example.org",
        )
    )
    assert doc == {
        "@context": OB2_CONTEXT_URL,
        "type": "Issuer",
        "id": "https://badges.example.org/i/1",
        "name": "Example Academy",
        "url": "https://academy.example.org",
        "email": "badges@academy.example.org",
    }


def test_issuer_document_includes_optional_fields_only_when_set() -> None:
    doc = issuer_document(
        IssuerProfile(
            id="https://x.example/i",
            name="X",
            url="https://x.example",
            email="a@x.example",
            description="About X",
            image="https://x.example/logo.png",
            revocation_list="https://x.example/i/revocations",
            telephone="+441234567890",
        )
    )
    assert doc["description"] == "About X"
    assert doc["image"] == "https://x.example/logo.png"
    assert doc["revocationList"] == "https://x.example/i/revocations"
    assert doc["telephone"] == "+441234567890"
    assert "verification" not in doc


def test_issuer_verification_policy_is_written_when_assertions_live_elsewhere() -> None:
    doc = issuer_document(
        IssuerProfile(
            id="https://x.example/i",
            name="X",
            url="https://x.example",
            email="a@x.example",
            verification_allowed_origins=("badges.example.net",),
        )
    )
    assert doc["verification"] == {
        "type": "VerificationObject",
        "allowedOrigins": ["badges.example.net"],
    }


# --- BadgeClass ---


def test_badge_class_document_has_every_required_field() -> None:
    doc = badge_class_document(make_badge_class())
    assert doc == {
        "@context": OB2_CONTEXT_URL,
        "type": "BadgeClass",
        "id": "https://badges.example.org/b/1",
        "name": "Robotics",
        "description": "Built a robot.",
        "image": "https://badges.example.org/b/1/image.png",
        "criteria": {"id": "https://badges.example.org/b/1/criteria"},
        "issuer": "https://badges.example.org/i/1",
    }


def test_badge_class_criteria_can_be_a_narrative_alone_or_with_a_url() -> None:
    narrative_only = make_badge_class(criteria_url=None, criteria_narrative="Do *this*.")
    both = make_badge_class(criteria_narrative="Do *this*.")
    assert badge_class_document(narrative_only)["criteria"] == {"narrative": "Do *this*."}
    assert badge_class_document(both)["criteria"] == {
        "id": "https://badges.example.org/b/1/criteria",
        "narrative": "Do *this*.",
    }


def test_badge_class_without_any_criteria_is_refused() -> None:
    with pytest.raises(ValueError, match="criteria"):
        badge_class_document(make_badge_class(criteria_url=None))


def test_badge_class_alignments_and_tags_use_ob2_names() -> None:
    doc = badge_class_document(
        make_badge_class(
            alignments=(
                Alignment(
                    target_name="CCSS.ELA-Literacy.RST.11-12.3",
                    target_url="http://www.corestandards.org/ELA-Literacy/RST/11-12/3",
                    target_description="Follow precisely a complex multistep procedure.",
                    target_framework="Common Core",
                    target_code="RST.11-12.3",
                ),
                Alignment(target_name="Minimal", target_url="https://example.org/min"),
            ),
            tags=("robots", "stem"),
        )
    )
    assert doc["alignment"] == [
        {
            "targetName": "CCSS.ELA-Literacy.RST.11-12.3",
            "targetUrl": "http://www.corestandards.org/ELA-Literacy/RST/11-12/3",
            "targetDescription": "Follow precisely a complex multistep procedure.",
            "targetFramework": "Common Core",
            "targetCode": "RST.11-12.3",
        },
        {"targetName": "Minimal", "targetUrl": "https://example.org/min"},
    ]
    assert doc["tags"] == ["robots", "stem"]


def test_badge_class_without_alignments_or_tags_omits_the_keys() -> None:
    doc = badge_class_document(make_badge_class())
    assert "alignment" not in doc
    assert "tags" not in doc


# --- Assertion ---


def test_assertion_document_has_every_required_field_for_a_hosted_badge() -> None:
    doc = assertion_document(make_assertion())
    assert doc == {
        "@context": OB2_CONTEXT_URL,
        "type": "Assertion",
        "id": "https://badges.example.org/a/1",
        "recipient": {"type": "email", "hashed": True, "salt": "pepper", "identity": HASH},
        "badge": "https://badges.example.org/b/1",
        "verification": {"type": "HostedBadge"},
        "issuedOn": "2024-05-01T12:30:45Z",
    }


def test_assertion_optional_fields_are_written_when_given() -> None:
    doc = assertion_document(
        make_assertion(
            expires=ISSUED + timedelta(days=365),
            image="https://badges.example.org/a/1/image.png",
            evidence=(
                Evidence(id="https://portfolio.example.org/robot"),
                Evidence(narrative="Demoed it live.", name="Demo", description="A talk"),
            ),
            narrative="Outstanding work.",
        )
    )
    assert doc["expires"] == "2025-05-01T12:30:45Z"
    assert doc["image"] == "https://badges.example.org/a/1/image.png"
    assert doc["evidence"] == [
        {"id": "https://portfolio.example.org/robot"},
        {"narrative": "Demoed it live.", "name": "Demo", "description": "A talk"},
    ]
    assert doc["narrative"] == "Outstanding work."


def test_assertion_document_never_contains_null_or_empty_values() -> None:
    doc = assertion_document(make_assertion(narrative="", evidence=()))
    for value in walk_values(doc):
        assert value is not None
        assert value not in ("", [], {})


def test_issued_on_is_utc_with_z_and_whole_seconds() -> None:
    paris = timezone(timedelta(hours=2))
    doc = assertion_document(make_assertion(issued_on=datetime(2024, 5, 1, 14, 0, 0, 999, paris)))
    assert doc["issuedOn"] == "2024-05-01T12:00:00Z"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        assertion_document(make_assertion(issued_on=datetime(2024, 5, 1)))
    with pytest.raises(ValueError, match="timezone"):
        assertion_document(make_assertion(expires=datetime(2025, 5, 1)))


def test_expiry_before_issue_is_refused() -> None:
    with pytest.raises(ValueError, match="expires"):
        assertion_document(make_assertion(expires=ISSUED - timedelta(seconds=1)))


def test_assertion_image_must_not_be_a_data_uri() -> None:
    with pytest.raises(ValueError, match="data URI"):
        assertion_document(make_assertion(image="data:image/png;base64,AAAA"))


def test_plaintext_recipient_identity_is_refused() -> None:
    with pytest.raises(ValueError, match="identity hash"):
        assertion_document(make_assertion(recipient_identity="ada@example.org"))


def test_evidence_needs_a_url_or_a_narrative() -> None:
    with pytest.raises(ValueError, match="evidence"):
        assertion_document(make_assertion(evidence=(Evidence(name="Nameless"),)))


def test_revoked_assertion_document_is_the_410_body() -> None:
    assert revoked_assertion_document("https://x.example/a/1", "Issued in error") == {
        "@context": OB2_CONTEXT_URL,
        "id": "https://x.example/a/1",
        "type": "Assertion",
        "revoked": True,
        "revocationReason": "Issued in error",
    }
    assert "revocationReason" not in revoked_assertion_document("https://x.example/a/1", None)


def test_revocation_list_lists_ids_with_optional_reasons() -> None:
    doc = revocation_list_document(
        RevocationList(
            id="https://x.example/i/1/revocations",
            issuer_id="https://x.example/i/1",
            revoked=(("https://x.example/a/1", "Cheating"), ("https://x.example/a/2", None)),
        )
    )
    assert doc == {
        "@context": OB2_CONTEXT_URL,
        "type": "RevocationList",
        "id": "https://x.example/i/1/revocations",
        "issuer": "https://x.example/i/1",
        "revokedAssertions": [
            {"id": "https://x.example/a/1", "revocationReason": "Cheating"},
            {"id": "https://x.example/a/2"},
        ],
    }


def test_models_are_immutable() -> None:
    assertion = make_assertion()
    with pytest.raises(dataclasses.FrozenInstanceError):
        assertion.id = "other"  # type: ignore[misc]


def test_format_datetime_refuses_naive_values() -> None:
    with pytest.raises(ValueError, match="timezone"):
        format_datetime(datetime(2024, 1, 1))


# --- identity hashes ---


def test_identity_hash_of_mayze_without_salt_is_the_spec_example() -> None:
    assert identity_hash("mayze") == (
        "sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6"
    )
    assert identity_hash("mayze", "") == identity_hash("mayze")


def test_identity_hash_appends_the_salt_as_in_the_ob3_example() -> None:
    value = identity_hash("a@example.com", "Kosher")
    assert value.startswith("sha256$b5809d8a")
    assert value.endswith("2ef399")


def test_identity_hash_matches_the_inspector_fixture_recipient() -> None:
    assertion = inspector_document("basic-assertion.json")
    recipient = assertion["recipient"]
    assert isinstance(recipient, dict)
    assert identity_hash("nobody@example.org", "deadsea") == recipient["identity"]


def test_identity_matches_accepts_uppercase_hex() -> None:
    hashed = identity_hash("ada@example.org", "s")
    algorithm, hex_digest = hashed.split("$")
    assert identity_matches(f"{algorithm}${hex_digest.upper()}", "ada@example.org", "s")


def test_identity_matches_supports_legacy_md5_hashes() -> None:
    md5 = "md5$" + hashlib.md5(b"mayzeSALT").hexdigest()  # noqa: S324
    assert identity_matches(md5, "mayze", "SALT")
    assert not identity_matches(md5, "mayze", "other")


def test_identity_matches_rejects_another_identity_salt_or_a_malformed_hash() -> None:
    hashed = identity_hash("ada@example.org", "s")
    assert identity_matches(hashed, "ada@example.org", "s")
    assert not identity_matches(hashed, "bob@example.org", "s")
    assert not identity_matches(hashed, "ada@example.org", "t")
    assert not identity_matches(hashed, "ada@example.org", None)
    assert not identity_matches("sha256$abc", "ada@example.org", "s")
    assert not identity_matches("sha1$" + "0" * 40, "ada@example.org", "s")


def test_identity_is_hashed_as_given_so_callers_must_normalise_email_case() -> None:
    hashed = identity_hash("ada@example.org", "s")
    assert not identity_matches(hashed, "Ada@Example.org", "s")


def test_well_formed_identity_hash_checks_algorithm_and_length() -> None:
    assert is_well_formed_identity_hash("sha256$" + "A" * 64)
    assert is_well_formed_identity_hash("md5$" + "0" * 32)
    assert not is_well_formed_identity_hash("sha256$" + "0" * 32)
    assert not is_well_formed_identity_hash("md5$" + "0" * 64)
    assert not is_well_formed_identity_hash("ada@example.org")


def test_new_salt_is_random_and_at_least_16_bytes_of_hex() -> None:
    salts = {new_salt() for _ in range(20)}
    assert len(salts) == 20
    for salt in salts:
        assert len(salt) >= 32
        int(salt, 16)


# --- serialisation ---


def test_dumps_is_compact_utf8_in_insertion_order() -> None:
    assert dumps({"z": 1, "a": "é ✓", "m": [1, 2]}) == '{"z":1,"a":"é ✓","m":[1,2]}'.encode()


def test_dumps_gives_the_same_bytes_for_the_same_document() -> None:
    first = dumps(assertion_document(make_assertion()))
    second = dumps(assertion_document(make_assertion()))
    assert first == second
    assert json.loads(first)["issuedOn"] == "2024-05-01T12:30:45Z"


def test_dumps_refuses_nan() -> None:
    with pytest.raises(ValueError):
        dumps({"x": float("nan")})

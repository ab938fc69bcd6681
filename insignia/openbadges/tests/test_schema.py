"""The bundled 1EdTech AchievementCredential JSON Schema and how problems are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insignia.openbadges import schema

VECTORS = Path(__file__).parent / "vectors" / "inspector-ob30"


def _load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


@pytest.mark.parametrize(
    "name", ["simple.json", "complete.json", "simple-context-alias.json", "endorsement-valid.json"]
)
def test_the_validators_valid_fixtures_pass(name):
    assert schema.validate_credential(_load(name))[0] == []


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("simple-err-credential-subject-identifier-type.json", "identifier[0].type"),
        ("simple-err-evidence-type.json", "$.evidence[1].type"),
        ("simple-err-issuer.json", "'issuer' is a required property"),
        ("simple-err-context.json", "@context"),
        ("simple-err-credential-subject-type.json", "credentialSubject.type"),
    ],
)
def test_the_validators_schema_error_fixtures_fail_naming_the_value(name, path):
    problems, _ = schema.validate_credential(_load(name))
    assert any(path in problem for problem in problems), problems


def test_an_unbundled_schema_is_a_problem_not_a_fetch():
    credential = _load("simple.json") | {
        "credentialSchema": [
            {"id": "https://evil.example/schema.json", "type": "1EdTechJsonSchemaValidator2019"}
        ]
    }
    problems, checked = schema.validate_credential(credential)
    assert checked == [] and "not a bundled 1EdTech schema" in problems[0]


def test_unknown_schema_url_raises_for_direct_validation():
    with pytest.raises(schema.UnknownSchemaError):
        schema.validate({}, "https://evil.example/schema.json")


def test_a_credential_naming_no_schema_is_checked_as_an_achievement_credential():
    credential = _load("simple.json")
    credential.pop("validFrom")
    problems, checked = schema.validate_credential(credential)
    assert checked == [schema.ACHIEVEMENT_CREDENTIAL_SCHEMA_URL]
    assert "'validFrom' is a required property" in problems[0]


def test_a_single_proof_object_is_not_an_array_for_the_strict_schema():
    # The library is strict; verify_ob3 tolerates the compacted single-value form.
    credential = _load("simple.json")
    credential["proof"] = credential["proof"][0]
    assert any("$.proof" in p for p in schema.validate_credential(credential)[0])

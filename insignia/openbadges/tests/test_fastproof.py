"""The fast path must produce exactly the bytes of the pyld reference.

`HYPOTHESIS_PROFILE=thorough` runs the differential test on 5,000 plans (10,000 credentials)
instead of the 100 plans (200 credentials) of the normal suite.
"""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insignia.openbadges import fastproof
from insignia.openbadges.dataintegrity import (
    ProofOptions,
    UnsafeDocumentError,
    canonical_nquads,
    sign_eddsa_rdfc_2022,
)

from .factories import VECTORS
from .ob3_strategies import OB_303, VC_V2, credential, plans

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OPTIONS = ProofOptions(
    verification_method="https://example.com/issuers/1#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
    created=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
)
OB3_SIGNED = json.loads((VECTORS / "1edtech-ob3-ldp" / "signed.json").read_text())


def _unsigned() -> dict[str, Any]:
    return {key: value for key, value in copy.deepcopy(OB3_SIGNED).items() if key != "proof"}


def _assert_same(document: dict[str, Any]) -> None:
    try:
        expected = canonical_nquads(document, engine="pyld")
    except UnsafeDocumentError:
        with pytest.raises(UnsafeDocumentError):
            canonical_nquads(document, engine="fast")
        return
    assert canonical_nquads(document, engine="fast") == expected
    fast = sign_eddsa_rdfc_2022(document, KEY, OPTIONS, engine="fast")
    reference = sign_eddsa_rdfc_2022(document, KEY, OPTIONS, engine="pyld")
    assert fast == reference


@settings(
    max_examples=5000 if THOROUGH else 100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_fast_path_matches_pyld_on_generated_ob3_credentials(data: st.DataObject) -> None:
    plan = data.draw(plans(), label="plan")
    # Two credentials of one plan: the second usually reuses the shape compiled for the first.
    for _ in range(2):
        _assert_same(data.draw(credential(plan), label="credential"))


def test_second_credential_of_a_template_is_served_from_the_compiled_shape() -> None:
    fastproof.clear_cache()
    first, second = _unsigned(), _unsigned()
    second["name"] = 'Another ✨ "badge"\n'
    second["credentialSubject"]["id"] = "did:example:someone-else"
    canonical_nquads(first)
    compiles, hits = fastproof.STATS.compiles, fastproof.STATS.hits
    assert canonical_nquads(second) == canonical_nquads(second, engine="pyld")
    assert fastproof.STATS.compiles == compiles
    assert fastproof.STATS.hits == hits + 1


def test_values_that_look_like_terms_or_iris_match_pyld() -> None:
    document = _unsigned()
    achievement = document["credentialSubject"]["achievement"]
    for kind in ("Badge", "Certificate", "ext:Custom", "https://example.com/kinds/1"):
        achievement["achievementType"] = kind
        assert canonical_nquads(document) == canonical_nquads(document, engine="pyld")
    achievement["achievementType"] = "Badge"
    # OB 3.0.3 types achievementType as a plain string, so a term-like value stays a literal.
    assert 'vocab.html#achievementType> "Badge" .' in canonical_nquads(document)


def test_identical_blank_nodes_are_canonicalised_like_pyld() -> None:
    document = _unsigned()
    alignment = {"type": ["Alignment"], "targetName": "Same", "targetUrl": "https://a.example/"}
    document["credentialSubject"]["achievement"]["alignment"] = [alignment, dict(alignment)]
    ties = fastproof.STATS.ties
    assert canonical_nquads(document) == canonical_nquads(document, engine="pyld")
    assert fastproof.STATS.ties == ties + 1


def test_nested_context_falls_back_to_pyld_and_says_so() -> None:
    document = _unsigned()
    document["credentialSubject"]["@context"] = [VC_V2, OB_303]
    fallbacks = fastproof.STATS.fallbacks
    assert canonical_nquads(document) == canonical_nquads(document, engine="pyld")
    assert fastproof.STATS.fallbacks == fallbacks + 1
    assert fastproof.STATS.last_fallback_reason == "inline or nested @context"


@pytest.mark.parametrize(
    "value",
    [
        'tab\tquote"backslash\\newline\nreturn\r',
        "\x00\x01\x1f\x7f control",
        "e\u0301 not NFC-normalised",
        "🏅" * 20,
        "https://looks.like/an/iri",
        "_:b0",
        "",
        "insph3z",
    ],
)
def test_awkward_strings_match_pyld(value: str) -> None:
    document = _unsigned()
    document["name"] = value
    document["credentialSubject"]["achievement"]["criteria"]["narrative"] = value
    assert canonical_nquads(document) == canonical_nquads(document, engine="pyld")


@pytest.mark.parametrize("credits", [0, 3, 2.5, 1e22, -0.0, True])
def test_numbers_and_booleans_match_pyld(credits: Any) -> None:
    document = _unsigned()
    document["credentialSubject"]["achievement"]["creditsAvailable"] = credits
    assert canonical_nquads(document) == canonical_nquads(document, engine="pyld")


def test_unsafe_documents_are_refused_on_every_call_not_only_the_first() -> None:
    document = _unsigned()
    document["id"] = "relative/id"
    for _ in range(2):
        with pytest.raises(UnsafeDocumentError):
            canonical_nquads(document)


@pytest.mark.parametrize(
    "purpose", ["assertionMethod", "authentication", "https://example.com/purposes#custom"]
)
def test_vocab_coerced_proof_purpose_matches_pyld(purpose: str) -> None:
    config = {
        "@context": OB3_SIGNED["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": "https://example.com/issuers/1#key",
        "proofPurpose": purpose,
    }
    assert canonical_nquads(config) == canonical_nquads(config, engine="pyld")


@pytest.mark.parametrize("thumbprint", ["abc", "https://x.example/", 'quote"and\\slash'])
def test_json_literals_are_canonicalised_like_pyld(thumbprint: str) -> None:
    document = _unsigned()
    document["cnf"] = {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": thumbprint, "n": [1, 2.5]}}
    assert canonical_nquads(document) == canonical_nquads(document, engine="pyld")
    assert "#JSON>" in canonical_nquads(document)

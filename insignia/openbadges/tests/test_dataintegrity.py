from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from insignia.openbadges.dataintegrity import (
    ProofError,
    ProofOptions,
    UnknownContextProofError,
    UnsafeDocumentError,
    canonical_nquads,
    hash_data,
    sign_eddsa_rdfc_2022,
    verify_eddsa_rdfc_2022,
)
from insignia.openbadges.multikey import (
    base58btc_encode,
    ed25519_private_from_multibase,
    ed25519_public_from_multibase,
)

from .factories import VECTORS

ENGINES = ["fast", "pyld"]
W3C = VECTORS / "w3c-eddsa-rdfc-2022"
OB3 = VECTORS / "1edtech-ob3-ldp"
INSPECTOR = VECTORS / "inspector-ob30"

W3C_KEY = ed25519_private_from_multibase(
    json.loads((W3C / "keyPair.json").read_text())["privateKeyMultibase"]
)
OB3_KEYS = json.loads((OB3 / "keys.json").read_text())
OB3_KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(OB3_KEYS["privateKeySeedHex"]))
OB3_SIGNED = json.loads((OB3 / "signed.json").read_text())


def _text(path: Any) -> str:
    return str(path.read_text("utf-8"))


def _w3c_options() -> ProofOptions:
    config = json.loads((W3C / "proofConfigDataInt.json").read_text())
    return ProofOptions(
        verification_method=config["verificationMethod"],
        created=datetime.fromisoformat(config["created"]),
    )


def _ob3_unsigned() -> dict[str, Any]:
    return {key: value for key, value in OB3_SIGNED.items() if key != "proof"}


def _ob3_options() -> ProofOptions:
    return ProofOptions(
        verification_method=OB3_KEYS["verificationMethod"],
        created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC),
    )


def _resolve_ob3(method: str) -> Ed25519PublicKey:
    if method != OB3_KEYS["verificationMethod"]:
        raise ProofError(f"{method} is not a key of this issuer")
    return ed25519_public_from_multibase(OB3_KEYS["publicKeyMultibase"])


# --- W3C vc-di-eddsa test vector -----------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_w3c_vector_document_and_proof_canonicalise_byte_for_byte(engine: str) -> None:
    unsigned = json.loads((W3C / "unsigned.json").read_text())
    config = json.loads((W3C / "proofConfigDataInt.json").read_text())
    assert canonical_nquads(unsigned, engine=engine) == _text(W3C / "canonDocDataInt.txt")
    assert canonical_nquads(config, engine=engine) == _text(W3C / "proofCanonDataInt.txt")


@pytest.mark.parametrize("engine", ENGINES)
def test_w3c_vector_hash_data_is_proof_hash_then_document_hash(engine: str) -> None:
    unsigned = json.loads((W3C / "unsigned.json").read_text())
    config = json.loads((W3C / "proofConfigDataInt.json").read_text())
    data = hash_data(unsigned, config, engine=engine)
    assert data[:32].hex() == _text(W3C / "proofHashDataInt.txt").strip()
    assert data[32:].hex() == _text(W3C / "docHashDataInt.txt").strip()
    assert data.hex() == _text(W3C / "combinedHashDataInt.txt").strip()


@pytest.mark.parametrize("engine", ENGINES)
def test_w3c_vector_signature_and_signed_document_are_reproduced(engine: str) -> None:
    unsigned = json.loads((W3C / "unsigned.json").read_text())
    signed = sign_eddsa_rdfc_2022(unsigned, W3C_KEY, _w3c_options(), engine=engine)
    proof = signed["proof"]
    assert isinstance(proof, list) and len(proof) == 1
    value = proof[0]["proofValue"]
    assert value == _text(W3C / "sigBTC58DataInt.txt").strip()
    signature = W3C_KEY.sign(bytes.fromhex(_text(W3C / "combinedHashDataInt.txt").strip()))
    assert signature.hex() == _text(W3C / "sigHexDataInt.txt").strip()
    assert value == "z" + base58btc_encode(signature)
    # The vector shows the proof as a single object; with that, the JSON is byte-identical.
    as_in_vector = {**signed, "proof": proof[0]}
    assert json.dumps(as_in_vector, indent=2, ensure_ascii=False) == _text(
        W3C / "signedDataInt.json"
    )


# --- 1EdTech OB 3.0 vector -------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_1edtech_vector_canonical_forms_and_hashes_match(engine: str) -> None:
    config = {k: v for k, v in OB3_SIGNED["proof"].items() if k != "proofValue"}
    config["@context"] = OB3_SIGNED["@context"]
    document_canon = _text(OB3 / "document-canon.txt")
    proof_canon = _text(OB3 / "proof-canon.txt")
    assert canonical_nquads(_ob3_unsigned(), engine=engine) == document_canon
    assert canonical_nquads(config, engine=engine) == proof_canon
    data = hash_data(_ob3_unsigned(), config, engine=engine)
    assert data[:32] == hashlib.sha256(proof_canon.encode()).digest()
    assert data[:32].hex().startswith("d34009ce") and data[32:].hex().startswith("87f65a76")


@pytest.mark.parametrize("engine", ENGINES)
def test_1edtech_vector_signing_reproduces_the_published_proof_value(engine: str) -> None:
    signed = sign_eddsa_rdfc_2022(_ob3_unsigned(), OB3_KEY, _ob3_options(), engine=engine)
    assert signed["proof"][0]["proofValue"] == OB3_SIGNED["proof"]["proofValue"]
    assert signed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["proof"][0]["proofPurpose"] == "assertionMethod"


@pytest.mark.parametrize("engine", ENGINES)
def test_1edtech_signed_vector_verifies_with_its_key(engine: str) -> None:
    check = verify_eddsa_rdfc_2022(OB3_SIGNED, _resolve_ob3, engine=engine)
    assert check.ok, check.detail
    assert check.verification_method == OB3_KEYS["verificationMethod"]


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaf_paths(child, (*path, index))
    else:
        yield path


def _tampered(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    if isinstance(old, str) and old.startswith(("http", "did:", "urn:")):
        target[path[-1]] = old + "x"
    elif isinstance(old, str) and path[-2:] == ("proof", "created"):
        target[path[-1]] = "2011-01-01T19:23:24Z"
    elif isinstance(old, str) and "validFrom" in path:
        target[path[-1]] = "2010-01-02T00:00:00Z"
    else:
        target[path[-1]] = f"{old}!"
    return changed


TAMPER_PATHS = [path for path in _leaf_paths(OB3_SIGNED) if path != ("proof", "proofValue")]


@pytest.mark.parametrize("path", TAMPER_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_changing_any_single_value_of_the_signed_vector_fails_verification(
    path: tuple[Any, ...],
) -> None:
    tampered = _tampered(OB3_SIGNED, path)
    check = verify_eddsa_rdfc_2022(
        tampered, lambda _m: _resolve_ob3(OB3_KEYS["verificationMethod"])
    )
    assert not check.ok
    assert check.detail


def test_changed_proof_value_fails_with_a_signature_mismatch() -> None:
    tampered = copy.deepcopy(OB3_SIGNED)
    value = tampered["proof"]["proofValue"]
    tampered["proof"]["proofValue"] = value[:-2] + ("a" if value[-2] != "a" else "b") + value[-1]
    check = verify_eddsa_rdfc_2022(tampered, _resolve_ob3)
    assert not check.ok
    assert "signature does not match" in check.detail


def test_a_wrong_key_fails_with_a_signature_mismatch() -> None:
    other = Ed25519PrivateKey.generate().public_key()
    check = verify_eddsa_rdfc_2022(OB3_SIGNED, lambda _m: other)
    assert not check.ok
    assert check.detail == "signature does not match: the document or proof was changed"


# --- bad input never raises ----------------------------------------------------------------


def _with_proof(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(OB3_SIGNED)
    document["proof"].update(changes)
    return document


@pytest.mark.parametrize(
    ("document", "detail"),
    [
        (_with_proof(proofValue="uABC"), "proofValue is not base58btc"),
        (_with_proof(proofValue="z0OOl"), "proofValue is not base58btc"),
        (_with_proof(proofValue="z" + base58btc_encode(bytes(10))), "10 bytes"),
        (_with_proof(proofPurpose="authentication"), "must be assertionMethod"),
        (_with_proof(verificationMethod="https://evil.example/k#1"), "is not usable"),
        (_with_proof(cryptosuite="eddsa-2022"), "no DataIntegrityProof with cryptosuite"),
        ({**_ob3_unsigned(), "proof": None}, "has no proof"),
        ({**_ob3_unsigned(), "proof": "nonsense"}, "no DataIntegrityProof"),
        (
            {**OB3_SIGNED, "@context": [*OB3_SIGNED["@context"], "https://evil.example/c.json"]},
            "unknown context URL 'https://evil.example/c.json'",
        ),
        ({**OB3_SIGNED, "@context": 5}, "JSON-LD expansion failed"),
    ],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_bad_input_fails_with_a_precise_reason_and_never_raises(
    document: dict[str, Any], detail: str, engine: str
) -> None:
    check = verify_eddsa_rdfc_2022(document, _resolve_ob3, engine=engine)
    assert not check.ok
    assert detail in check.detail


def test_a_non_object_credential_is_refused_without_raising() -> None:
    check = verify_eddsa_rdfc_2022(["not", "a", "credential"], _resolve_ob3)  # type: ignore[arg-type]
    assert not check.ok and "not a JSON object" in check.detail


def test_any_one_valid_proof_in_an_array_is_enough() -> None:
    document = copy.deepcopy(OB3_SIGNED)
    broken = {**document["proof"], "proofValue": "z" + base58btc_encode(bytes(64))}
    document["proof"] = [broken, document["proof"]]
    assert verify_eddsa_rdfc_2022(document, _resolve_ob3).ok
    document["proof"] = [broken]
    assert not verify_eddsa_rdfc_2022(document, _resolve_ob3).ok


# --- safe mode when signing ------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_signing_refuses_a_term_no_context_defines_and_names_it(engine: str) -> None:
    document = _ob3_unsigned()
    document["credentialSubject"] = {**document["credentialSubject"], "favouriteColour": "blue"}
    with pytest.raises(UnsafeDocumentError, match=r"credentialSubject\.favouriteColour"):
        sign_eddsa_rdfc_2022(document, OB3_KEY, _ob3_options(), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_signing_refuses_an_undefined_term_whose_value_is_only_a_typed_object(engine: str) -> None:
    document = {**_ob3_unsigned(), "sidecar": {"type": "Profile"}}
    with pytest.raises(UnsafeDocumentError, match="sidecar"):
        sign_eddsa_rdfc_2022(document, OB3_KEY, _ob3_options(), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_signing_refuses_a_relative_iri(engine: str) -> None:
    document = {**_ob3_unsigned(), "id": "credentials/3527"}
    with pytest.raises(UnsafeDocumentError, match="relative IRI 'credentials/3527'"):
        sign_eddsa_rdfc_2022(document, OB3_KEY, _ob3_options(), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_signing_refuses_an_undefined_type(engine: str) -> None:
    document = {**_ob3_unsigned(), "type": ["VerifiableCredential", "MadeUpCredential"]}
    with pytest.raises(UnsafeDocumentError, match="'MadeUpCredential' used as type"):
        sign_eddsa_rdfc_2022(document, OB3_KEY, _ob3_options(), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_signing_refuses_an_unbundled_context_without_fetching_it(engine: str) -> None:
    document = {**_ob3_unsigned(), "@context": [*OB3_SIGNED["@context"], "https://x.example/c"]}
    with pytest.raises(UnknownContextProofError) as caught:
        sign_eddsa_rdfc_2022(document, OB3_KEY, _ob3_options(), engine=engine)
    assert caught.value.url == "https://x.example/c"
    assert isinstance(caught.value, ProofError)


def test_signing_refuses_a_naive_created_time() -> None:
    options = ProofOptions(OB3_KEYS["verificationMethod"], datetime(2024, 1, 1))
    with pytest.raises(ProofError, match="timezone-aware"):
        sign_eddsa_rdfc_2022(_ob3_unsigned(), OB3_KEY, options)


def test_created_is_written_in_utc_with_a_z() -> None:
    moment = datetime(2024, 5, 6, 9, 8, 7, 999, tzinfo=timezone(timedelta(hours=2)))
    options = ProofOptions(OB3_KEYS["verificationMethod"], moment)
    signed = sign_eddsa_rdfc_2022(_ob3_unsigned(), OB3_KEY, options)
    assert signed["proof"][0]["created"] == "2024-05-06T07:08:07Z"


def test_signing_keeps_existing_proofs_and_appends_the_new_one() -> None:
    signed = sign_eddsa_rdfc_2022(OB3_SIGNED, OB3_KEY, _ob3_options())
    assert signed["proof"][0] == OB3_SIGNED["proof"]
    assert signed["proof"][1]["proofValue"] == OB3_SIGNED["proof"]["proofValue"]
    assert "proof" in OB3_SIGNED and isinstance(OB3_SIGNED["proof"], dict)  # input untouched


def test_signed_credential_round_trips_through_verification() -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_eddsa_rdfc_2022(_ob3_unsigned(), key, _ob3_options())
    assert verify_eddsa_rdfc_2022(signed, lambda _m: key.public_key()).ok


def test_an_unknown_engine_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown canonicalisation engine"):
        canonical_nquads(_ob3_unsigned(), engine="rdflib")


# --- 1EdTech validator fixtures ----------------------------------------------------------------


def _resolve_fixture(method: str) -> Ed25519PublicKey:
    """For tests: did:key and `<controller>#<publicKeyMultibase>` carry the key in the id."""
    if method.startswith("did:key:"):
        return ed25519_public_from_multibase(method.split(":")[2].split("#")[0])
    if method.startswith("https://") and "#z" in method:
        return ed25519_public_from_multibase(method.rsplit("#", 1)[1])
    raise ProofError(f"no key known for {method}")


VALID_FIXTURES = [
    "simple.json",
    "complete.json",
    "endorsement-valid.json",
    "simple-context-alias.json",
    "simple-context-version.json",
    "simple-did-key-method.json",
    "simple-did-web-method.json",
    "simple-multiple-proofs.json",
    # These fail other verifier steps (dates, issuer), not the proof.
    "simple-err-expired.json",
    "simple-err-issued.json",
    "simple-err-issuer.json",
]
PROOF_FAILURES = {
    "simple-err-proof-value.json": "signature does not match",
    "simple-err-proof-method.json": "is not usable",
    "simple-err-proof-method-no-scheme.json": "is not usable",
    "simple-err-proof-method-unknown-did-method.json": "is not usable",
    "simple-err-proof-method-unknown-scheme.json": "is not usable",
    "simple-noproof.json": "has no proof",
    "simple-eddsa-2022.json": "no DataIntegrityProof with cryptosuite eddsa-rdfc-2022",
    "simple_v1.json": "found: Ed25519Signature2020",
    # Signed without safe mode: these carry terms or types the contexts do not define, which
    # the signature therefore does not cover.
    "simple-err-context.json": "not defined by any @context",
    "simple-err-type.json": "relative IRI 'OtherCredential' used as type",
    "simple-err-evidence-type.json": "evidence[1].genre is not defined",
}


@pytest.mark.parametrize("name", VALID_FIXTURES)
@pytest.mark.parametrize("engine", ENGINES)
def test_inspector_fixture_proof_verifies(name: str, engine: str) -> None:
    document = json.loads((INSPECTOR / name).read_text())
    check = verify_eddsa_rdfc_2022(document, _resolve_fixture, engine=engine)
    assert check.ok, check.detail


@pytest.mark.parametrize(("name", "detail"), sorted(PROOF_FAILURES.items()))
@pytest.mark.parametrize("engine", ENGINES)
def test_inspector_fixture_proof_fails_with_its_reason(name: str, detail: str, engine: str) -> None:
    document = json.loads((INSPECTOR / name).read_text())
    check = verify_eddsa_rdfc_2022(document, _resolve_fixture, engine=engine)
    assert not check.ok
    assert detail in check.detail


def test_text_that_is_not_valid_unicode_is_a_proof_error_not_a_crash() -> None:
    document = {**_ob3_unsigned(), "name": "lone \ud800 surrogate"}
    with pytest.raises(ProofError, match="not valid Unicode"):
        sign_eddsa_rdfc_2022(document, OB3_KEY, _ob3_options())

"""W3C Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (Open Badges 3.0).

    proofConfig = proof without proofValue, with @context = the document's @context
    hashData    = SHA-256(RDFC-1.0(proofConfig)) ‖ SHA-256(RDFC-1.0(document without proof))
    proofValue  = "z" + base58btc(Ed25519-sign(hashData))

Two engines compute RDFC-1.0 canonical N-Quads: "pyld" (the reference: pyld's URDNA2015 with
bundled contexts) and "fast" (`fastproof`: a compiled emitter per document shape that produces the
same bytes, and hands anything it cannot do to the reference). Both run JSON-LD safe mode: a term
no context defines or a relative IRI makes signing fail instead of signing less than the document
says.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import (
    ProofError,
    UnknownContextProofError,
    UnsafeDocumentError,
    reference_canonical_nquads,
)
from .fastproof import fast_canonical_nquads
from .multikey import base58btc_decode, base58btc_encode

__all__ = [
    "CRYPTOSUITE",
    "ENGINES",
    "PROOF_TYPE",
    "ProofCheck",
    "ProofError",
    "ProofOptions",
    "UnknownContextProofError",
    "UnsafeDocumentError",
    "canonical_nquads",
    "format_created",
    "hash_data",
    "proof_config",
    "sign_eddsa_rdfc_2022",
    "verify_eddsa_rdfc_2022",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ENGINES = ("fast", "pyld")


@dataclass(frozen=True)
class ProofOptions:
    verification_method: str
    created: datetime
    proof_purpose: str = "assertionMethod"


@dataclass(frozen=True)
class ProofCheck:
    ok: bool
    verification_method: str | None
    detail: str


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown canonicalisation engine {engine!r}; use one of {ENGINES}")


def canonical_nquads(document: Mapping[str, Any], *, engine: str = "fast") -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, ending in "\\n" when non-empty.

    Raises `UnsafeDocumentError` (undefined term, relative IRI) and `ProofError` (unknown context
    URL, invalid JSON-LD). engine="fast" falls back to pyld for what it cannot compile
    (`fastproof.STATS.fallbacks` counts it).
    """
    _check_engine(engine)
    if not isinstance(document, Mapping):
        raise ProofError("a JSON-LD document must be a JSON object")
    if engine == "fast":
        result = fast_canonical_nquads(document)
        if result is not None:
            return result
    return reference_canonical_nquads(document)


def hash_data(
    document_without_proof: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    *,
    engine: str = "fast",
) -> bytes:
    """SHA-256(canonical proof config) ‖ SHA-256(canonical document): the 64 signed bytes."""
    try:
        proof_bytes = canonical_nquads(proof_config, engine=engine).encode("utf-8")
        document_bytes = canonical_nquads(document_without_proof, engine=engine).encode("utf-8")
    except UnicodeEncodeError as error:
        raise ProofError(
            f"the document contains text that is not valid Unicode ({error.reason} at "
            f"character {error.start}); it cannot be canonicalised"
        ) from None
    return hashlib.sha256(proof_bytes).digest() + hashlib.sha256(document_bytes).digest()


def format_created(created: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` in UTC; a naive datetime is refused (its instant is unknown)."""
    if created.tzinfo is None or created.utcoffset() is None:
        raise ProofError("proof created time must be timezone-aware")
    return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def proof_config(document: Mapping[str, Any], options: ProofOptions) -> dict[str, Any]:
    """The proof without its value, in the key order of the W3C test vector."""
    if "@context" not in document:
        raise ProofError("the document has no @context")
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_created(options.created),
        "verificationMethod": options.verification_method,
        "proofPurpose": options.proof_purpose,
        "@context": document["@context"],
    }


def sign_eddsa_rdfc_2022(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    options: ProofOptions,
    *,
    engine: str = "fast",
) -> dict[str, Any]:
    """A copy of `document` with an `eddsa-rdfc-2022` DataIntegrityProof appended to `proof`.

    Any proofs already present are kept (a proof set); the new proof signs the document without
    them. Raises `UnsafeDocumentError` / `ProofError` instead of signing a document whose meaning
    is not fixed by bundled contexts.
    """
    _check_engine(engine)
    if not isinstance(document, Mapping):
        raise ProofError("a JSON-LD document must be a JSON object")
    if not options.verification_method:
        raise ProofError("verification_method is required")
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    config = proof_config(unsigned, options)
    signature = private_key.sign(hash_data(unsigned, config, engine=engine))
    proof = {key: value for key, value in config.items() if key != "@context"}
    proof["proofValue"] = "z" + base58btc_encode(signature)
    signed: dict[str, Any] = {key: _json_copy(value) for key, value in document.items()}
    existing = signed.pop("proof", None)
    proofs = existing if isinstance(existing, list) else ([] if existing is None else [existing])
    signed["proof"] = [*proofs, proof]
    return signed


def _json_copy(value: Any) -> Any:
    """Deep copy of JSON data; several times faster than `copy.deepcopy` on credentials."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return copy.deepcopy(value)


def _candidate_proofs(document: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str]:
    raw = document.get("proof")
    if raw is None:
        return [], "the credential has no proof"
    items = raw if isinstance(raw, list) else [raw]
    proofs = [item for item in items if isinstance(item, Mapping)]
    candidates = [
        proof
        for proof in proofs
        if proof.get("type") == PROOF_TYPE and proof.get("cryptosuite") == CRYPTOSUITE
    ]
    if candidates:
        return candidates, ""
    suites = (
        ", ".join(sorted({f"{p.get('type')}/{p.get('cryptosuite')}" for p in proofs})) or "none"
    )
    return [], f"no DataIntegrityProof with cryptosuite eddsa-rdfc-2022 (found: {suites})"


def _check_one(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    resolve_key: Callable[[str], Ed25519PublicKey],
    engine: str,
) -> ProofCheck:
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        return ProofCheck(False, None, "the proof has no verificationMethod")
    purpose = proof.get("proofPurpose")
    if purpose != "assertionMethod":
        return ProofCheck(
            False, method, f"proofPurpose is {purpose!r}; an issuer proof must be assertionMethod"
        )
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return ProofCheck(False, method, "proofValue is not base58btc (it must start with 'z')")
    try:
        signature = base58btc_decode(value[1:])
    except ValueError as error:
        return ProofCheck(False, method, f"proofValue is not base58btc: {error}")
    if len(signature) != 64:
        return ProofCheck(
            False, method, f"proofValue is {len(signature)} bytes; an Ed25519 signature is 64"
        )
    if "@context" not in document:
        return ProofCheck(False, method, "the credential has no @context")
    try:
        public_key = resolve_key(method)
    except (ProofError, ValueError, KeyError, LookupError) as error:
        reason = error.args[0] if isinstance(error, KeyError) and error.args else error
        return ProofCheck(False, method, f"verification method {method!r} is not usable: {reason}")
    config = {key: item for key, item in proof.items() if key != "proofValue"}
    config["@context"] = document["@context"]
    unsigned = {key: item for key, item in document.items() if key != "proof"}
    try:
        data = hash_data(unsigned, config, engine=engine)
    except ProofError as error:
        return ProofCheck(False, method, str(error))
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return ProofCheck(
            False, method, "signature does not match: the document or proof was changed"
        )
    return ProofCheck(True, method, "eddsa-rdfc-2022 signature is valid")


def verify_eddsa_rdfc_2022(
    document: Mapping[str, Any],
    resolve_key: Callable[[str], Ed25519PublicKey],
    *,
    engine: str = "fast",
) -> ProofCheck:
    """Check the document's eddsa-rdfc-2022 proof(s); any one valid proof is enough.

    `resolve_key(verificationMethod)` returns the public key the caller trusts for that method,
    or raises `ProofError` (or `KeyError`/`ValueError`) if it does not. Never raises for bad
    input: every failure is `ok=False` with the reason in `detail`.
    """
    _check_engine(engine)
    if not isinstance(document, Mapping):
        return ProofCheck(False, None, "the credential is not a JSON object")
    try:
        candidates, reason = _candidate_proofs(document)
        if not candidates:
            return ProofCheck(False, None, reason)
        failures: list[ProofCheck] = []
        for proof in candidates:
            check = _check_one(document, proof, resolve_key, engine)
            if check.ok:
                return check
            failures.append(check)
    except Exception as error:  # a hostile document must never turn into an exception page
        return ProofCheck(False, None, f"the proof could not be checked: {error}")
    if len(failures) == 1:
        return failures[0]
    return ProofCheck(
        False,
        failures[0].verification_method,
        "; ".join(f"{f.verification_method}: {f.detail}" for f in failures),
    )

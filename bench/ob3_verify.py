"""eddsa-rdfc-2022 verification of our own credentials: fast path vs pyld, same run.

    .venv/bin/python bench/ob3_verify.py [--fast 2000] [--pyld 200]

Target: fast ≥ 5× pyld with a warm shape cache (a verifier serving one issuer's badges).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ob3_common import ISSUER, credential
from pyld import jsonld

from insignia.openbadges import fastproof
from insignia.openbadges.contexts import document_loader
from insignia.openbadges.dataintegrity import (
    ProofCheck,
    ProofOptions,
    sign_eddsa_rdfc_2022,
    verify_eddsa_rdfc_2022,
)
from insignia.openbadges.multikey import base58btc_decode

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OPTIONS = ProofOptions(f"{ISSUER}#key-1", datetime(2025, 6, 1, 12, 0, tzinfo=UTC))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fast", type=int, default=2000)
    parser.add_argument("--pyld", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(5)
    count = max(args.fast, args.pyld)
    signed = [sign_eddsa_rdfc_2022(credential(n, rng), KEY, OPTIONS) for n in range(count)]
    public_key = KEY.public_key()

    def resolve(_method: str) -> object:
        return public_key

    fastproof.clear_cache()
    verify_eddsa_rdfc_2022(signed[0], resolve, engine="fast")  # warm the shape cache
    verify_eddsa_rdfc_2022(signed[0], resolve, engine="pyld")  # warm pyld's context cache

    rounds = 5
    fast: list[ProofCheck] = []
    reference: list[ProofCheck] = []
    fast_time = pyld_time = bare_time = 0.0
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
    }
    for round_number in range(rounds):
        chunk = signed[round_number::rounds]
        start = time.perf_counter()
        fast += [
            verify_eddsa_rdfc_2022(s, resolve, engine="fast") for s in chunk[: args.fast // rounds]
        ]
        fast_time += time.perf_counter() - start
        start = time.perf_counter()
        reference += [
            verify_eddsa_rdfc_2022(s, resolve, engine="pyld") for s in chunk[: args.pyld // rounds]
        ]
        pyld_time += time.perf_counter() - start
        # A plain pyld verifier without safe mode: normalize both parts, hash, verify.
        start = time.perf_counter()
        for document in chunk[: args.pyld // rounds]:
            proof = document["proof"][0]
            config = {k: v for k, v in proof.items() if k != "proofValue"}
            config["@context"] = document["@context"]
            unsigned = {k: v for k, v in document.items() if k != "proof"}
            data = hashlib.sha256(jsonld.normalize(config, options).encode()).digest()
            data += hashlib.sha256(jsonld.normalize(unsigned, options).encode()).digest()
            public_key.verify(base58btc_decode(proof["proofValue"][1:]), data)
        bare_time += time.perf_counter() - start
    bare_rate = len(reference) / bare_time
    fast_rate = len(fast) / fast_time
    pyld_rate = len(reference) / pyld_time

    tampered = dict(signed[1], name="Forged")
    caught = not verify_eddsa_rdfc_2022(tampered, resolve).ok
    all_ok = all(check.ok for check in fast) and all(check.ok for check in reference)
    print(f"credentials: {len(fast)} fast, {len(reference)} pyld (one template, different values)")
    print(f"fast path verify : {fast_rate:9.0f} credentials/s  ({1000 / fast_rate:.3f} ms)")
    print(f"pyld engine verify: {pyld_rate:9.0f} credentials/s  ({1000 / pyld_rate:.3f} ms)")
    print(f"plain pyld verify : {bare_rate:9.0f} credentials/s  ({1000 / bare_rate:.3f} ms)")
    print(f"speed-up vs plain pyld verify: {fast_rate / bare_rate:.1f}x (target >= 5x)")
    print(f"speed-up vs pyld engine      : {fast_rate / pyld_rate:.1f}x")
    print(f"all verified: {all_ok}; tampered credential refused: {caught}")
    print(f"fallbacks: {fastproof.STATS.fallbacks}, compiles: {fastproof.STATS.compiles}")
    if not (all_ok and caught):
        sys.exit(1)


if __name__ == "__main__":
    main()

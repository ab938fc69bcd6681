"""eddsa-rdfc-2022 signing: credentials/s for the fast path and the pyld reference, same run.

    .venv/bin/python bench/ob3_sign.py [--fast 2000] [--pyld 200]

Target: fast ≥ 10× pyld. Also checks that both engines produced identical signed credentials for
the credentials both signed.
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
from insignia.openbadges.dataintegrity import ProofOptions, proof_config, sign_eddsa_rdfc_2022

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OPTIONS = ProofOptions(f"{ISSUER}#key-1", datetime(2025, 6, 1, 12, 0, tzinfo=UTC))


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fast", type=int, default=2000)
    parser.add_argument("--pyld", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(3)
    documents = [credential(n, rng) for n in range(max(args.fast, args.pyld))]

    # Warm pyld's own context cache and ours once, as a long-running worker would be.
    sign_eddsa_rdfc_2022(documents[0], KEY, OPTIONS, engine="pyld")
    fastproof.clear_cache()
    start = time.perf_counter()
    first = sign_eddsa_rdfc_2022(documents[0], KEY, OPTIONS, engine="fast")
    cold_ms = (time.perf_counter() - start) * 1000

    # Interleaved rounds, so a busy machine slows every engine alike.
    rounds = 5
    fast: list[dict[str, object]] = []
    reference: list[dict[str, object]] = []
    fast_time = pyld_time = bare_time = 0.0
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
    }
    for round_number in range(rounds):
        chunk = documents[round_number::rounds]
        fast_chunk = chunk[: args.fast // rounds]
        slow_chunk = chunk[: args.pyld // rounds]
        start = time.perf_counter()
        fast += [sign_eddsa_rdfc_2022(d, KEY, OPTIONS, engine="fast") for d in fast_chunk]
        fast_time += time.perf_counter() - start
        start = time.perf_counter()
        reference += [sign_eddsa_rdfc_2022(d, KEY, OPTIONS, engine="pyld") for d in slow_chunk]
        pyld_time += time.perf_counter() - start
        # A plain pyld signer without safe mode: normalize the proof config and the document,
        # hash, sign. The baseline the fast path replaces.
        start = time.perf_counter()
        for document in slow_chunk:
            config = proof_config(document, OPTIONS)
            data = hashlib.sha256(jsonld.normalize(config, options).encode()).digest()
            data += hashlib.sha256(jsonld.normalize(document, options).encode()).digest()
            KEY.sign(data)
        bare_time += time.perf_counter() - start
    fast_rate = rate(len(fast), fast_time)
    pyld_rate = rate(len(reference), pyld_time)
    bare_rate = rate(len(reference), bare_time)
    fast_by_id = {item["id"]: item for item in fast}

    same = all(fast_by_id[item["id"]] == item for item in reference) and first == fast[0]
    print(f"credentials: {len(fast)} fast, {len(reference)} pyld (one template, different values)")
    print(
        f"fast path sign             : {fast_rate:7.0f} credentials/s ({1000 / fast_rate:.3f} ms)"
    )
    print(
        f"plain pyld sign (no safe)  : {bare_rate:7.0f} credentials/s ({1000 / bare_rate:.3f} ms)"
    )
    print(
        f"pyld engine (safe mode)    : {pyld_rate:7.0f} credentials/s ({1000 / pyld_rate:.3f} ms)"
    )
    print(f"first credential, cold shape cache: {cold_ms:.1f} ms")
    print(f"speed-up vs plain pyld sign : {fast_rate / bare_rate:.1f}x (target >= 10x)")
    print(f"speed-up vs pyld engine     : {fast_rate / pyld_rate:.1f}x")
    print(f"fallbacks: {fastproof.STATS.fallbacks}, tied blank nodes: {fastproof.STATS.ties}")
    print(f"outputs identical for the {args.pyld} credentials both engines signed: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()

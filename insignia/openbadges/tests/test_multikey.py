from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from insignia.openbadges.multikey import (
    base58btc_decode,
    base58btc_encode,
    ed25519_private_from_multibase,
    ed25519_public_from_multibase,
    ed25519_public_multibase,
)

from .factories import VECTORS

W3C_KEYS = json.loads((VECTORS / "w3c-eddsa-rdfc-2022" / "keyPair.json").read_text())
OB3_KEYS = json.loads((VECTORS / "1edtech-ob3-ldp" / "keys.json").read_text())


def _raw(public_key: object) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[attr-defined]


@given(st.binary(max_size=80))
def test_base58btc_round_trips_any_bytes_including_leading_zeros(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data


def test_base58btc_keeps_leading_zero_bytes_as_ones() -> None:
    assert base58btc_encode(b"\0\0\x01") == "112"


def test_base58btc_refuses_characters_outside_the_alphabet() -> None:
    with pytest.raises(ValueError, match="'0' at position 2"):
        base58btc_decode("z10")


def test_w3c_private_key_derives_the_published_public_key() -> None:
    private_key = ed25519_private_from_multibase(W3C_KEYS["privateKeyMultibase"])
    assert ed25519_public_multibase(private_key.public_key()) == W3C_KEYS["publicKeyMultibase"]


def test_1edtech_public_multibase_holds_the_published_raw_key() -> None:
    public_key = ed25519_public_from_multibase(OB3_KEYS["publicKeyMultibase"])
    assert _raw(public_key).hex() == OB3_KEYS["publicKeyHex"]


def test_private_key_accepts_the_64_byte_seed_and_public_form() -> None:
    seed = bytes.fromhex(OB3_KEYS["privateKeySeedHex"])
    public = bytes.fromhex(OB3_KEYS["publicKeyHex"])
    value = "z" + base58btc_encode(b"\x80\x26" + seed + public)
    private_key = ed25519_private_from_multibase(value)
    assert ed25519_public_multibase(private_key.public_key()) == OB3_KEYS["publicKeyMultibase"]


def test_private_key_with_a_mismatched_public_half_is_refused() -> None:
    seed = bytes.fromhex(OB3_KEYS["privateKeySeedHex"])
    value = "z" + base58btc_encode(b"\x80\x26" + seed + bytes(32))
    with pytest.raises(ValueError, match="does not match its seed"):
        ed25519_private_from_multibase(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "non-empty"),
        ("u" + "A" * 10, "start with 'z'"),
        ("z0OIl", "not valid base58btc"),
        ("z" + base58btc_encode(b"\x12\x00" + bytes(32)), "expected 0xed01"),
        ("z" + base58btc_encode(b"\xed\x01" + bytes(31)), "must be 32 bytes, got 31"),
    ],
)
def test_public_multibase_errors_say_what_is_wrong(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ed25519_public_from_multibase(value)


def test_private_multibase_with_a_public_key_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 0x8026"):
        ed25519_private_from_multibase(OB3_KEYS["publicKeyMultibase"])


def test_generated_key_round_trips_through_multibase() -> None:
    public_key = Ed25519PrivateKey.generate().public_key()
    assert _raw(ed25519_public_from_multibase(ed25519_public_multibase(public_key))) == _raw(
        public_key
    )

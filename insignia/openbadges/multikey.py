"""Ed25519 keys as Multikey strings (multibase base58btc with a multicodec prefix).

Data Integrity proofs (`eddsa-rdfc-2022`) publish the issuer key as `publicKeyMultibase`:
`"z"` + base58btc(`0xed01` ‖ 32-byte public key). Secret keys use the `0x8026` prefix; the W3C
test vectors put the 32-byte seed after it, the 1EdTech vector the 64-byte seed ‖ public key, so
both are accepted.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "ED25519_PRIVATE_PREFIX",
    "ED25519_PUBLIC_PREFIX",
    "base58btc_decode",
    "base58btc_encode",
    "ed25519_private_from_multibase",
    "ed25519_public_from_multibase",
    "ed25519_public_multibase",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: position for position, char in enumerate(_ALPHABET)}

# Multicodec varints: ed25519-pub (0xed) and ed25519-priv (0x1300).
ED25519_PUBLIC_PREFIX = b"\xed\x01"
ED25519_PRIVATE_PREFIX = b"\x80\x26"


def base58btc_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58; each leading zero byte becomes a leading "1"."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(value: str) -> bytes:
    """Inverse of `base58btc_encode`; raises ValueError naming the first character not in the
    alphabet (0, O, I and l are not base58btc)."""
    number = 0
    for position, char in enumerate(value):
        digit = _INDEX.get(char)
        if digit is None:
            raise ValueError(f"{char!r} at position {position} is not a base58btc character")
        number = number * 58 + digit
    zeros = len(value) - len(value.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def _multibase_payload(value: str, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty multibase string")
    if value[0] != "z":
        raise ValueError(
            f"{what} must be multibase base58btc (start with 'z'), got prefix {value[0]!r}"
        )
    try:
        return base58btc_decode(value[1:])
    except ValueError as error:
        raise ValueError(f"{what} is not valid base58btc: {error}") from None


def ed25519_public_multibase(public_key: Ed25519PublicKey) -> str:
    """`publicKeyMultibase` for an Ed25519 key: "z" + base58btc(0xed01 ‖ 32 bytes)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58btc_encode(ED25519_PUBLIC_PREFIX + raw)


def ed25519_public_from_multibase(value: str) -> Ed25519PublicKey:
    """Parse a `publicKeyMultibase`; raises ValueError saying what is wrong with it."""
    payload = _multibase_payload(value, "publicKeyMultibase")
    if payload[:2] != ED25519_PUBLIC_PREFIX:
        raise ValueError(
            "publicKeyMultibase is not an Ed25519 public key "
            f"(multicodec prefix 0x{payload[:2].hex()}, expected 0xed01)"
        )
    raw = payload[2:]
    if len(raw) != 32:
        raise ValueError(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def ed25519_private_from_multibase(value: str) -> Ed25519PrivateKey:
    """Parse a `secretKeyMultibase`: 0x8026 ‖ seed (W3C) or 0x8026 ‖ seed ‖ public (1EdTech).

    With the 64-byte form the public half must match the seed, so a corrupted key is refused
    instead of signing with a key nobody can verify.
    """
    payload = _multibase_payload(value, "secretKeyMultibase")
    if payload[:2] != ED25519_PRIVATE_PREFIX:
        raise ValueError(
            "secretKeyMultibase is not an Ed25519 private key "
            f"(multicodec prefix 0x{payload[:2].hex()}, expected 0x8026)"
        )
    raw = payload[2:]
    if len(raw) not in (32, 64):
        raise ValueError(f"Ed25519 private key must be 32 or 64 bytes, got {len(raw)}")
    private_key = Ed25519PrivateKey.from_private_bytes(raw[:32])
    if len(raw) == 64:
        derived = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        if derived != raw[32:]:
            raise ValueError("the public half of the 64-byte private key does not match its seed")
    return private_key

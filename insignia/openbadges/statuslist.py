"""W3C Bitstring Status List: the bitstring, its encoding and the status list credential.

A status list is a bitstring in which bit *i* says whether credential *i* of the list is revoked.
The W3C Bitstring Status List spec fixes the wire format, and verifiers (the 1EdTech validator
among them) decode it byte for byte, so every detail here is the spec's:

- at least 131,072 entries (16 KiB), so that one revoked credential hides among many (herd
  privacy); we never emit a shorter list;
- bit 0 is the most significant bit of byte 0 (MSB first);
- `encodedList` = multibase base64url without padding (prefix `u`) of the GZIP-compressed bits.

The credential document (`BitstringStatusListCredential`) is built unsigned here; the caller adds
the Data Integrity proof.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .ob2 import format_datetime
from .ob3 import VC2_CONTEXT_URL

__all__ = [
    "MIN_ENTRIES",
    "MIN_LENGTH_BYTES",
    "StatusListError",
    "StatusListSpec",
    "decode_list",
    "encode_list",
    "get_bit",
    "new_bitstring",
    "set_bit",
    "status_list_credential",
]

MIN_ENTRIES = 131_072
MIN_LENGTH_BYTES = MIN_ENTRIES // 8
# A decoded list larger than this is refused: a tiny GZIP "bomb" must not exhaust memory.
_MAX_DECODED_BYTES = 16 * 1024 * 1024

Document = dict[str, Any]


class StatusListError(ValueError):
    """An encoded list that cannot be decoded, or an index outside the list."""


def new_bitstring(entries: int = MIN_ENTRIES) -> bytearray:
    """An all-zero bitstring of `entries` bits (at least MIN_ENTRIES, a multiple of 8)."""
    if entries < MIN_ENTRIES or entries % 8:
        raise StatusListError(
            f"a status list needs at least {MIN_ENTRIES} entries, in whole bytes; got {entries}"
        )
    return bytearray(entries // 8)


def _locate(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list (0…{len(bits) * 8 - 1})")
    return index // 8, 0x80 >> (index % 8)


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    byte, mask = _locate(bits, index)
    return bool(bits[byte] & mask)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    byte, mask = _locate(bits, index)
    if value:
        bits[byte] |= mask
    else:
        bits[byte] &= ~mask & 0xFF


def encode_list(bits: bytes | bytearray) -> str:
    """`u` + base64url(no padding) of GZIP(bits). `mtime=0` keeps the output reproducible."""
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str, *, min_entries: int = MIN_ENTRIES) -> bytes:
    """The bits of an `encodedList`; raises `StatusListError` with the reason it is not one.

    Accepts the spec's multibase `u` form and, as the 1EdTech validator does, bare base64url.
    """
    if not isinstance(encoded, str) or not encoded:
        raise StatusListError("encodedList is missing or not a string")
    text = encoded[1:] if encoded.startswith("u") else encoded
    try:
        # validate=True: the lenient default would silently skip characters outside base64url.
        compressed = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise StatusListError("encodedList is not base64url (multibase 'u')") from None
    try:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing
        bits = inflater.decompress(compressed, _MAX_DECODED_BYTES + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP-compressed: {exc}") from None
    if len(bits) > _MAX_DECODED_BYTES:
        raise StatusListError(f"encodedList expands to more than {_MAX_DECODED_BYTES} bytes")
    if not inflater.eof:
        raise StatusListError("encodedList is a truncated GZIP stream")
    if len(bits) * 8 < min_entries:
        raise StatusListError(
            f"the status list has {len(bits) * 8} entries; the spec requires at least {min_entries}"
        )
    return bits


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusListSpec:
    """What a BitstringStatusListCredential says besides its bits."""

    id: str  # the URL it is served at
    issuer_id: str
    valid_from: datetime
    purpose: str = "revocation"


def status_list_credential(spec: StatusListSpec, bits: bytes | bytearray) -> Document:
    """The unsigned BitstringStatusListCredential for `bits` (VC Data Model 2.0)."""
    return {
        "@context": [VC2_CONTEXT_URL],
        "id": spec.id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": spec.issuer_id,
        "validFrom": format_datetime(spec.valid_from),
        "credentialSubject": {
            "id": f"{spec.id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": spec.purpose,
            "encodedList": encode_list(bits),
        },
    }

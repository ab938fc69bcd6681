"""Bitstring Status List: bit order, encoding and the 1EdTech validator's fixture list."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from insignia.openbadges import statuslist
from insignia.openbadges.statuslist import StatusListError

FIXTURE = Path(__file__).parent / "vectors" / "inspector-ob30" / "bit-string-list" / "testlist"


def test_new_bitstring_has_the_minimum_herd_privacy_size():
    bits = statuslist.new_bitstring()
    assert len(bits) * 8 == statuslist.MIN_ENTRIES == 131_072
    assert not any(bits)


@pytest.mark.parametrize("entries", [8, 131_064, 131_073])
def test_new_bitstring_refuses_short_or_partial_byte_lists(entries):
    with pytest.raises(StatusListError):
        statuslist.new_bitstring(entries)


def test_bit_zero_is_the_most_significant_bit_of_the_first_byte():
    bits = statuslist.new_bitstring()
    statuslist.set_bit(bits, 0)
    statuslist.set_bit(bits, 9)
    assert bits[0] == 0x80 and bits[1] == 0x40
    assert statuslist.get_bit(bits, 0) and statuslist.get_bit(bits, 9)
    assert not statuslist.get_bit(bits, 1)
    statuslist.set_bit(bits, 0, False)
    assert bits[0] == 0


def test_an_index_outside_the_list_is_refused():
    bits = statuslist.new_bitstring()
    with pytest.raises(StatusListError, match="outside the list"):
        statuslist.set_bit(bits, statuslist.MIN_ENTRIES)
    with pytest.raises(StatusListError):
        statuslist.get_bit(bits, -1)


def test_encoding_is_multibase_base64url_of_gzip_and_round_trips():
    bits = statuslist.new_bitstring()
    for index in (0, 7, 23, 131_071):
        statuslist.set_bit(bits, index)
    encoded = statuslist.encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bytes(bits)
    assert statuslist.decode_list(encoded) == bytes(bits)
    assert statuslist.encode_list(bits) == encoded  # reproducible (mtime 0)


def test_the_1edtech_fixture_list_has_only_bit_23_set():
    document = json.loads(FIXTURE.read_text())
    bits = statuslist.decode_list(document["credentialSubject"]["encodedList"])
    assert len(bits) == 16_384
    assert [i for i in range(len(bits) * 8) if statuslist.get_bit(bits, i)] == [23]


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        ("", "missing"),
        ("u!!!!", "not base64url"),
        ("u" + base64.urlsafe_b64encode(b"plain bytes").decode().rstrip("="), "not GZIP"),
        (
            "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100), mtime=0)).decode().rstrip("="),
            "at least 131072",
        ),
        (
            "u"
            + base64.urlsafe_b64encode(gzip.compress(bytes(16_384), mtime=0)[:-12])
            .decode()
            .rstrip("="),
            "truncated",
        ),
    ],
    ids=["empty", "not-base64url", "not-gzip", "too-short", "truncated-gzip"],
)
def test_a_bad_encoded_list_fails_with_its_reason(encoded, reason):
    with pytest.raises(StatusListError, match=reason):
        statuslist.decode_list(encoded)


def test_the_status_list_credential_names_its_purpose_and_list():
    spec = statuslist.StatusListSpec(
        id="https://badges.example/status/abc",
        issuer_id="https://badges.example/issuers/x/profile.json",
        valid_from=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    bits = statuslist.new_bitstring()
    statuslist.set_bit(bits, 5)
    document = statuslist.status_list_credential(spec, bits)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert document["validFrom"] == "2026-01-02T03:04:05Z"
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["id"] == "https://badges.example/status/abc#list"
    assert statuslist.get_bit(statuslist.decode_list(subject["encodedList"]), 5)

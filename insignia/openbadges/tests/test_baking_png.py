from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insignia.openbadges.baking import (
    OB3_PNG_KEYWORD,
    BadCrcError,
    BakingError,
    DuplicateChunkError,
    InvalidKeywordError,
    MalformedChunkError,
    MissingChunkError,
    NotAPngError,
    TruncatedPngError,
    bake_png,
    check_png,
    unbake_png,
)

from .factories import SIGNATURE, chunk, idat, ihdr, inspector_document, itxt, png, text_chunk
from .factories import vector as read_vector

ASSERTION = '{"id":"https://badges.example.org/a/1","type":"Assertion"}'
IHDR_END = len(SIGNATURE) + 25  # a 13-byte IHDR chunk is 25 bytes with length, type and CRC


def chunk_types(data: bytes) -> list[bytes]:
    types, pos = [], len(SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        types.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return types


def test_bake_then_unbake_returns_the_text() -> None:
    assert unbake_png(bake_png(png(), ASSERTION)) == ASSERTION


def test_baked_chunk_is_uncompressed_itxt_right_after_ihdr() -> None:
    baked = bake_png(png(), ASSERTION)
    expected = itxt("openbadges", ASSERTION)
    assert baked[IHDR_END : IHDR_END + len(expected)] == expected
    assert expected[8:23] == b"openbadges\x00\x00\x00\x00\x00"
    assert chunk_types(baked) == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]


def test_every_other_byte_of_the_file_is_unchanged() -> None:
    original = png(chunk(b"tIME", b"\x07\xe8\x01\x01\x00\x00\x00"), idat())
    baked = bake_png(original, ASSERTION)
    inserted = len(itxt("openbadges", ASSERTION))
    assert baked[:IHDR_END] + baked[IHDR_END + inserted :] == original


def test_bytes_after_iend_are_kept() -> None:
    original = png() + b"trailing"
    assert bake_png(original, ASSERTION).endswith(b"trailing")


def test_chunk_just_before_iend_is_found() -> None:
    data = png(idat(), itxt("openbadges", ASSERTION))
    assert chunk_types(data)[-2:] == [b"iTXt", b"IEND"]
    assert unbake_png(data) == ASSERTION


def test_chunk_between_ancillary_chunks_after_idat_is_found() -> None:
    data = png(idat(), chunk(b"tIME", bytes(7)), itxt("openbadges", ASSERTION), chunk(b"zzZz", b""))
    assert unbake_png(data) == ASSERTION


def test_rebaking_replaces_the_data_and_leaves_exactly_one_chunk() -> None:
    once = bake_png(png(), "first")
    twice = bake_png(once, "second")
    assert unbake_png(twice) == "second"
    assert chunk_types(twice).count(b"iTXt") == 1
    assert twice == bake_png(png(), "second")


def test_rebaking_removes_a_chunk_found_anywhere_in_the_file() -> None:
    data = png(idat(), itxt("openbadges", "old"))
    rebaked = bake_png(data, "new")
    assert unbake_png(rebaked) == "new"
    assert chunk_types(rebaked) == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]


def test_rebaking_removes_a_legacy_text_chunk() -> None:
    data = png(text_chunk("openbadges", "https://example.org/old.json"))
    rebaked = bake_png(data, ASSERTION)
    assert chunk_types(rebaked) == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]


def test_text_chunks_with_other_keywords_are_left_alone() -> None:
    data = png(itxt("Title", "My badge"), text_chunk("Author", "Ada"))
    baked = bake_png(data, ASSERTION)
    assert unbake_png(baked, keyword="Title") == "My badge"
    assert unbake_png(baked, keyword="Author") == "Ada"


def test_ob3_keyword_is_separate_from_the_ob2_one() -> None:
    both = bake_png(bake_png(png(), "ob2"), "ob3", keyword=OB3_PNG_KEYWORD)
    assert unbake_png(both) == "ob2"
    assert unbake_png(both, keyword=OB3_PNG_KEYWORD) == "ob3"


def test_unbake_returns_none_when_nothing_is_baked() -> None:
    assert unbake_png(png()) is None


def test_unbake_reads_a_legacy_text_chunk() -> None:
    data = png(text_chunk("openbadges", "https://example.org/assertion.json"))
    assert unbake_png(data) == "https://example.org/assertion.json"


def test_unbake_inflates_a_compressed_itxt_written_by_another_tool() -> None:
    assert unbake_png(png(itxt("openbadges", ASSERTION, compressed=True))) == ASSERTION


def test_two_chunks_with_the_keyword_are_refused() -> None:
    data = png(itxt("openbadges", "a"), idat(), itxt("openbadges", "b"))
    with pytest.raises(DuplicateChunkError, match="only one"):
        unbake_png(data)


def test_an_itxt_and_a_text_chunk_with_the_keyword_count_as_duplicates() -> None:
    data = png(itxt("openbadges", "a"), text_chunk("openbadges", "b"))
    with pytest.raises(DuplicateChunkError):
        unbake_png(data)


def test_non_png_input_is_refused() -> None:
    with pytest.raises(NotAPngError, match="signature"):
        bake_png(b"GIF89a" + bytes(100), ASSERTION)
    with pytest.raises(NotAPngError):
        unbake_png(b"")


@pytest.mark.parametrize("cut", [9, 12, 20, IHDR_END + 3, -5])
def test_truncated_png_is_refused(cut: int) -> None:
    with pytest.raises(TruncatedPngError, match="truncated"):
        unbake_png(png()[:cut])


def test_file_without_iend_is_refused() -> None:
    data = png()
    without_iend = data[: -len(chunk(b"IEND", b""))]
    with pytest.raises(MissingChunkError, match="IEND"):
        bake_png(without_iend, ASSERTION)


def test_file_not_starting_with_ihdr_is_refused() -> None:
    data = SIGNATURE + idat() + ihdr() + chunk(b"IEND", b"")
    with pytest.raises(MissingChunkError, match="IHDR"):
        bake_png(data, ASSERTION)


def test_bad_crc_names_the_chunk_and_its_offset() -> None:
    data = bytearray(png())
    idat_offset = IHDR_END
    data[idat_offset + 9] ^= 0xFF  # flip a byte inside IDAT's data
    with pytest.raises(BadCrcError) as caught:
        bake_png(bytes(data), ASSERTION)
    assert caught.value.chunk_type == "IDAT"
    assert caught.value.offset == idat_offset
    assert f"byte {idat_offset}" in str(caught.value)


def test_invalid_chunk_type_is_refused() -> None:
    data = SIGNATURE + ihdr() + chunk(b"ID1T", b"") + chunk(b"IEND", b"")
    with pytest.raises(MalformedChunkError, match="invalid type"):
        check_png(data)


def test_without_crc_check_opaque_chunks_are_copied_as_they_are() -> None:
    data = bytearray(png())
    data[IHDR_END + 9] ^= 0xFF
    baked = bake_png(bytes(data), ASSERTION, check_crc=False)
    inserted = len(itxt("openbadges", ASSERTION))
    assert baked[:IHDR_END] + baked[IHDR_END + inserted :] == data
    with pytest.raises(BadCrcError):
        check_png(baked)


def test_without_crc_check_ihdr_and_text_chunks_are_still_checked() -> None:
    bad_ihdr = bytearray(png())
    bad_ihdr[len(SIGNATURE) + 10] ^= 0xFF
    with pytest.raises(BadCrcError, match="IHDR"):
        bake_png(bytes(bad_ihdr), ASSERTION, check_crc=False)
    bad_text = bytearray(png(itxt("openbadges", "old")))
    bad_text[IHDR_END + 20] ^= 0xFF
    with pytest.raises(BadCrcError, match="iTXt"):
        bake_png(bytes(bad_text), ASSERTION, check_crc=False)


@pytest.mark.parametrize("keyword", ["", "k" * 80, "clé✓", " openbadges", "tab\tkey"])
def test_invalid_keywords_are_refused(keyword: str) -> None:
    with pytest.raises(InvalidKeywordError):
        bake_png(png(), ASSERTION, keyword=keyword)


def test_longest_allowed_keyword_works() -> None:
    keyword = "k" * 79
    assert unbake_png(bake_png(png(), "x", keyword=keyword), keyword=keyword) == "x"


def test_baking_errors_are_value_errors() -> None:
    assert issubclass(BakingError, ValueError)
    for error in (NotAPngError, TruncatedPngError, BadCrcError, DuplicateChunkError):
        assert issubclass(error, BakingError)


# --- shared samples ---


def test_openbadges_bakery_sample_unbakes_to_its_assertion() -> None:
    text = unbake_png(read_vector("baking/baked_heart.png"))
    assert text is not None
    assert json.loads(text) == {
        "uid": "123",
        "issuedOn": "2015-04-01",
        "badge": "http://example.org/badge1",
        "recipient": {"identity": "test@example.com", "hashed": False},
        "verify": {"type": "hosted", "url": "http://example.org/badgeinstance1"},
    }


def test_baking_the_unbaked_sample_reproduces_openbadges_bakery_output_exactly() -> None:
    baked = read_vector("baking/baked_heart.png")
    text = unbake_png(baked)
    assert text is not None
    assert bake_png(read_vector("baking/public_domain_heart.png"), text) == baked


def test_inspector_simple_badge_holds_the_basic_assertion() -> None:
    text = unbake_png(read_vector("inspector-ob20/simple-badge.png"))
    assert text is not None
    baked = json.loads(text)
    expected = inspector_document("basic-assertion.json")
    del expected["evidence"]
    assert baked == expected


def test_inspector_simple_badge_is_the_robotics_image_baked_like_we_bake() -> None:
    baked = read_vector("inspector-ob20/simple-badge.png")
    text = unbake_png(baked)
    assert text is not None
    assert bake_png(read_vector("inspector-ob20/assets/robotics-badge.png"), text) == baked


@given(st.text())
def test_any_unicode_text_round_trips(text: str) -> None:
    baked = bake_png(png(), text)
    assert unbake_png(baked) == text
    assert unbake_png(bake_png(baked, text + "]]>")) == text + "]]>"

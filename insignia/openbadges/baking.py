"""Baking: embedding badge data in, and extracting it from, PNG and SVG images.

Both formats are edited as bytes, never decoded and re-encoded: the issuer's artwork must come
out byte-identical apart from the badge data, and re-encoding through an imaging library is both
slow and lossy (colour profiles, palettes, metadata).

PNG (Open Badges 2.0 / 3.0 baking spec): one uncompressed `iTXt` chunk whose keyword is
`openbadges` (OB 2.0) or `openbadgecredential` (OB 3.0) and whose text is the assertion JSON or a
compact JWS. We write it right after `IHDR`; when reading we scan every chunk, because other tools
put it elsewhere (often just before `IEND`). The spec says the chunk MUST NOT appear more than
once, so a file with two is refused rather than guessed at.

SVG: an `<openbadges:assertion>` (OB 2.0, namespace `http://openbadges.org`) or
`<openbadges:credential>` (OB 3.0, `https://purl.imsglobal.org/ob/v3p0`) element as the first
child of `<svg>`, with the data in a `verify` attribute (JWS or hosted URL) and/or a CDATA body
(JSON). The XML is parsed (with defusedxml) only to validate it and to find byte offsets; the
element is then spliced into the original bytes.
"""

from __future__ import annotations

import re
import struct
import xml.parsers.expat
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped, unused-ignore]
from defusedxml import ElementTree as SafeElementTree  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "OB2_PNG_KEYWORD",
    "OB2_SVG_ELEMENT",
    "OB2_SVG_NAMESPACE",
    "OB3_PNG_KEYWORD",
    "OB3_SVG_ELEMENT",
    "OB3_SVG_NAMESPACE",
    "BadCrcError",
    "BakingError",
    "DuplicateChunkError",
    "InvalidKeywordError",
    "InvalidSvgError",
    "InvalidTextError",
    "MalformedChunkError",
    "MissingChunkError",
    "NotAPngError",
    "TruncatedPngError",
    "bake_png",
    "bake_svg",
    "check_png",
    "detect_image_kind",
    "unbake_png",
    "unbake_svg",
]

OB2_PNG_KEYWORD = "openbadges"
OB3_PNG_KEYWORD = "openbadgecredential"
OB2_SVG_NAMESPACE = "http://openbadges.org"
OB2_SVG_ELEMENT = "assertion"
OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB3_SVG_ELEMENT = "credential"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_SVG_PREFIX = "openbadges"
# The keyword's NUL terminator, compression flag 0, method 0, then an empty language tag and an
# empty translated keyword, each NUL-terminated (PNG iTXt; the bytes openbadges-bakery writes).
_ITXT_UNCOMPRESSED_HEADER = b"\x00\x00\x00\x00\x00"
_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec: lengths above this are invalid
# A compressed iTXt in a foreign file could be a zip bomb; no real assertion comes near this.
_MAX_INFLATED_TEXT = 16 * 1024 * 1024
_TEXT_CHUNK_TYPES = (b"iTXt", b"tEXt")
# Chunks this module interprets; their CRC is checked even when `check_crc=False`.
_ALWAYS_CRC_CHECKED = frozenset({b"IHDR", b"IEND", b"iTXt", b"tEXt", b"zTXt"})
_CHUNK_HEADER = struct.Struct(">I4s")
_CRC = struct.Struct(">I")

# Characters allowed in an XML 1.0 document (the `Char` production).
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- errors -----------------------------------------------------------------------------------


class BakingError(ValueError):
    """Base class: the image cannot be baked or unbaked as given."""


class NotAPngError(BakingError):
    def __init__(self) -> None:
        super().__init__("not a PNG file: the first 8 bytes are not the PNG signature")


class TruncatedPngError(BakingError):
    pass


class BadCrcError(BakingError):
    def __init__(self, chunk_type: str, offset: int) -> None:
        super().__init__(
            f"PNG {chunk_type} chunk at byte {offset} has a bad CRC: the file is corrupt"
        )
        self.chunk_type = chunk_type
        self.offset = offset


class MissingChunkError(BakingError):
    def __init__(self, chunk_type: str, detail: str) -> None:
        super().__init__(f"PNG has no {chunk_type} chunk: {detail}")
        self.chunk_type = chunk_type


class MalformedChunkError(BakingError):
    pass


class DuplicateChunkError(BakingError):
    """The badge data appears more than once; the baking spec says it MUST NOT."""


class InvalidKeywordError(BakingError):
    pass


class InvalidSvgError(BakingError):
    pass


class InvalidTextError(BakingError):
    pass


# --- PNG --------------------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: a frozen __init__ costs more than the rest of the walk
class _Chunk:
    type: bytes
    start: int  # offset of the length field
    data_start: int
    data_end: int  # offset of the CRC

    @property
    def end(self) -> int:
        return self.data_end + 4


def bake_png(
    png: bytes, text: str, *, keyword: str = OB2_PNG_KEYWORD, check_crc: bool = True
) -> bytes:
    """Return `png` with `text` in one uncompressed iTXt chunk right after IHDR.

    Any existing iTXt or tEXt chunk with the same keyword is removed, so re-baking replaces the
    data. Every other byte of the file is kept as it was.

    The CRC of every chunk is checked, which is most of the cost for a large image. When the
    same image, already accepted by `check_png`, is baked many times, `check_crc=False` skips
    the CRCs of the chunks that are copied through unchanged (IDAT and other opaque chunks);
    IHDR, IEND and text chunks are still checked.
    """
    key = _keyword_bytes(keyword)
    chunks = _read_chunks(png, check_crc=check_crc)
    try:
        payload = key + _ITXT_UNCOMPRESSED_HEADER + text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidTextError(f"text cannot be encoded as UTF-8: {exc.reason}") from None
    if len(payload) > _MAX_CHUNK_LENGTH:
        raise InvalidTextError("text is too long for one PNG chunk (2 GiB limit)")
    body = b"iTXt" + payload
    new_chunk = struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    view = memoryview(png)
    ihdr_end = chunks[0].end
    parts: list[bytes | memoryview] = [view[:ihdr_end], new_chunk]
    cursor = ihdr_end
    for chunk in chunks[1:]:
        if _has_keyword(png, chunk, key):
            parts.append(view[cursor : chunk.start])
            cursor = chunk.end
    parts.append(view[cursor:])
    return b"".join(parts)


def unbake_png(png: bytes, *, keyword: str = OB2_PNG_KEYWORD) -> str | None:
    """Return the text of the iTXt (or legacy tEXt) chunk with `keyword`, or None if none.

    Raises `DuplicateChunkError` if more than one chunk has the keyword.
    """
    key = _keyword_bytes(keyword)
    found = [c for c in _read_chunks(png) if _has_keyword(png, c, key)]
    if not found:
        return None
    if len(found) > 1:
        offsets = ", ".join(str(c.start) for c in found)
        raise DuplicateChunkError(
            f"PNG has {len(found)} {keyword!r} text chunks (at bytes {offsets}); "
            "the baking spec allows only one"
        )
    chunk = found[0]
    data = png[chunk.data_start + len(key) + 1 : chunk.data_end]
    if chunk.type == b"tEXt":
        return data.decode("latin-1")
    return _itxt_text(data, chunk.start)


def check_png(png: bytes) -> None:
    """Raise a `BakingError` unless `png` is a structurally sound PNG (signature, IHDR first,
    every chunk complete with a correct CRC, IEND). Pixels are not decoded."""
    _read_chunks(png)


def _read_chunks(png: bytes, *, check_crc: bool = True) -> list[_Chunk]:
    """Walk every chunk from IHDR to IEND, checking lengths and (see `bake_png`) CRCs."""
    if not png.startswith(PNG_SIGNATURE):
        raise NotAPngError()
    view = memoryview(png)
    size = len(png)
    chunks: list[_Chunk] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if pos == size:
            raise MissingChunkError("IEND", f"the file ends at byte {pos} without one")
        if pos + 8 > size:
            raise TruncatedPngError(f"PNG is truncated: chunk header at byte {pos} is incomplete")
        length, chunk_type = _CHUNK_HEADER.unpack_from(png, pos)
        if not chunk_type.isalpha():  # bytes.isalpha: ASCII letters only
            raise MalformedChunkError(f"PNG chunk at byte {pos} has an invalid type {chunk_type!r}")
        data_end = pos + 8 + length
        if length > _MAX_CHUNK_LENGTH or data_end + 4 > size:
            if length > _MAX_CHUNK_LENGTH:
                raise MalformedChunkError(
                    f"PNG {_name(chunk_type)} chunk at byte {pos} has invalid length {length}"
                )
            raise TruncatedPngError(
                f"PNG is truncated: {_name(chunk_type)} chunk at byte {pos} needs "
                f"{length + 12} bytes, only {size - pos} remain"
            )
        if (check_crc or chunk_type in _ALWAYS_CRC_CHECKED) and zlib.crc32(
            view[pos + 4 : data_end]
        ) != _CRC.unpack_from(png, data_end)[0]:
            raise BadCrcError(_name(chunk_type), pos)
        if not chunks and chunk_type != b"IHDR":
            raise MissingChunkError("IHDR", f"the first chunk (byte {pos}) is {_name(chunk_type)}")
        chunks.append(_Chunk(chunk_type, pos, pos + 8, data_end))
        pos = data_end + 4
        if chunk_type == b"IEND":
            # Bytes after IEND are not part of the image; they are kept untouched.
            return chunks


def _name(chunk_type: bytes) -> str:
    return chunk_type.decode("latin-1")


@lru_cache(maxsize=16)  # the same one or two keywords are validated on every call
def _keyword_bytes(keyword: str) -> bytes:
    try:
        key = keyword.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidKeywordError(f"PNG keyword {keyword!r} is not Latin-1") from None
    if not 1 <= len(key) <= 79:
        raise InvalidKeywordError(f"PNG keyword {keyword!r} must be 1 to 79 bytes long")
    if any(not (32 <= b <= 126 or b >= 161) for b in key) or key != key.strip(b" "):
        raise InvalidKeywordError(
            f"PNG keyword {keyword!r} must be printable Latin-1 without leading/trailing spaces"
        )
    return key


def _has_keyword(png: bytes, chunk: _Chunk, key: bytes) -> bool:
    return chunk.type in _TEXT_CHUNK_TYPES and png.startswith(
        key + b"\x00", chunk.data_start, chunk.data_end
    )


def _itxt_text(data: bytes, offset: int) -> str:
    # data = flag, method, language tag NUL, translated keyword NUL, text (keyword already cut).
    if len(data) < 2:
        raise MalformedChunkError(f"iTXt chunk at byte {offset} is too short")
    compressed, method = data[0], data[1]
    parts = data[2:].split(b"\x00", 2)
    if len(parts) != 3:
        raise MalformedChunkError(
            f"iTXt chunk at byte {offset} lacks its language tag / translated keyword"
        )
    raw = parts[2]
    if compressed:
        if method != 0:
            raise MalformedChunkError(
                f"iTXt chunk at byte {offset} uses unknown compression method {method}"
            )
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, _MAX_INFLATED_TEXT)
        except zlib.error as exc:
            raise MalformedChunkError(
                f"iTXt chunk at byte {offset} has corrupt compressed text: {exc}"
            ) from None
        if inflater.unconsumed_tail:
            raise MalformedChunkError(f"iTXt chunk at byte {offset} inflates to over 16 MiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedChunkError(
            f"iTXt chunk at byte {offset} text is not UTF-8 (byte {exc.start} of the text)"
        ) from None


# --- SVG --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _SvgLayout:
    """Byte offsets in an SVG file, found by a single parse."""

    root_start: int = -1
    root_namespaces: dict[str | None, str] = field(default_factory=dict)
    encoding: str | None = None
    # (start, end) of each element to replace, outermost only.
    matches: list[tuple[int, int]] = field(default_factory=list)


def bake_svg(
    svg: bytes,
    *,
    assertion_json: str | None = None,
    verify: str | None = None,
    namespace: str = OB2_SVG_NAMESPACE,
    element: str = OB2_SVG_ELEMENT,
) -> bytes:
    """Return `svg` with one badge element inserted as the first child of `<svg>`.

    - OB 2.0 hosted: `verify` = assertion URL, `assertion_json` = the assertion (CDATA body).
    - OB 2.0 signed / OB 3.0 VC-JWT: `verify` = compact JWS, no body.
    - OB 3.0 embedded proof: `namespace=OB3_SVG_NAMESPACE, element="credential"`, JSON body,
      no `verify`.

    Existing elements with that namespace and name are removed first (re-baking replaces); the
    namespace is declared on `<svg>` unless already bound there. Other bytes are untouched.
    """
    if assertion_json is None and verify is None:
        raise BakingError("bake_svg needs assertion_json, verify, or both")
    for label, value in (("assertion_json", assertion_json), ("verify", verify)):
        if value is not None:
            _check_xml_text(label, value)
    _parse_svg(svg)
    layout = _locate(svg, namespace, element)
    if layout.encoding is not None and layout.encoding.lower().replace("-", "") != "utf8":
        raise InvalidSvgError(
            f"SVG declares encoding {layout.encoding!r}; only UTF-8 SVG files can be baked"
        )

    tag_end = _start_tag_end(svg, layout.root_start)
    self_closing = svg[tag_end - 1 : tag_end] == b"/"
    bound = [p for p, uri in layout.root_namespaces.items() if p is not None and uri == namespace]
    root_declaration = ""
    element_declaration = ""
    if bound:
        prefix = bound[0]
    else:
        prefix = _SVG_PREFIX
        declaration = f' xmlns:{prefix}="{_escape_attribute(namespace)}"'
        if prefix in layout.root_namespaces:
            # `openbadges:` is already bound to another namespace on <svg> (say an OB 2.0 badge
            # being baked as OB 3.0): bind it locally instead of changing the root.
            element_declaration = declaration
        else:
            root_declaration = declaration

    qname = f"{prefix}:{element}"
    new = f"<{qname}{element_declaration}"
    if verify is not None:
        new += f' verify="{_escape_attribute(verify)}"'
    new += f">{_cdata(assertion_json)}</{qname}>" if assertion_json is not None else "/>"
    new_bytes = new.encode("utf-8")

    if self_closing:
        # `<svg .../>`: open it, add the element, close it.
        name_end = re.compile(rb"[\s/>]").search(svg, layout.root_start + 1)
        assert name_end is not None  # the start tag was parsed, so its name ends somewhere
        root_name = svg[layout.root_start + 1 : name_end.start()]
        return b"".join(
            (
                svg[: tag_end - 1],
                root_declaration.encode("utf-8"),
                b">",
                new_bytes,
                b"</" + root_name + b">",
                svg[tag_end + 1 :],
            )
        )
    parts = [svg[:tag_end], root_declaration.encode("utf-8"), b">", new_bytes]
    cursor = tag_end + 1
    for start, end in layout.matches:
        parts.append(svg[cursor:start])
        cursor = end
    parts.append(svg[cursor:])
    return b"".join(parts)


def unbake_svg(
    svg: bytes, *, namespace: str = OB2_SVG_NAMESPACE, element: str = OB2_SVG_ELEMENT
) -> str | None:
    """Return the badge data baked in `svg`, or None if there is none.

    The element's text body (the JSON, surrounding whitespace removed) if it has one, otherwise
    its `verify` attribute (a JWS). Raises `DuplicateChunkError` if the element appears twice.
    """
    root = _parse_svg(svg)
    found = list(root.iter(f"{{{namespace}}}{element}"))
    if not found:
        return None
    if len(found) > 1:
        raise DuplicateChunkError(
            f"SVG has {len(found)} <{element}> elements in namespace {namespace}; "
            "the baking spec allows only one"
        )
    body = (found[0].text or "").strip(" \t\r\n")
    if body:
        return body
    verify = found[0].get("verify")
    if verify is None:
        raise InvalidSvgError(f"SVG <{element}> element has neither a body nor a verify attribute")
    return verify


def _parse_svg(svg: bytes) -> Element:
    """Parse safely (no entity expansion, no external references) and check the root is svg."""
    if svg.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidSvgError("SVG is UTF-16 encoded; only UTF-8 SVG files are supported")
    try:
        root: Element = SafeElementTree.fromstring(svg)
    except ParseError as exc:
        raise InvalidSvgError(f"not a well-formed XML/SVG file: {exc}") from None
    except DefusedXmlException as exc:
        raise InvalidSvgError(f"SVG refused for safety: {exc}") from None
    if root.tag not in (f"{{{_SVG_NAMESPACE}}}svg", "svg"):
        raise InvalidSvgError(f"not an SVG file: the root element is {root.tag!r}, not <svg>")
    return root


def _locate(svg: bytes, namespace: str, element: str) -> _SvgLayout:
    # Runs only after `_parse_svg` accepted the bytes (no DTD entities or external references),
    # so a plain expat pass is safe; it is used because it reports byte offsets.
    layout = _SvgLayout()
    wanted = f"{namespace} {element}"
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    open_matches: list[int] = []
    depth = 0

    def on_xml_decl(version: str, encoding: str | None, standalone: int) -> None:
        layout.encoding = encoding

    def on_namespace(prefix: str | None, uri: str) -> None:
        if layout.root_start < 0:
            layout.root_namespaces[prefix] = uri

    def on_start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        if depth == 0:
            layout.root_start = parser.CurrentByteIndex
        depth += 1
        if name == wanted:
            open_matches.append(parser.CurrentByteIndex)

    def on_end(name: str) -> None:
        nonlocal depth
        depth -= 1
        if name != wanted:
            return
        start = open_matches.pop()
        end = _start_tag_end(svg, start) + 1
        if svg[end - 2 : end - 1] != b"/":  # not `<x/>`: expat stops at the `</` of the end tag
            end = svg.index(b">", parser.CurrentByteIndex) + 1
        if not open_matches:  # a nested match is removed with its outer one
            layout.matches.append((start, end))

    parser.XmlDeclHandler = on_xml_decl
    parser.StartNamespaceDeclHandler = on_namespace
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.Parse(svg, True)
    return layout


def _start_tag_end(data: bytes, start: int) -> int:
    """Offset of the `>` closing the start tag at `start` (`>` may occur in quoted values)."""
    quote = 0
    for index in range(start + 1, len(data)):
        byte = data[index]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):  # " or '
            quote = byte
        elif byte == 0x3E:  # >
            return index
    raise InvalidSvgError(f"start tag at byte {start} is not closed")


def _check_xml_text(label: str, value: str) -> None:
    bad = _XML_ILLEGAL.search(value)
    if bad is not None:
        raise InvalidTextError(
            f"{label} contains character U+{ord(bad.group()):04X} at index {bad.start()}, "
            "which XML (and so SVG) cannot hold"
        )


def _escape_attribute(value: str) -> str:
    # Whitespace characters are written as references so that attribute-value normalisation
    # does not turn them into spaces when the file is read back.
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _cdata(text: str) -> str:
    # `]]>` would end the section early, so it is split across two sections. A CR inside CDATA
    # would be turned into LF by any XML reader, so it is written as a reference between sections.
    body = text.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{body}]]>"


# --- detection --------------------------------------------------------------------------------

_XML_PROLOG_ITEM = re.compile(
    rb"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.DOTALL | re.IGNORECASE
)
_SVG_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")


def detect_image_kind(data: bytes) -> Literal["png", "svg"] | None:
    """Tell a PNG from an SVG by its signature or its root element, without a full parse."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        item = _XML_PROLOG_ITEM.match(data, pos)
        if item is None:
            break
        pos = item.end()
    return "svg" if _SVG_ROOT.match(data, pos) else None

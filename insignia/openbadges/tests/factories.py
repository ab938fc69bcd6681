"""Small builders for test inputs: PNG chunks and files, fake HTTP transports."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

from insignia.openbadges.verify import FetchResult

VECTORS = Path(__file__).parent / "vectors"
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(chunk_type: bytes, data: bytes) -> bytes:
    body = chunk_type + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def ihdr(width: int = 1, height: int = 1) -> bytes:
    # 8-bit greyscale, deflate, no filter method, no interlace.
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))


def idat(width: int = 1, height: int = 1) -> bytes:
    raw = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))
    return chunk(b"IDAT", zlib.compress(raw))


def png(*middle: bytes) -> bytes:
    """A valid 1×1 PNG with `middle` chunks after IHDR (an IDAT is added if none is given)."""
    body = middle if any(c[4:8] == b"IDAT" for c in middle) else (*middle, idat())
    return SIGNATURE + ihdr() + b"".join(body) + chunk(b"IEND", b"")


def itxt(keyword: str, text: str, *, compressed: bool = False) -> bytes:
    payload = zlib.compress(text.encode()) if compressed else text.encode()
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return chunk(b"iTXt", keyword.encode("latin-1") + b"\x00" + flag + b"\x00\x00" + payload)


def text_chunk(keyword: str, text: str) -> bytes:
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\x00" + text.encode("latin-1"))


def vector(relative: str) -> bytes:
    return (VECTORS / relative).read_bytes()


class FakeWeb:
    """An in-memory transport: URL → response. Unknown URLs answer 404."""

    def __init__(self) -> None:
        self.responses: dict[str, FetchResult] = {}
        self.requested: list[str] = []

    def __call__(self, url: str) -> FetchResult:
        self.requested.append(url)
        return self.responses.get(url, FetchResult(404, "text/plain", b"not found"))

    def json(self, url: str, document: object, status: int = 200) -> None:
        body = json.dumps(document).encode()
        self.responses[url] = FetchResult(status, "application/ld+json", body)

    def raw(
        self, url: str, body: bytes, status: int = 200, content_type: str = "text/html"
    ) -> None:
        self.responses[url] = FetchResult(status, content_type, body)


def inspector_web() -> FakeWeb:
    """The 1EdTech OB 2.0 inspector fixtures, served where their documents say they live.

    The fixtures refer to each other as http(s)://example.org/<file> (and a few example.com);
    the same file answers at every one of those spellings.
    """
    web = FakeWeb()
    folder = VECTORS / "inspector-ob20"
    for path in [*folder.glob("*.json"), *(folder / "assets").glob("*")]:
        for origin in ("https://example.org/", "http://example.org/", "http://example.com/"):
            web.raw(origin + path.name, path.read_bytes(), content_type="application/ld+json")
    return web


def inspector_document(name: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(vector(f"inspector-ob20/{name}"))
    return document

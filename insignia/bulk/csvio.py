"""Reading uploaded CSV/JSON files into rows, and writing safe CSV for spreadsheets.

Django-free on purpose: parsing is pure and fast, and the rules (encodings, delimiters,
Credly-style headers) are tested without a database.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class FileRefused(Exception):
    """The whole file is unusable; ``message`` says why and what to do."""

    def __init__(self, message: str, *, code: str = "invalid_file") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# Canonical field → accepted header spellings, compared lowercase with spaces, underscores
# and punctuation removed ("Badge Template ID", "badge_template_id" and "BadgeTemplateId" match).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "template": ("badgetemplateid", "templateid", "badgetemplate", "template", "badgeid"),
    "email": ("recipientemail", "email", "emailaddress", "earneremail", "recipient"),
    "first_name": ("firstname", "givenname", "recipientfirstname"),
    "last_name": ("lastname", "surname", "familyname", "recipientlastname"),
    "name": ("recipientname", "name", "fullname"),
    "issued": ("issuedat", "issueddate", "issuedon", "issuedate", "dateissued", "issued"),
    "expires": ("expiresat", "expirydate", "expiresdate", "expireson", "expirationdate"),
    "external_id": ("issuerearnerid", "earnerid", "externalid"),
    "evidence_url": ("evidenceurl", "evidence"),
    "locale": ("locale", "language"),
}
REQUIRED = ("template", "email", "issued")
# Shown in messages: the header we document for each field.
DISPLAY = {
    "template": "Badge Template ID",
    "email": "Recipient Email",
    "first_name": "First Name",
    "last_name": "Last Name",
    "name": "Recipient Name",
    "issued": "Issued At",
    "expires": "Expires At",
    "external_id": "Issuer Earner ID",
    "evidence_url": "Evidence URL",
    "locale": "Locale",
}


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass
class ParsedFile:
    encoding: str
    # Each row: (row number as a spreadsheet shows it, {canonical field: value}, raw cells).
    rows: list[tuple[int, dict[str, str], dict[str, str]]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # canonical field → header as given


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return bool(head) and controls / len(head) > 0.01


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8 (BOM)"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" as Windows-1252; Latin-1 bytes decode the same way for
        # every letter, and cp1252 never fails on the printable range.
        return data.decode("cp1252", errors="replace"), "windows-1252"


def map_headers(found: Sequence[str]) -> dict[str, str]:
    """Map canonical fields to the file's headers; raise naming what is missing."""
    mapping: dict[str, str] = {}
    for header in found:
        key = _norm(header)
        for canonical, aliases in HEADER_ALIASES.items():
            if key in aliases and canonical not in mapping:
                mapping[canonical] = header
                break
    missing = [DISPLAY[f] for f in REQUIRED if f not in mapping]
    if "name" not in mapping and not ("first_name" in mapping and "last_name" in mapping):
        missing.append("First Name and Last Name (or Recipient Name)")
    if missing:
        shown = ", ".join(repr(h) for h in found if h.strip()) or "none"
        raise FileRefused(
            f"Missing required column(s): {', '.join(missing)}. Columns found: {shown}.",
            code="missing_column",
        )
    return mapping


def parse_file(data: bytes, filename: str) -> ParsedFile:
    """Decode, sniff and read ``data`` (CSV, or a JSON array of objects) into rows."""
    if _looks_binary(data[:8192]):
        raise FileRefused(
            f"{filename or 'The file'} is not a text CSV (it looks like a binary file). Export "
            "it from your spreadsheet as CSV (UTF-8) and upload that.",
            code="not_text",
        )
    text, encoding = _decode(data)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("[", "{")):
        return _parse_json(stripped, encoding)
    return _parse_csv(text, encoding)


def _parse_csv(text: str, encoding: str) -> ParsedFile:
    sample = text[:16384]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            sample.split("\n", 1)[0] or sample, delimiters=",;\t|"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), delimiter=dialect.delimiter, quotechar='"')
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused("The file is empty.", code="empty") from None
    header = [h.strip() for h in header]
    mapping = map_headers(header)
    index = {h: i for i, h in enumerate(header)}
    parsed = ParsedFile(encoding=encoding, headers=mapping)
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        raw = {h: (cells[i] if i < len(cells) else "") for h, i in index.items() if h}
        values = {f: raw.get(h, "").strip() for f, h in mapping.items()}
        parsed.rows.append((line_no, values, raw))
    if not parsed.rows:
        raise FileRefused("The file has a header row but no data rows.", code="empty")
    return parsed


def _parse_json(text: str, encoding: str) -> ParsedFile:
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise FileRefused(f"The JSON file does not parse: {exc}.", code="invalid_json") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FileRefused("A JSON upload must be an array of objects, one per badge.")
    if not items:
        raise FileRefused("The JSON array is empty.", code="empty")
    found: list[str] = []
    for item in items:
        found.extend(k for k in item if k not in found)
    mapping = map_headers(found)
    parsed = ParsedFile(encoding=encoding, headers=mapping)
    for number, item in enumerate(items, start=1):
        raw = {k: "" if v is None else str(v) for k, v in item.items()}
        values = {f: raw.get(h, "").strip() for f, h in mapping.items()}
        parsed.rows.append((number, values, raw))
    return parsed


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading ``= + - @`` would make it a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return out.getvalue()

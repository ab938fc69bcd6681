"""Request body parsers beyond DRF's: a bulk job's CSV sent as the raw body."""

from __future__ import annotations

from typing import IO, Any

from rest_framework.parsers import BaseParser

from insignia.bulk import app_settings
from insignia.bulk.services import check_size


class CsvBodyParser(BaseParser):
    """``Content-Type: text/csv``: the body's bytes, undecoded (the bulk reader sniffs the
    encoding and delimiter as it does for an uploaded file)."""

    media_type = "text/csv"

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> bytes:
        if stream is None:
            return b""
        # A chunked body has no Content-Length to refuse early: read one byte past the limit.
        data = stream.read(app_settings.max_bytes() + 1)
        check_size(len(data))
        return data

"""Response renderers beyond JSON: the invalid-rows report as CSV."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer

from insignia.bulk.csvio import write_csv


class CsvRenderer(BaseRenderer):
    """Renders a view's ready-made CSV text; an error body becomes a small CSV of its own so a
    client that asked for CSV still gets CSV (formula-neutralised, like every export)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, str):
            return data.encode(self.charset)
        errors = data.get("errors", []) if isinstance(data, dict) else []
        rows = [[e.get("code"), e.get("message"), e.get("field") or ""] for e in errors]
        return write_csv(["Code", "Message", "Field"], rows).encode(self.charset)

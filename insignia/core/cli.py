"""Helpers for management commands: parse operator input and report errors plainly."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from insignia.core.errors import ServiceError


def parse_when(value: str, *, option: str) -> dt.datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 date-time with an offset."""
    raw = value.strip()
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(
            f"{option} {value!r} is not a date. Use YYYY-MM-DD or an ISO 8601 date-time such as "
            "2025-03-14T09:30:00+00:00."
        ) from exc
    if timezone.is_naive(parsed):
        raise CommandError(f"{option} {value!r} has a time but no time zone; add +00:00 or Z.")
    return parsed


def command_error(exc: ServiceError) -> CommandError:
    where = f" ({exc.field})" if exc.field else ""
    return CommandError(f"{exc.message}{where}")

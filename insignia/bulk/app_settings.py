"""The bulk app's tunables, read lazily from Django settings with documented defaults."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def max_bytes() -> int:
    """Largest upload accepted; refused before it is read (100,000 rows are ~10 MB)."""
    return int(getattr(settings, "INSIGNIA_BULK_MAX_BYTES", 20 * 1024 * 1024))


def chunk_size() -> int:
    """Rows awarded per transaction (and per worker task)."""
    return int(getattr(settings, "INSIGNIA_BULK_CHUNK_SIZE", 1000))


def backfill_emails_per_minute() -> int:
    """Backfill notification rate; 0 sends every email right away."""
    return int(getattr(settings, "INSIGNIA_BACKFILL_EMAILS_PER_MINUTE", 600))


def lease() -> dt.timedelta:
    """A job with no finished chunk for this long is presumed stalled (its worker died) and
    the resume sweep queues its remaining chunks again."""
    return dt.timedelta(seconds=float(getattr(settings, "INSIGNIA_BULK_LEASE_SECONDS", 120)))

"""The notifications app's tunables, read lazily from Django settings with documented defaults."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def reminder_days() -> tuple[int, ...]:
    """Days after issue on which a still-pending award gets its 1st, 2nd, … reminder."""
    return tuple(sorted(getattr(settings, "INSIGNIA_REMINDER_DAYS", (3, 10, 30))))


def renewal_days_before() -> int:
    """How many days before expiry the renewal reminder goes out."""
    return int(getattr(settings, "INSIGNIA_RENEWAL_DAYS_BEFORE", 30))


def max_attempts() -> int:
    """Delivery attempts before a message is marked failed (staff can resend it)."""
    return int(getattr(settings, "INSIGNIA_OUTBOX_MAX_ATTEMPTS", 8))


def retry_base() -> dt.timedelta:
    """First retry delay; doubles per attempt (1 min, 2, 4, … capped by ``retry_cap``)."""
    return dt.timedelta(seconds=float(getattr(settings, "INSIGNIA_OUTBOX_RETRY_BASE_SECONDS", 60)))


def retry_cap() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "INSIGNIA_OUTBOX_RETRY_CAP_SECONDS", 3600)))


def sending_lease() -> dt.timedelta:
    """A row "sending" for longer than this is presumed lost with its worker and re-queued.

    It must exceed EMAIL_TIMEOUT by a margin, or a slow but live send could be duplicated.
    """
    return dt.timedelta(seconds=float(getattr(settings, "INSIGNIA_OUTBOX_LEASE_SECONDS", 300)))


def enqueue_grace() -> dt.timedelta:
    """How long the on-commit task has to pick up a new row before the sweep queues it too."""
    return dt.timedelta(seconds=float(getattr(settings, "INSIGNIA_OUTBOX_GRACE_SECONDS", 60)))

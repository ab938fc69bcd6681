"""The webhooks app's tunables, read lazily from Django settings with documented defaults."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

# 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h: eight attempts spread over about 41 hours, so a
# receiver that is down for a whole day still gets every event once it is back.
DEFAULT_RETRY_SCHEDULE = (60, 300, 1800, 7200, 18000, 36000, 86400)


def allow_private() -> bool:
    """Deliver to private and loopback addresses. Only tests (and a lab) turn this on."""
    return bool(getattr(settings, "INSIGNIA_WEBHOOKS_ALLOW_PRIVATE", False))


def allow_http() -> bool:
    """Accept plain-http endpoint URLs; off in production, where secrets travel in headers."""
    default = bool(settings.DEBUG or getattr(settings, "TESTING", False))
    return bool(getattr(settings, "INSIGNIA_WEBHOOKS_ALLOW_HTTP", default))


def timeout() -> float:
    """Seconds to connect, and again to read the response."""
    return float(getattr(settings, "INSIGNIA_WEBHOOKS_TIMEOUT_SECONDS", 10))


def max_response_bytes() -> int:
    """Bytes of a receiver's response read at most; the rest is never downloaded."""
    return int(getattr(settings, "INSIGNIA_WEBHOOKS_MAX_RESPONSE_BYTES", 64 * 1024))


def retry_schedule() -> tuple[int, ...]:
    """Seconds to wait before each retry; its length + 1 is the number of attempts."""
    return tuple(
        int(s)
        for s in getattr(settings, "INSIGNIA_WEBHOOKS_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE)
    )


def settle() -> dt.timedelta:
    """How long an audit row may stay uncommitted after it got its id. The dispatcher's
    cursor only passes events older than this, so one committed late is still seen."""
    return dt.timedelta(seconds=float(getattr(settings, "INSIGNIA_WEBHOOKS_SETTLE_SECONDS", 120)))


def sending_lease() -> dt.timedelta:
    """A delivery "sending" for longer than this lost its worker; the sweep queues it again."""
    return dt.timedelta(seconds=timeout() * 2 + 60)


def dispatch_batch() -> int:
    """Audit events fanned out per endpoint per transaction."""
    return int(getattr(settings, "INSIGNIA_WEBHOOKS_DISPATCH_BATCH", 1000))


def eager_in_background() -> bool:
    """Without a broker (tasks in-process, the embedded default), send from a background
    thread so a slow receiver never holds up the request that issued the badge. Off under
    tests, which check deliveries right after the commit in the same thread."""
    default = not getattr(settings, "TESTING", False)
    return bool(getattr(settings, "INSIGNIA_WEBHOOKS_EAGER_IN_BACKGROUND", default))

"""A small fixed-window rate limiter on the shared cache, for the claim endpoint.

Claim links carry 256-bit tokens, so guessing is hopeless; the limit is about load and about
someone hammering one award's link. Counters live in the default cache (Redis in production,
so all web instances share them).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

# (requests, seconds) per client address and per award.
CLAIM_PER_IP_DEFAULT = (60, 600)
CLAIM_PER_AWARD_DEFAULT = (30, 600)


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one request under ``key``; False once the window's ``limit`` is used up."""
    bucket = f"rl:{key}:{int(time.time()) // window}"
    cache.add(bucket, 0, timeout=window + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # evicted between add and incr: start again
        cache.set(bucket, 1, timeout=window + 1)
        count = 1
    return count <= limit


def claim_allowed(request: HttpRequest, award_public_id: str) -> bool:
    ip_limit, ip_window = getattr(settings, "INSIGNIA_CLAIM_RATE_PER_IP", CLAIM_PER_IP_DEFAULT)
    award_limit, award_window = getattr(
        settings, "INSIGNIA_CLAIM_RATE_PER_AWARD", CLAIM_PER_AWARD_DEFAULT
    )
    ip = request.META.get("REMOTE_ADDR", "unknown")
    # Both counters are charged, so a client cannot dodge one limit by hitting the other.
    ip_ok = _hit(f"claim-ip:{ip}", ip_limit, ip_window)
    award_ok = _hit(f"claim-award:{award_public_id}", award_limit, award_window)
    return ip_ok and award_ok

"""Claim tokens: random, single use, expiring, and stored only as a SHA-256 hash.

The raw token exists only in the link we email; the database holds its hash, so a leaked
database cannot be used to claim badges. Tokens carry 256 bits of randomness, so an unsalted
fast hash is enough (there is nothing to brute-force) and lets us look tokens up by index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings

CLAIM_TOKEN_DAYS_DEFAULT = 30


def new_token() -> tuple[str, str]:
    """Return (raw token for the link, hash to store)."""
    raw = secrets.token_urlsafe(32)
    return raw, token_hash(raw)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_matches(raw: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(token_hash(raw), stored_hash)


def claim_token_lifetime() -> dt.timedelta:
    return dt.timedelta(
        days=getattr(settings, "INSIGNIA_CLAIM_TOKEN_DAYS", CLAIM_TOKEN_DAYS_DEFAULT)
    )

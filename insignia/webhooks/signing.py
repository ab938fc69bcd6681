"""The ``Insignia-Signature`` header: ``t=<unix time>,v1=<hex HMAC-SHA256(secret, "t.body")>``.

Signing the timestamp with the body lets receivers refuse old requests replayed by someone who
captured one (README, "Webhooks", has the receiver's side).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Insignia-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: int) -> bool:
    """The receiver's check, here for our own tests and anyone embedding Insignia in Python."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))

"""The claim intent kept in the session across sign-up and email confirmation.

Opening a valid claim link remembers the award's public id (never the token): when the visitor
later confirms the address the award was sent to, that award is accepted, not just attached.
Confirming the address is itself the proof of ownership, so the intent only upgrades
"pending" to "accepted"; it can never hand a badge to anyone.
"""

from __future__ import annotations

import time

from django.http import HttpRequest

SESSION_KEY = "insignia.claim_intents"
MAX_INTENTS = 5
INTENT_SECONDS = 7 * 24 * 3600


def claim_remember(request: HttpRequest, award_public_id: str) -> None:
    intents = {k: v for k, v in _intents(request).items() if k != award_public_id}
    intents[award_public_id] = time.time()
    newest = sorted(intents.items(), key=lambda kv: kv[1])[-MAX_INTENTS:]
    request.session[SESSION_KEY] = dict(newest)


def claim_intents(request: HttpRequest) -> list[str]:
    """Remembered award ids, newest first."""
    return [k for k, _ in sorted(_intents(request).items(), key=lambda kv: -kv[1])]


def claim_forget(request: HttpRequest, award_public_id: str) -> None:
    intents = _intents(request)
    if award_public_id in intents:
        del intents[award_public_id]
        request.session[SESSION_KEY] = intents


def _intents(request: HttpRequest) -> dict[str, float]:
    raw = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not isinstance(raw, dict):
        return {}
    cutoff = time.time() - INTENT_SECONDS
    return {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float) and v > cutoff}

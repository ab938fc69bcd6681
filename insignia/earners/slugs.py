"""Vanity slugs for ``/u/<slug>``: the shape, the reserved words and the words we refuse.

A slug is 3–40 characters of lowercase letters, digits and single hyphens, starting and ending
with a letter or digit. Reserved words are names the site uses or might (so a profile can never
pose as a page of ours); the offensive list is deliberately small: it stops the obvious, and
staff handle the rest by hand.
"""

from __future__ import annotations

import re
import secrets

from insignia.core.errors import ServiceError

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,39}$")
SLUG_MAX = 40

RESERVED = frozenset(
    {
        "about", "account", "accounts", "admin", "administrator", "api", "app", "auth",
        "badge", "badges", "blog", "claim", "contact", "dashboard", "docs", "earner",
        "earners", "edit", "help", "home", "insignia", "issuer", "issuers", "login",
        "logout", "manage", "me", "media", "moderator", "new", "null", "official",
        "outbox", "privacy", "profile", "profiles", "root", "security", "settings",
        "signin", "signup", "static", "staff", "status", "support", "system", "templates",
        "terms", "undefined", "user", "users", "verify", "webmaster", "www",
    }
)  # fmt: skip

# Matched as whole hyphen-separated parts and as substrings of the slug with hyphens removed.
OFFENSIVE = frozenset(
    {
        "asshole", "bastard", "bitch", "bollocks", "cunt", "dickhead", "fuck", "motherfucker",
        "nazi", "nigger", "faggot", "retard", "shit", "slut", "whore", "wanker",
    }
)  # fmt: skip


def slug_clean(value: str) -> str:
    """The slug as stored, or a ServiceError saying what to change."""
    slug = (value or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise ServiceError(
            "Use 3–40 lowercase letters, digits and single hyphens, starting and ending with a "
            "letter or digit.",
            field="slug",
            code="slug_invalid",
        )
    if slug in RESERVED:
        raise ServiceError(
            f"“{slug}” is reserved for the site. Choose another address.",
            field="slug",
            code="slug_reserved",
        )
    squashed = slug.replace("-", "")
    if any(word in squashed for word in OFFENSIVE):
        raise ServiceError(
            "That address contains a word we do not allow. Choose another.",
            field="slug",
            code="slug_offensive",
        )
    return slug


def slug_suggest(email: str) -> str:
    """A starting slug from the address's local part plus a short random tail."""
    local = re.sub(r"[^a-z0-9]+", "-", email.split("@", 1)[0].lower()).strip("-")[:24] or "earner"
    return f"{local}-{secrets.token_hex(3)}"

"""Opaque public identifiers.

Every object a URL or an Open Badges document names gets a random id that says nothing about
row counts or creation order and never changes. 80 random bits in lowercase base32 give 16
URL-safe, case-insensitive characters; collisions are left to the unique index (2^-80 odds).
"""

from __future__ import annotations

import base64
import re
import secrets

PUBLIC_ID_LENGTH = 16
PUBLIC_ID_RE = re.compile(r"^[a-z2-7]{16}$")


def new_public_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def is_public_id(value: str) -> bool:
    return bool(PUBLIC_ID_RE.match(value))

"""Endpoint signing secrets: generated, shown to the issuer, stored encrypted.

The sender must sign with the plaintext, so a hash will not do. The secret is encrypted with
AES-GCM under a key derived from SECRET_KEY by HKDF with a purpose label (so it is not the key
that signs sessions), with the endpoint's public id as associated data (a ciphertext copied to
another endpoint does not decrypt). Rotating SECRET_KEY therefore means rotating every
endpoint's secret.
"""

from __future__ import annotations

import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "whsec_"
_PURPOSE = b"insignia.webhooks.endpoint-secret.v1"


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def _key() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        settings.SECRET_KEY.encode()
    )


def encrypt(secret: str, *, endpoint_public_id: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_key()).encrypt(nonce, secret.encode(), endpoint_public_id.encode())


def decrypt(blob: bytes, *, endpoint_public_id: str) -> str:
    blob = bytes(blob)
    try:
        plain = AESGCM(_key()).decrypt(blob[:12], blob[12:], endpoint_public_id.encode())
    except InvalidTag:
        raise ValueError(
            "The webhook secret does not decrypt: SECRET_KEY changed since it was made. "
            "Rotate the endpoint's secret."
        ) from None
    return plain.decode()

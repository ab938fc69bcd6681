"""Issuer signing keys: generation, encryption at rest, and their public forms.

Private keys are stored only as AES-256-GCM ciphertext under a key-encryption key (KEK) read from
``INSIGNIA_KEY_ENCRYPTION_KEY`` (base64 of 32 bytes). The key's own id is the GCM associated data,
so a ciphertext copied onto another key row does not decrypt. There is no fallback KEK outside
DEBUG/TESTING: a missing or malformed KEK is ``ImproperlyConfigured`` the first time a key is
needed, not a random key that would make every stored key unreadable after a restart.

Writes (creating, rotating, revoking keys) are services in ``insignia.issuers.services``; this
module holds the cryptography and the reads.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from insignia.issuers.models import Issuer, KeyAlgorithm, KeyStatus, SigningKey
from insignia.openbadges import multikey, vcjwt

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey

# Only for DEBUG/TESTING, never secret: 32 bytes spelling out what they are.
DEVELOPMENT_KEK = b"insignia-DEVELOPMENT-ONLY-kek-00"
_NONCE_BYTES = 12
RSA_BITS = 2048


class KeyDecryptionError(Exception):
    """A stored private key could not be decrypted: wrong KEK, or the row was tampered with."""


def key_encryption_key() -> bytes:
    configured = settings.INSIGNIA_KEY_ENCRYPTION_KEY
    if not configured:
        if settings.DEBUG or getattr(settings, "TESTING", False):
            return DEVELOPMENT_KEK
        raise ImproperlyConfigured(
            "INSIGNIA_KEY_ENCRYPTION_KEY is not set. Issuer signing keys are encrypted with it: "
            'set it to base64 of 32 random bytes (python -c "import os,base64;'
            'print(base64.b64encode(os.urandom(32)).decode())"), keep it secret and never '
            "change it without re-encrypting the keys."
        )
    try:
        kek = base64.b64decode(configured, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured("INSIGNIA_KEY_ENCRYPTION_KEY is not valid base64.") from None
    if len(kek) != 32:
        raise ImproperlyConfigured(
            f"INSIGNIA_KEY_ENCRYPTION_KEY decodes to {len(kek)} bytes; it must be 32."
        )
    return kek


def _aad(kid: str) -> bytes:
    return f"insignia-signing-key:{kid}".encode()


def encrypt_private_key(private_key: PrivateKey, *, kid: str) -> bytes:
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key_encryption_key()).encrypt(nonce, der, _aad(kid))


def _decrypt(blob: bytes, kid: str) -> PrivateKey:
    try:
        der = AESGCM(key_encryption_key()).decrypt(
            blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _aad(kid)
        )
    except InvalidTag:
        raise KeyDecryptionError(
            f"signing key {kid} does not decrypt: INSIGNIA_KEY_ENCRYPTION_KEY is not the one it "
            "was encrypted with, or the stored key was altered"
        ) from None
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise KeyDecryptionError(f"signing key {kid} is of an unexpected type")
    return key


@dataclass(frozen=True, slots=True)
class NewKey:
    public_key_pem: str
    private_key: PrivateKey


def generate(algorithm: KeyAlgorithm) -> NewKey:
    private_key: PrivateKey
    if algorithm == KeyAlgorithm.ED25519:
        private_key = ed25519.Ed25519PrivateKey.generate()
    else:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return NewKey(pem.decode("ascii"), private_key)


# Decrypting is cheap, but loading an RSA key validates it (milliseconds); keep loaded keys per
# process. The ciphertext is part of the cache key, so a re-encrypted row is loaded afresh.
@lru_cache(maxsize=256)
def _load(kid: str, blob: bytes) -> PrivateKey:
    return _decrypt(blob, kid)


def private_key(key: SigningKey) -> PrivateKey:
    if key.status == KeyStatus.REVOKED:
        raise KeyDecryptionError(f"signing key {key.public_id} is revoked and signs nothing")
    return _load(key.public_id, bytes(key.private_key_encrypted))


def ed25519_private_key(key: SigningKey) -> ed25519.Ed25519PrivateKey:
    loaded = private_key(key)
    assert isinstance(loaded, ed25519.Ed25519PrivateKey), key.algorithm
    return loaded


def rsa_private_key(key: SigningKey) -> rsa.RSAPrivateKey:
    loaded = private_key(key)
    assert isinstance(loaded, rsa.RSAPrivateKey), key.algorithm
    return loaded


@lru_cache(maxsize=1024)
def _public(pem: str) -> ed25519.Ed25519PublicKey | rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        raise ValueError("unexpected public key type")
    return key


def public_multibase(key: SigningKey) -> str:
    public = _public(key.public_key_pem)
    assert isinstance(public, ed25519.Ed25519PublicKey), key.algorithm
    return multikey.ed25519_public_multibase(public)


def public_jwk(key: SigningKey) -> dict[str, Any]:
    public = _public(key.public_key_pem)
    assert isinstance(public, rsa.RSAPublicKey), key.algorithm
    return vcjwt.jwk_of(public)


# --- reads ------------------------------------------------------------------------------------


def active_key(issuer: Issuer, algorithm: KeyAlgorithm) -> SigningKey | None:
    return SigningKey.objects.filter(
        issuer=issuer, algorithm=algorithm, status=KeyStatus.ACTIVE
    ).first()


def published_keys(issuer: Issuer) -> list[SigningKey]:
    """Every key the issuer has ever had, oldest first: revoked ones are published as revoked."""
    return list(SigningKey.objects.filter(issuer=issuer).order_by("created_at", "id"))


def keys_changed_at(issuer: Issuer) -> Any:
    """The latest change to the issuer's keys (for Last-Modified), or None."""
    latest = SigningKey.objects.filter(issuer=issuer).order_by("-updated_at").first()
    return latest.updated_at if latest else None

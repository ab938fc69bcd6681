"""Issuer signing keys: encryption at rest, creation, rotation and revocation."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from insignia.core.audit import Actor
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.core.models import AuditEvent
from insignia.issuers import keys
from insignia.issuers.models import KeyAlgorithm, KeyStatus, SigningKey
from insignia.issuers.services import (
    issuer_create,
    signing_key_revoke,
    signing_key_rotate,
    signing_keys_ensure,
)
from insignia.testing.factories import UserFactory

CLI = Actor.system("cli")


@pytest.fixture(autouse=True)
def _forget_loaded_keys():
    keys._load.cache_clear()
    yield
    keys._load.cache_clear()


def test_issuer_create_gives_the_issuer_an_ed25519_and_an_rsa_key(db):
    issuer = issuer_create(actor=CLI, name="Fabrikam", url="https://f.example", email="a@f.example")
    found = {k.algorithm: k for k in SigningKey.objects.filter(issuer=issuer)}
    assert set(found) == {KeyAlgorithm.ED25519, KeyAlgorithm.RSA}
    assert all(k.status == KeyStatus.ACTIVE for k in found.values())
    assert keys.public_multibase(found[KeyAlgorithm.ED25519]).startswith("z6Mk")
    assert keys.rsa_private_key(found[KeyAlgorithm.RSA]).key_size == 2048


def test_ensure_is_idempotent(issuer):
    first = signing_keys_ensure(issuer=issuer)
    assert signing_keys_ensure(issuer=issuer) == first
    assert SigningKey.objects.filter(issuer=issuer).count() == 2


def test_private_keys_are_stored_encrypted_not_in_clear(issuer):
    key = signing_keys_ensure(issuer=issuer)[KeyAlgorithm.ED25519]
    stored = bytes(SigningKey.objects.get(pk=key.pk).private_key_encrypted)
    raw = keys.ed25519_private_key(key).private_bytes_raw()
    assert raw not in stored and b"PRIVATE KEY" not in stored
    # 12-byte nonce + 48-byte PKCS#8 + 16-byte GCM tag
    assert len(stored) == 12 + 48 + 16


def test_a_ciphertext_moved_to_another_key_row_does_not_decrypt(issuer):
    made = signing_keys_ensure(issuer=issuer)
    ed, rsa_key = made[KeyAlgorithm.ED25519], made[KeyAlgorithm.RSA]
    ed.private_key_encrypted = rsa_key.private_key_encrypted
    with pytest.raises(keys.KeyDecryptionError, match="does not decrypt"):
        keys.private_key(ed)


def test_another_kek_cannot_read_the_keys(issuer, settings):
    key = signing_keys_ensure(issuer=issuer)[KeyAlgorithm.ED25519]
    settings.INSIGNIA_KEY_ENCRYPTION_KEY = base64.b64encode(b"k" * 32).decode()
    with pytest.raises(keys.KeyDecryptionError):
        keys.private_key(key)


def test_without_a_kek_outside_debug_and_testing_nothing_is_encrypted(settings):
    settings.INSIGNIA_KEY_ENCRYPTION_KEY = ""
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(ImproperlyConfigured, match="INSIGNIA_KEY_ENCRYPTION_KEY is not set"):
        keys.key_encryption_key()


def test_debug_and_testing_use_the_labelled_development_kek(settings):
    settings.INSIGNIA_KEY_ENCRYPTION_KEY = ""
    assert keys.key_encryption_key() == keys.DEVELOPMENT_KEK
    assert b"DEVELOPMENT" in keys.DEVELOPMENT_KEK and len(keys.DEVELOPMENT_KEK) == 32


@pytest.mark.parametrize(
    ("value", "reason"),
    [("not base64!", "not valid base64"), (base64.b64encode(b"short").decode(), "must be 32")],
)
def test_a_malformed_kek_is_a_configuration_error(settings, value, reason):
    settings.INSIGNIA_KEY_ENCRYPTION_KEY = value
    with pytest.raises(ImproperlyConfigured, match=reason):
        keys.key_encryption_key()


def test_a_configured_kek_encrypts_and_decrypts(issuer, settings):
    settings.INSIGNIA_KEY_ENCRYPTION_KEY = base64.b64encode(bytes(range(32))).decode()
    key = signing_keys_ensure(issuer=issuer)[KeyAlgorithm.RSA]
    keys._load.cache_clear()
    assert keys.rsa_private_key(key).public_key().public_numbers() == (
        keys._public(key.public_key_pem).public_numbers()
    )


def test_rotation_retires_the_old_keys_which_stay_published(issuer):
    old = signing_keys_ensure(issuer=issuer)
    created = signing_key_rotate(actor=CLI, issuer=issuer)
    assert {k.algorithm for k in created} == {KeyAlgorithm.ED25519, KeyAlgorithm.RSA}
    for algorithm, previous in old.items():
        previous.refresh_from_db()
        assert previous.status == KeyStatus.RETIRED and previous.retired_at is not None
        assert keys.active_key(issuer, algorithm).public_id != previous.public_id
    assert len(keys.published_keys(issuer)) == 4
    assert AuditEvent.objects.filter(verb="issuer.key_rotated").count() == 2


def test_rotation_with_a_reason_revokes_the_old_keys(issuer):
    old = signing_keys_ensure(issuer=issuer)[KeyAlgorithm.ED25519]
    signing_key_rotate(
        actor=CLI, issuer=issuer, algorithms=[KeyAlgorithm.ED25519], revoke_reason="leaked"
    )
    old.refresh_from_db()
    assert old.status == KeyStatus.REVOKED and old.revocation_reason == "leaked"
    with pytest.raises(keys.KeyDecryptionError, match="revoked"):
        keys.private_key(old)


def test_revoking_the_active_key_replaces_it(issuer):
    old = signing_keys_ensure(issuer=issuer)[KeyAlgorithm.RSA]
    revoked = signing_key_revoke(actor=CLI, key=old, reason="laptop stolen")
    assert revoked.status == KeyStatus.REVOKED and revoked.revoked_at is not None
    assert keys.active_key(issuer, KeyAlgorithm.RSA) not in (None, old)
    with pytest.raises(ServiceError, match="already revoked"):
        signing_key_revoke(actor=CLI, key=revoked, reason="again")


def test_revocation_needs_a_reason(issuer):
    key = signing_keys_ensure(issuer=issuer)[KeyAlgorithm.RSA]
    with pytest.raises(ServiceError, match="Say why"):
        signing_key_revoke(actor=CLI, key=key, reason="  ")


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", False), ("issuer", False), ("viewer", False)]
)
def test_only_owners_rotate_keys(issuer, staff_by_role, role, allowed):
    actor = Actor(user=staff_by_role[role])
    if allowed:
        assert signing_key_rotate(actor=actor, issuer=issuer)
    else:
        with pytest.raises(PermissionDenied):
            signing_key_rotate(actor=actor, issuer=issuer)


def test_an_outsider_cannot_rotate_keys(issuer):
    with pytest.raises(PermissionDenied):
        signing_key_rotate(actor=Actor(user=UserFactory()), issuer=issuer)


def test_rotate_keys_command_by_slug_and_with_revocation(issuer, capsys):
    old = signing_keys_ensure(issuer=issuer)[KeyAlgorithm.ED25519]
    call_command("rotate_keys", "--issuer", issuer.slug)
    out = capsys.readouterr().out
    assert "new Ed25519 key" in out and "retired (still published)" in out
    call_command("rotate_keys", "--issuer", issuer.public_id, "--revoke-old", "compromised")
    assert "revoked" in capsys.readouterr().out
    old.refresh_from_db()
    assert old.status == KeyStatus.RETIRED  # rotated out first, not revoked retroactively
    assert SigningKey.objects.filter(issuer=issuer, status=KeyStatus.REVOKED).count() == 2


def test_rotate_keys_command_names_an_unknown_issuer(db):
    with pytest.raises(CommandError, match="No issuer with id or slug 'nope'"):
        call_command("rotate_keys", "--issuer", "nope")

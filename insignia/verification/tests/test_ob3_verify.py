"""The public Verify action also verifies the OB 3.0 credential and shows each step."""

from __future__ import annotations

import pytest
from django.test import Client

from insignia.awards.services import award_revoke
from insignia.core.audit import Actor
from insignia.issuers import keys
from insignia.issuers.models import KeyAlgorithm
from insignia.issuers.services import signing_key_revoke, signing_keys_ensure

pytestmark = pytest.mark.django_db

OB3_STEPS = (
    "ob3_parse",
    "ob3_structure",
    "ob3_schema",
    "ob3_issuer_key",
    "ob3_proof",
    "ob3_dates",
    "ob3_status",
)


def verify_page(award, **params) -> str:
    response = Client().get(f"/badges/{award.public_id}/verify", {"partial": "1", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_verify_shows_every_ob3_step_passing(award):
    html = verify_page(award, email="ann.lee@example.com")
    assert 'data-ob3-valid="true"' in html
    for code in (*OB3_STEPS, "ob3_recipient"):
        assert f'data-ob3-step="{code}" data-ok="true"' in html, code
    assert 'data-step="revocation"' in html  # the OB 2.0 checks are still there


def test_verify_of_a_revoked_award_shows_the_status_list_failure(award):
    award_revoke(actor=Actor.system("cli"), award=award, reason="Misconduct.")
    html = verify_page(award)
    assert 'data-ob3-valid="false"' in html
    assert 'data-ob3-step="ob3_status" data-ok="false"' in html
    assert "status list marks this credential revoked" in html


def test_verify_with_another_email_fails_the_recipient_step(award):
    html = verify_page(award, email="someone@example.com")
    assert 'data-ob3-step="ob3_recipient" data-ok="false"' in html


def test_verify_after_the_signing_key_is_revoked_re_signs_with_the_new_key(award):
    signing_keys_ensure(issuer=award.issuer)
    key = keys.active_key(award.issuer, KeyAlgorithm.ED25519)
    signing_key_revoke(actor=Actor.system("cli"), key=key, reason="Leaked")
    assert 'data-ob3-valid="true"' in verify_page(award)

"""The OB 3.0 endpoints: credentials in every format, issuer keys, privacy and caching."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from insignia.awards.models import AwardState, Visibility
from insignia.core.audit import Actor
from insignia.issuers import keys
from insignia.issuers.models import KeyAlgorithm
from insignia.issuers.services import signing_key_revoke, signing_key_rotate, signing_keys_ensure
from insignia.openbadges import dataintegrity, schema, vcjwt
from insignia.openbadges.baking import OB3_SVG_NAMESPACE, unbake_png, unbake_svg
from insignia.openbadges.verify_ob3 import Ob3StepCode, verify_credential
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, UserFactory
from insignia.verification import credentials
from insignia.verification.fetch import fetch_in_process
from insignia.verification.tests.conftest import client_for

pytestmark = pytest.mark.django_db
CLI = Actor.system("cli")


def get_credential(award, ext="json", client=None, **headers):
    return (client or Client()).get(f"/badges/{award.public_id}/credential.{ext}", **headers)


def verify(data, **kwargs):
    return verify_credential(
        data, fetch=fetch_in_process, now=timezone.now(), did_web_scheme="http", **kwargs
    )


def test_credential_json_is_a_signed_ob3_credential_that_verifies(award):
    response = get_credential(award)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc"
    document = json.loads(response.content)
    assert document["id"] == credentials.credential_id(award)
    assert document["id"].startswith("urn:uuid:")
    assert document["issuer"]["id"].endswith(f"/issuers/{award.issuer.public_id}/profile.json")
    assert document["proof"][0]["verificationMethod"].startswith(document["issuer"]["id"] + "#key-")
    assert schema.validate_credential(document)[0] == []
    report = verify(response.content, recipient_email="ann.lee@example.com")
    assert report.valid, [(s.code, s.detail) for s in report.failures]


def test_the_credential_carries_the_template_and_award_details(issuer):
    template = BadgeTemplateFactory(issuer=issuer, achievement_type="Certification")
    award = AwardFactory(
        template=template,
        expires_at=timezone.now() + dt.timedelta(days=365),
        evidence=[{"url": "https://contoso.example/report/1", "name": "Score report"}],
        narrative="Scored 912.",
    )
    document = json.loads(get_credential(award).content)
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["tag"] == ["Cloud Computing"]
    assert achievement["criteria"]["id"] == template.criteria_url
    assert document["validUntil"].endswith("Z")
    assert document["evidence"] == [
        {"id": "https://contoso.example/report/1", "type": ["Evidence"], "name": "Score report"}
    ]
    assert document["credentialSubject"]["narrative"] == "Scored 912."
    assert document["credentialStatus"]["type"] == "BitstringStatusListEntry"


def test_content_negotiation_labels_the_same_bytes(award):
    default = get_credential(award)
    ld = get_credential(award, HTTP_ACCEPT="application/vc+ld+json")
    plain = get_credential(award, HTTP_ACCEPT="application/json")
    assert ld["Content-Type"] == "application/vc+ld+json"
    assert plain["Content-Type"] == "application/json"
    assert default.content == ld.content == plain.content


def test_credential_jwt_is_the_same_credential_as_an_rs256_vc_jwt(award):
    response = get_credential(award, "jwt")
    assert response["Content-Type"] == "application/vc+jwt"
    parsed = vcjwt.parse_vc_jwt(response.content.decode())
    rsa_key = keys.active_key(award.issuer, KeyAlgorithm.RSA)
    assert parsed.header == {
        "alg": "RS256",
        "kid": credentials.key_url(award.issuer.public_id, rsa_key.public_id),
        "typ": "JWT",
    }
    assert parsed.credential == json.loads(get_credential(award).content)
    assert parsed.payload["iss"] == parsed.credential["issuer"]["id"]
    assert parsed.payload["jti"] == parsed.credential["id"]
    report = verify(response.content)
    assert report.valid and report.format == "jwt", report.failures


def test_the_jwt_kid_is_in_the_jwks(award):
    kid = vcjwt.parse_vc_jwt(get_credential(award, "jwt").content.decode()).header["kid"]
    response = Client().get(f"/issuers/{award.issuer.public_id}/jwks.json")
    assert response["Content-Type"] == "application/jwk-set+json"
    jwks = json.loads(response.content)
    assert [k["kid"] for k in jwks["keys"]] == [kid]
    assert jwks["keys"][0]["kty"] == "RSA" and "d" not in jwks["keys"][0]


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_baked_ob3_images_carry_the_signed_credential(issuer, kind):
    if kind == "svg":
        from django.core.files.base import ContentFile

        svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
        template = BadgeTemplateFactory(
            issuer=issuer, image=ContentFile(svg, name="b.svg"), image_kind="svg"
        )
    else:
        template = BadgeTemplateFactory(issuer=issuer)
    award = AwardFactory(template=template)
    response = get_credential(award, kind, QUERY_STRING="download=1")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    baked = (
        unbake_png(response.content, keyword="openbadgecredential")
        if kind == "png"
        else unbake_svg(response.content, namespace=OB3_SVG_NAMESPACE, element="credential")
    )
    assert json.loads(baked) == json.loads(get_credential(award).content)
    report = verify(response.content)
    assert report.valid and report.format == kind, report.failures


def test_an_image_in_the_other_format_is_404(award):
    assert get_credential(award, "svg").status_code == 404
    assert get_credential(award, "xml").status_code == 404


def test_signing_happens_once_per_version_not_per_request(award, monkeypatch):
    calls = []
    real = dataintegrity.sign_eddsa_rdfc_2022

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dataintegrity, "sign_eddsa_rdfc_2022", counting)
    first = get_credential(award).content
    assert get_credential(award).content == first
    assert len(calls) == 1
    award.narrative = "Changed."
    award.save()
    assert get_credential(award).content != first
    assert len(calls) == 2


def test_responses_have_etags_and_conditional_gets_answer_304(award):
    response = get_credential(award)
    assert response["Cache-Control"].startswith("public, max-age=")
    again = get_credential(award, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


HIDDEN = {
    "pending": {"state": AwardState.PENDING},
    "rejected": {"state": AwardState.REJECTED},
    "private": {"state": AwardState.ACCEPTED, "visibility": Visibility.PRIVATE},
}


@pytest.mark.parametrize("state", HIDDEN)
@pytest.mark.parametrize("ext", ["json", "jwt", "png"])
def test_hidden_awards_are_404_to_outsiders_and_private_to_insiders(template, viewers, state, ext):
    earner = UserFactory()
    award = AwardFactory(template=template, earner=earner, **HIDDEN[state])
    for name in ("anonymous", "other_user", "other_issuer_owner"):
        assert get_credential(award, ext, viewers[name]).status_code == 404, name
    for client in (client_for(earner), viewers["staff_viewer"], viewers["staff_owner"]):
        response = get_credential(award, ext, client)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_a_revoked_award_keeps_its_credential_but_not_its_image(award):
    from insignia.awards.services import award_revoke

    award_revoke(actor=CLI, award=award, reason="Exam misconduct.")
    assert get_credential(award).status_code == 200
    assert get_credential(award, "png").status_code == 410
    report = verify(get_credential(award).content)
    assert report.revoked
    assert "revoked this credential" in report.step(Ob3StepCode.STATUS).detail


# --- issuer documents -------------------------------------------------------------------------


def test_the_ob3_profile_is_the_controller_document_of_the_keys(issuer):
    made = signing_keys_ensure(issuer=issuer)
    response = Client().get(f"/issuers/{issuer.public_id}/profile.json")
    assert response["Content-Type"] == "application/ld+json"
    profile = json.loads(response.content)
    assert profile["id"] == credentials.issuer_id(issuer.public_id)
    assert profile["type"] == ["Profile"] and profile["name"] == issuer.name
    ed = credentials.key_url(issuer.public_id, made[KeyAlgorithm.ED25519].public_id)
    methods = {m["id"]: m for m in profile["verificationMethod"]}
    assert methods[ed]["type"] == "Multikey"
    assert methods[ed]["controller"] == profile["id"]
    assert methods[ed]["publicKeyMultibase"] == keys.public_multibase(made[KeyAlgorithm.ED25519])
    assert ed in profile["assertionMethod"]
    # The OB 2.0 profile keeps its own URL and shape.
    ob2 = json.loads(
        Client().get(f"/issuers/{issuer.public_id}", HTTP_ACCEPT="application/ld+json").content
    )
    assert ob2["id"].endswith(f"/issuers/{issuer.public_id}") and ob2["type"] == "Issuer"


def test_the_did_web_document_is_served_where_the_did_says(issuer, settings):
    settings.SITE_URL = "https://badges.example:8443"
    made = signing_keys_ensure(issuer=issuer)
    did = credentials.did_web(issuer.public_id)
    assert did == f"did:web:badges.example%3A8443:issuers:{issuer.public_id}"
    response = Client().get(f"/issuers/{issuer.public_id}/did.json")
    document = json.loads(response.content)
    assert document["id"] == did
    assert document["alsoKnownAs"] == [credentials.issuer_id(issuer.public_id)]
    key = made[KeyAlgorithm.ED25519]
    assert document["verificationMethod"][0] == {
        "id": f"{did}#key-{key.public_id}",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": keys.public_multibase(key),
    }


def test_after_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key(award):
    old_body = get_credential(award).content
    old_vm = json.loads(old_body)["proof"][0]["verificationMethod"]
    signing_key_rotate(actor=CLI, issuer=award.issuer)
    assert verify(old_body).valid
    new_vm = json.loads(get_credential(award).content)["proof"][0]["verificationMethod"]
    assert new_vm != old_vm
    profile = json.loads(Client().get(f"/issuers/{award.issuer.public_id}/profile.json").content)
    assert {old_vm, new_vm} <= set(profile["assertionMethod"])


def test_after_key_revocation_its_signatures_fail_with_the_date(award):
    old_body = get_credential(award).content
    old_jwt = get_credential(award, "jwt").content
    key = keys.active_key(award.issuer, KeyAlgorithm.ED25519)
    signing_key_revoke(actor=CLI, key=key, reason="Leaked")
    detail = verify(old_body).step(Ob3StepCode.ISSUER_KEY).detail
    assert "was revoked by the issuer on" in detail
    # The VC-JWT is signed by the RSA key, which was not revoked: only the revoked key's
    # signatures fail.
    assert verify(old_jwt).valid
    assert verify(get_credential(award).content).valid  # re-signed with the new key
    profile = json.loads(Client().get(f"/issuers/{award.issuer.public_id}/profile.json").content)
    revoked = [m for m in profile["verificationMethod"] if "revoked" in m]
    assert len(revoked) == 1 and revoked[0]["id"] not in profile["assertionMethod"]


def test_unknown_issuers_and_lists_are_404(db):
    for url in (
        "/issuers/aaaaaaaaaaaaaaaa/profile.json",
        "/issuers/aaaaaaaaaaaaaaaa/did.json",
        "/issuers/aaaaaaaaaaaaaaaa/jwks.json",
        "/status/aaaaaaaaaaaaaaaa",
        "/status/not-an-id",
        "/badges/aaaaaaaaaaaaaaaa/credential.json",
    ):
        assert Client().get(url).status_code == 404, url

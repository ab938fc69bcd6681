"""The hosted OB 2.0 documents, field by field, as served."""

import datetime as dt
import hashlib
import json

import pytest
from django.utils import timezone

from insignia.awards.services import award_revoke
from insignia.badges.models import Alignment
from insignia.core.audit import Actor
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, SkillFactory
from insignia.verification.tests.conftest import LD

pytestmark = pytest.mark.django_db
CONTEXT = "https://w3id.org/openbadges/v2"


def get_json(client, url, status=200):
    response = client.get(url, HTTP_ACCEPT=LD)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/ld+json"
    return json.loads(response.content)


def test_assertion_has_every_required_field(client, award):
    award.expires_at = award.issued_on + dt.timedelta(days=365)
    award.save()
    url = f"http://testserver/badges/{award.public_id}"
    doc = get_json(client, f"/badges/{award.public_id}")

    assert doc["@context"] == CONTEXT
    assert doc["type"] == "Assertion"
    assert doc["id"] == url
    assert doc["recipient"]["type"] == "email"
    assert doc["recipient"]["hashed"] is True
    assert doc["recipient"]["salt"] == award.salt
    expected = hashlib.sha256(("ann.lee@example.com" + award.salt).encode()).hexdigest()
    assert doc["recipient"]["identity"] == f"sha256${expected}"
    assert doc["badge"] == f"http://testserver/templates/{award.template.public_id}"
    assert doc["verification"] == {"type": "HostedBadge"}
    assert doc["issuedOn"] == award.issued_on.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert doc["issuedOn"].endswith("Z")
    assert doc["expires"] == award.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert doc["image"] == f"{url}/image.png"


def test_assertion_without_expiry_has_no_expires_key(client, award):
    assert "expires" not in get_json(client, f"/badges/{award.public_id}")


def test_assertion_badge_iri_resolves_to_the_badge_class(client, award):
    doc = get_json(client, f"/badges/{award.public_id}")
    badge_class = get_json(client, doc["badge"].removeprefix("http://testserver"))
    assert badge_class["id"] == doc["badge"]


def test_assertion_evidence_and_narrative(client, template):
    award = AwardFactory(
        template=template,
        narrative="Scored **92%**.",
        evidence=[
            {"url": "https://exams.example/r/1", "name": "Score report"},
            {"narrative": "Lab project reviewed by two examiners."},
        ],
    )
    doc = get_json(client, f"/badges/{award.public_id}")
    assert doc["narrative"] == "Scored **92%**."
    assert doc["evidence"] == [
        {"id": "https://exams.example/r/1", "name": "Score report"},
        {"narrative": "Lab project reviewed by two examiners."},
    ]


def test_badge_class_has_required_fields_criteria_alignments_and_tags(client, issuer):
    template = BadgeTemplateFactory(
        issuer=issuer, skills=[SkillFactory(name="Networking"), SkillFactory(name="Azure")]
    )
    Alignment.objects.create(
        template=template,
        target_name="Cloud concepts",
        target_url="https://framework.example/cc",
        target_framework="ESCO",
        target_code="S1.2",
    )
    doc = get_json(client, f"/templates/{template.public_id}")
    assert doc["@context"] == CONTEXT
    assert doc["type"] == "BadgeClass"
    assert doc["id"] == f"http://testserver/templates/{template.public_id}"
    assert doc["name"] == template.name
    assert doc["description"] == template.description
    assert doc["image"] == f"http://testserver/templates/{template.public_id}/image.png"
    assert doc["criteria"] == {"id": template.criteria_url, "narrative": template.criteria_markdown}
    assert doc["issuer"] == f"http://testserver/issuers/{issuer.public_id}"
    assert doc["tags"] == ["Azure", "Networking"]
    assert doc["alignment"] == [
        {
            "targetName": "Cloud concepts",
            "targetUrl": "https://framework.example/cc",
            "targetFramework": "ESCO",
            "targetCode": "S1.2",
        }
    ]


def test_badge_class_with_only_markdown_criteria(client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, criteria_url="")
    doc = get_json(client, f"/templates/{template.public_id}")
    assert doc["criteria"] == {"narrative": template.criteria_markdown}


def test_badge_class_image_url_serves_the_template_image(client, template):
    doc = get_json(client, f"/templates/{template.public_id}")
    response = client.get(doc["image"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    template.image.open("rb")
    assert response.content == template.image.read()


def test_issuer_profile(client, issuer):
    doc = get_json(client, f"/issuers/{issuer.public_id}")
    assert doc["@context"] == CONTEXT
    assert doc["type"] == "Issuer"
    assert doc["id"] == f"http://testserver/issuers/{issuer.public_id}"
    assert doc["name"] == issuer.name
    assert doc["url"] == issuer.url
    assert doc["email"] == issuer.email
    assert doc["revocationList"] == f"http://testserver/issuers/{issuer.public_id}/revocations"


def test_revoked_award_answers_410_with_a_revocation_notice(client, award, staff_by_role):
    award_revoke(
        actor=Actor(user=staff_by_role["admin"]), award=award, reason="Exam result annulled."
    )
    doc = get_json(client, f"/badges/{award.public_id}", status=410)
    assert doc == {
        "@context": CONTEXT,
        "id": f"http://testserver/badges/{award.public_id}",
        "type": "Assertion",
        "revoked": True,
        "revocationReason": "Exam result annulled.",
    }


def test_revocation_list_names_revoked_awards_only(client, issuer, template, staff_by_role):
    kept, revoked = AwardFactory(template=template), AwardFactory(template=template)
    award_revoke(actor=Actor(user=staff_by_role["admin"]), award=revoked, reason="Fraud.")
    doc = get_json(client, f"/issuers/{issuer.public_id}/revocations")
    assert doc == {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": f"http://testserver/issuers/{issuer.public_id}/revocations",
        "issuer": f"http://testserver/issuers/{issuer.public_id}",
        "revokedAssertions": [
            {"id": f"http://testserver/badges/{revoked.public_id}", "revocationReason": "Fraud."}
        ],
    }
    assert kept.public_id not in json.dumps(doc)


def test_revocation_list_json_when_only_json_is_asked(client, issuer):
    response = client.get(
        f"/issuers/{issuer.public_id}/revocations", HTTP_ACCEPT="application/json"
    )
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["revokedAssertions"] == []


def test_documents_follow_site_url(client, award, settings):
    settings.SITE_URL = "https://badges.example.org"
    doc = get_json(client, f"/badges/{award.public_id}")
    assert doc["id"] == f"https://badges.example.org/badges/{award.public_id}"
    assert doc["badge"].startswith("https://badges.example.org/templates/")


@pytest.mark.parametrize(
    "url",
    [
        "/badges/aaaaaaaaaaaaaaaa",
        "/badges/not-an-id",
        "/badges/aaaaaaaaaaaaaaaa/image.png",
        "/badges/aaaaaaaaaaaaaaaa/verify",
        "/templates/aaaaaaaaaaaaaaaa",
        "/templates/aaaaaaaaaaaaaaaa/image.png",
        "/issuers/aaaaaaaaaaaaaaaa",
        "/issuers/aaaaaaaaaaaaaaaa/revocations",
    ],
)
def test_unknown_ids_are_404(client, url):
    assert client.get(url, HTTP_ACCEPT=LD).status_code == 404
    assert client.get(url).status_code == 404


def test_json_path_is_one_indexed_query_once_the_template_is_known(
    client, award, django_assert_num_queries
):
    other = AwardFactory(template=award.template)
    with django_assert_num_queries(2):  # the award, then its template's ids (memoised)
        client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD)
    with django_assert_num_queries(1):
        assert client.get(f"/badges/{other.public_id}", HTTP_ACCEPT=LD).status_code == 200


def test_template_image_kind_change_reaches_the_assertion_after_the_memo_expires(
    client, award, monkeypatch
):
    from insignia.verification import selectors

    assert get_json(client, f"/badges/{award.public_id}")["image"].endswith("/image.png")
    award.template.image_kind = "svg"
    award.template.save()
    monkeypatch.setattr(selectors, "TEMPLATE_REF_SECONDS", 0)
    selectors.template_refs_forget()
    assert get_json(client, f"/badges/{award.public_id}")["image"].endswith("/image.svg")


def test_expired_award_json_still_served_with_expires(client, template):
    now = timezone.now()
    award = AwardFactory(
        template=template,
        issued_on=now - dt.timedelta(days=400),
        expires_at=now - dt.timedelta(days=35),
    )
    doc = get_json(client, f"/badges/{award.public_id}")
    assert doc["expires"] == award.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

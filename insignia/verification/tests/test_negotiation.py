import pytest

from insignia.verification.negotiation import Representation, negotiate
from insignia.verification.tests.conftest import LD

HTML, JSON_LD, JSON = Representation.HTML, Representation.JSON_LD, Representation.JSON
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
VCORE = "application/ld+json, application/json, image/png, image/svg+xml"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/ld+json", JSON_LD),
        ("application/json", JSON),
        ("application/ld+json, application/json", JSON_LD),
        ("application/json, application/ld+json;q=0.5", JSON),
        ("application/json;q=0.4, application/ld+json;q=0.5", JSON_LD),
        (VCORE, JSON_LD),
        (BROWSER, HTML),
        ("text/html", HTML),
        ("*/*", HTML),
        ("", HTML),
        ("application/*", JSON_LD),
        ("text/*, application/ld+json;q=0.9", HTML),
        ("text/html;q=0.1, application/ld+json", JSON_LD),
        ("text/html;q=0, */*", JSON_LD),
        ("*/*;q=0.1, application/json", JSON),
        ("application/ld+json;q=0, application/json", JSON),
        ("image/png", HTML),
        ("garbage, ;;, application/ld+json;q=abc, application/json", JSON),
        ("APPLICATION/LD+JSON", JSON_LD),
        ('application/ld+json; profile="https://w3id.org/openbadges/v2"', JSON_LD),
    ],
)
def test_negotiate_picks_the_highest_quality_most_specific_type(accept, expected):
    assert negotiate(accept) is expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "query", "content_type"),
    [
        (LD, "", "application/ld+json"),
        ("application/json", "", "application/json"),
        (BROWSER, "", "text/html; charset=utf-8"),
        ("*/*", "", "text/html; charset=utf-8"),
        (BROWSER, "?format=json", "application/ld+json"),
        (LD, "?format=html", "text/html; charset=utf-8"),
    ],
)
def test_badge_url_serves_json_ld_or_html_by_accept_header(
    client, award, accept, query, content_type
):
    response = client.get(f"/badges/{award.public_id}{query}", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "Accept" in response["Vary"]


@pytest.mark.django_db
def test_every_document_url_negotiates(client, award):
    for url in (
        f"/templates/{award.template.public_id}",
        f"/issuers/{award.issuer.public_id}",
    ):
        assert client.get(url, HTTP_ACCEPT=LD)["Content-Type"] == "application/ld+json"
        assert client.get(url, HTTP_ACCEPT=BROWSER)["Content-Type"].startswith("text/html")

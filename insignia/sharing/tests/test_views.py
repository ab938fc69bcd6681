"""Share redirects, embeds, oEmbed, QR codes, certificate and share image: behaviour and privacy."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from defusedxml.ElementTree import fromstring as xml_fromstring
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image

from insignia.awards.models import AwardState, Visibility
from insignia.sharing import embedding, selectors
from insignia.sharing.models import ProfileShareCounter, ShareCounter
from insignia.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def _counts(award) -> dict[str, int]:
    return selectors.award_counts(award=award)


def _oembed(client: Client, award_url: str, **params: str):
    return client.get("/oembed?" + urlencode({"url": award_url, **params}))


def _badge_url(settings, award) -> str:
    return f"{settings.SITE_URL}/badges/{award.public_id}"


# --- share redirects -----------------------------------------------------------------------------


def test_share_link_counts_the_click_then_redirects_to_linkedin_add_to_profile(client, award):
    response = client.get(f"/badges/{award.public_id}/share/linkedin_profile")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("www.linkedin.com", "/profile/add")
    query = parse_qs(target.query)
    assert query["name"] == [award.template.name]
    assert query["certId"] == [award.public_id]
    assert response["Cache-Control"] == "private, no-store"
    assert _counts(award) == {"share_click:linkedin_profile": 1}


def test_email_share_redirects_to_a_mailto_link(client, award):
    response = client.get(f"/badges/{award.public_id}/share/email")
    assert response.status_code == 302
    assert response["Location"].startswith("mailto:?subject=")


def test_unknown_network_is_404(client, award):
    assert client.get(f"/badges/{award.public_id}/share/myspace").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"visibility": Visibility.PRIVATE},
        {"state": AwardState.PENDING},
        {"state": AwardState.REJECTED},
        {"revoked_at": "now"},
    ],
    ids=["private", "pending", "rejected", "revoked"],
)
def test_every_share_endpoint_404s_for_a_badge_that_is_not_shareable(
    client, award, settings, change
):
    for field, value in change.items():
        setattr(award, field, timezone.now() if value == "now" else value)
    award.save()
    base = f"/badges/{award.public_id}"
    for path in (
        f"{base}/share/linkedin",
        f"{base}/embed",
        f"{base}/qr.svg",
        f"{base}/qr.png",
        f"{base}/certificate",
        f"{base}/share.png",
        f"{base}/download/ob3-json",
    ):
        assert client.get(path).status_code == 404, path
    assert _oembed(client, _badge_url(settings, award)).status_code == 404
    assert not ShareCounter.objects.exists()


def test_making_a_badge_private_later_breaks_its_share_links(client, award):
    url = f"/badges/{award.public_id}/share/facebook"
    assert client.get(url).status_code == 302
    award.visibility = Visibility.PRIVATE
    award.save()
    assert client.get(url).status_code == 404


def test_owner_still_gets_qr_certificate_and_share_image_of_a_private_badge(owner_client, award):
    award.visibility = Visibility.PRIVATE
    award.save()
    for path in ("qr.svg", "certificate", "share.png"):
        response = owner_client.get(f"/badges/{award.public_id}/{path}")
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store"
    # ... but nothing that would publish it.
    assert owner_client.get(f"/badges/{award.public_id}/embed").status_code == 404
    assert owner_client.get(f"/badges/{award.public_id}/share/x").status_code == 404


def test_another_user_gets_404_for_a_private_badges_certificate(award):
    award.visibility = Visibility.PRIVATE
    award.save()
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(f"/badges/{award.public_id}/certificate").status_code == 404


def test_download_counts_then_redirects_to_the_file(client, award):
    response = client.get(f"/badges/{award.public_id}/download/ob3-json")
    assert response.status_code == 302
    assert response["Location"] == f"/badges/{award.public_id}/credential.json?download=1"
    assert client.get(f"/badges/{award.public_id}/download/svg").status_code == 404  # png badge
    assert _counts(award) == {"download:ob3-json": 1}


# --- badge page ----------------------------------------------------------------------------------


def test_owner_sees_the_share_panel_with_escaped_snippets(owner_client, award):
    html = owner_client.get(f"/badges/{award.public_id}").content.decode()
    assert 'id="share"' in html
    assert f"/badges/{award.public_id}/share/linkedin_profile" in html
    assert f"/badges/{award.public_id}/certificate" in html
    assert "<script>alert(1)</script>" not in html
    # Snippets are escaped once for the snippet and once more for the textarea.
    assert "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;" in html


@pytest.mark.parametrize("visibility_or_state", ["private", "pending"])
def test_owner_of_a_private_or_pending_badge_gets_no_share_panel(
    owner_client, award, visibility_or_state
):
    if visibility_or_state == "private":
        award.visibility = Visibility.PRIVATE
    else:
        award.state = AwardState.PENDING
    award.save()
    html = owner_client.get(f"/badges/{award.public_id}").content.decode()
    assert 'id="share"' not in html
    assert "json+oembed" not in html


def test_visitors_get_no_share_panel_but_previews_and_oembed_discovery(client, award, settings):
    html = client.get(f"/badges/{award.public_id}").content.decode()
    assert 'id="share"' not in html
    share_png = f"{settings.SITE_URL}/badges/{award.public_id}/share.png"
    assert f'<meta property="og:image" content="{share_png}">' in html
    assert 'content="summary_large_image"' in html
    assert 'type="application/json+oembed"' in html
    assert 'type="text/xml+oembed"' in html
    assert f"url={settings.SITE_URL.replace(':', '%3A').replace('/', '%2F')}" in html


def test_public_badge_page_views_are_counted_without_visitor_data(client, award):
    client.get(f"/badges/{award.public_id}", HTTP_USER_AGENT="Spy/1.0", REMOTE_ADDR="10.1.2.3")
    client.get(f"/badges/{award.public_id}")
    row = ShareCounter.objects.get()
    assert (row.kind, row.count, row.template_id) == ("page_view", 2, award.template_id)
    stored = json.dumps(list(ShareCounter.objects.values()), default=str)
    assert "10.1.2.3" not in stored and "Spy" not in stored
    assert selectors.template_counts(template=award.template) == {
        (timezone.localdate(), "page_view"): 2
    }


# --- embed ---------------------------------------------------------------------------------------


def test_embed_page_may_be_framed_anywhere_and_is_publicly_cacheable(client, award):
    response = client.get(f"/badges/{award.public_id}/embed")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("public")
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Zoë O&#x27;Brien &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "<link" not in html and "<script src" not in html  # light: nothing to fetch
    assert html.count("<script>") == 1  # the height it posts, allowed by its hash only
    assert embedding.SIZE_SCRIPT_HASH in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1]
    assert _counts(award) == {"embed_view": 1}


def test_the_badge_page_itself_still_refuses_framing(client, award):
    assert client.get(f"/badges/{award.public_id}")["X-Frame-Options"] == "DENY"


def test_embed_script_points_iframes_at_this_site(client, settings):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert json.dumps(settings.SITE_URL) in response.content.decode()


# --- oEmbed --------------------------------------------------------------------------------------


def test_oembed_json_is_a_rich_iframe_per_the_spec(client, award, settings):
    response = _oembed(client, _badge_url(settings, award))
    assert response.status_code == 200
    data = response.json()
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["provider_name"] == "Insignia"
    assert data["provider_url"] == f"{settings.SITE_URL}/"
    assert data["author_name"] == award.recipient_name
    assert data["title"] == f"{award.template.name} — {award.recipient_name}"
    assert (data["width"], data["height"]) == (400, 190)
    assert f'src="{settings.SITE_URL}/badges/{award.public_id}/embed"' in data["html"]
    assert "<script>" not in data["html"]
    assert data["thumbnail_url"].endswith(f"/badges/{award.public_id}/share.png")
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (1200, 630)


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"maxwidth": "300"}, (300, 190)),
        ({"maxwidth": "100000"}, (600, 190)),
        ({"maxheight": "120"}, (400, 120)),
        ({"maxwidth": "250", "maxheight": "150"}, (250, 150)),
    ],
)
def test_oembed_honours_maxwidth_and_maxheight(client, award, settings, params, size):
    data = _oembed(client, _badge_url(settings, award), **params).json()
    assert (data["width"], data["height"]) == size
    assert f'width="{size[0]}" height="{size[1]}"' in data["html"]
    if "maxwidth" in params and int(params["maxwidth"]) < 1200:
        assert "thumbnail_url" not in data  # the 1200×630 thumbnail would not fit


def test_oembed_xml_carries_the_same_fields(client, award, settings):
    response = _oembed(client, _badge_url(settings, award), format="xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = xml_fromstring(response.content)
    assert root.tag == "oembed"
    assert root.findtext("type") == "rich" and root.findtext("version") == "1.0"
    assert root.findtext("author_name") == award.recipient_name


def test_oembed_refuses_unsupported_formats_with_501(client, award, settings):
    assert _oembed(client, _badge_url(settings, award), format="yaml").status_code == 501


def test_oembed_rejects_non_numeric_sizes(client, award, settings):
    assert _oembed(client, _badge_url(settings, award), maxwidth="wide").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/badges/{id}",
        "{site}/badges/nosuchbadge0000",
        "{site}/templates/{id}",
        "{site}/badges/{id}/embed",
        "",
    ],
)
def test_oembed_404s_for_urls_that_are_not_our_badges(client, award, settings, url):
    url = url.format(site=settings.SITE_URL, id=award.public_id)
    assert client.get("/oembed?" + urlencode({"url": url})).status_code == 404


# --- QR, certificate, share image ----------------------------------------------------------------


def test_qr_codes_encode_the_badge_page(client, award):
    svg = client.get(f"/badges/{award.public_id}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<?xml") and b"<svg" in svg.content
    png = client.get(f"/badges/{award.public_id}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get(f"/badges/{award.public_id}/qr.gif").status_code == 404


def test_certificate_shows_escaped_names_qr_and_verification_url(client, award, settings):
    response = client.get(f"/badges/{award.public_id}/certificate")
    html = response.content.decode()
    assert "@page { size: A4 landscape" in html
    assert f"{settings.SITE_URL}/badges/{award.public_id}" in html
    assert "<svg" in html and "<?xml" not in html
    assert "<script>alert(1)" not in html and "<b>Co</b>" not in html
    letter = client.get(f"/badges/{award.public_id}/certificate?paper=letter").content.decode()
    assert "@page { size: letter landscape" in letter


def test_share_image_is_1200_by_630_and_stored_once(client, award):
    first = client.get(f"/badges/{award.public_id}/share.png")
    assert first.status_code == 200 and first["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(first.content)) as image:
        assert image.size == (1200, 630)
    _, files = default_storage.listdir(f"share/{award.public_id}")
    assert len(files) == 1
    again = client.get(f"/badges/{award.public_id}/share.png")
    assert again.content == first.content
    assert default_storage.listdir(f"share/{award.public_id}")[1] == files


def test_share_image_is_redrawn_when_a_shown_value_changes(client, award):
    first = client.get(f"/badges/{award.public_id}/share.png").content
    award.recipient_name = "Someone Else"
    award.save()
    second = client.get(f"/badges/{award.public_id}/share.png").content
    assert second != first
    _, files = default_storage.listdir(f"share/{award.public_id}")
    assert len(files) == 1  # the stale rendering was removed


# --- public profile ------------------------------------------------------------------------------


@pytest.fixture
def profile(earner, award):
    from insignia.earners.services import earner_ensure

    earner_settings, person = earner_ensure(user=earner)
    earner_settings.profile_public = True
    earner_settings.save()
    person.display_name = "Zoë <script>x</script>"
    person.save()
    return person


def test_public_profile_previews_with_its_share_image(client, profile, settings):
    html = client.get(f"/u/{profile.slug}").content.decode()
    image = f"{settings.SITE_URL}/u/{profile.slug}/share.png"
    assert f'<meta property="og:image" content="{image}">' in html
    assert 'content="summary_large_image"' in html
    assert 'id="share"' not in html  # the panel is the owner's
    response = client.get(f"/u/{profile.slug}/share.png")
    assert response.status_code == 200 and response["Cache-Control"].startswith("public")
    with Image.open(io.BytesIO(response.content)) as drawn:
        assert drawn.size == (1200, 630)


def test_profile_owner_gets_a_share_panel_with_encoded_links(owner_client, profile, settings):
    html = owner_client.get(f"/u/{profile.slug}").content.decode()
    assert 'id="share"' in html
    # Through the counting redirect (its target is checked in the next test).
    assert f'href="/u/{profile.slug}/share/linkedin"' in html
    assert "<script>x</script>" not in html


def test_profile_share_clicks_are_counted_per_profile_then_redirected(
    client, owner_client, profile, settings
):
    html = owner_client.get(f"/u/{profile.slug}").content.decode()
    for network in ("linkedin", "facebook", "x", "email"):
        assert f'href="/u/{profile.slug}/share/{network}"' in html
    response = client.get(f"/u/{profile.slug}/share/linkedin")
    assert response.status_code == 302
    encoded = f"{settings.SITE_URL}/u/{profile.slug}".replace(":", "%3A").replace("/", "%2F")
    assert response["Location"] == (
        f"https://www.linkedin.com/sharing/share-offsite/?url={encoded}"
    )
    assert response["Cache-Control"] == "private, no-store"
    x = urlsplit(client.get(f"/u/{profile.slug}/share/x")["Location"])
    assert parse_qs(x.query)["text"] == ["Zoë <script>x</script>'s verified badges"]
    assert client.get(f"/u/{profile.slug}/share/email")["Location"].startswith("mailto:?")
    client.get(f"/u/{profile.slug}/share/x")
    assert selectors.profile_counts(profile=profile) == {
        "share_click:linkedin": 1,
        "share_click:x": 2,
        "share_click:email": 1,
    }
    assert client.get(f"/u/{profile.slug}/share/myspace").status_code == 404
    # Nothing about the visitor is kept: the row is profile, day, kind and a number.
    row = ProfileShareCounter.objects.get(profile=profile, kind="share_click:x")
    assert {f.name for f in row._meta.concrete_fields} == {"id", "profile", "day", "kind", "count"}


def test_a_private_profile_cannot_be_shared_even_by_its_owner(client, owner_client, profile):
    profile.user.earner_settings.profile_public = False
    profile.user.earner_settings.save()
    assert client.get(f"/u/{profile.slug}/share/linkedin").status_code == 404
    assert owner_client.get(f"/u/{profile.slug}/share/linkedin").status_code == 404
    assert client.get("/u/nosuchprofile/share/linkedin").status_code == 404
    assert selectors.profile_counts(profile=profile) == {}


def test_private_profile_share_image_is_404_to_others_and_private_to_the_owner(
    client, owner_client, profile
):
    profile.user.earner_settings.profile_public = False
    profile.user.earner_settings.save()
    assert client.get(f"/u/{profile.slug}/share.png").status_code == 404
    mine = owner_client.get(f"/u/{profile.slug}/share.png")
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-store"
    assert 'id="share"' not in owner_client.get(f"/u/{profile.slug}").content.decode()


def test_download_buttons_on_the_public_badge_page_are_counted(client, award):
    html = client.get(f"/badges/{award.public_id}", HTTP_ACCEPT="text/html").content.decode()
    hrefs = set(re.findall(r'href="(/badges/[a-z2-7]{16}/download/[a-z0-9-]+)"', html))
    assert hrefs == {
        f"/badges/{award.public_id}/download/png",
        f"/badges/{award.public_id}/download/ob3-png",
        f"/badges/{award.public_id}/download/ob3-json",
    }
    for href in hrefs:
        assert client.get(href).status_code == 302
    assert _counts(award) == {
        "page_view": 1,
        "download:png": 1,
        "download:ob3-png": 1,
        "download:ob3-json": 1,
    }

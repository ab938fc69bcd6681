"""What people see: the badge, template and issuer pages, and that issuer text stays inert."""

import datetime as dt

import pytest
from django.utils import timezone

from insignia.core.markdown import render_markdown
from insignia.openbadges.baking import unbake_svg
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    IssuerFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

EVIL = '<script>alert("x")</script>'
EVIL_MARKDOWN = (
    "Pass the exam.\n\n"
    "<script>alert('criteria')</script>\n\n"
    "[click me](javascript:alert('js'))\n\n"
    '<img src="x" onerror="alert(\'img\')">\n\n'
    '<a href="https://ok.example/" onclick="alert(1)">ok link</a>\n'
)


def page(client, url) -> str:
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200, url
    return response.content.decode()


def test_badge_page_shows_the_badge(client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, skills=[SkillFactory(name="Kubernetes")])
    template.alignments.create(
        target_name="Container ops", target_url="https://fw.example/c", target_code="C1"
    )
    award = AwardFactory(
        template=template,
        recipient_name="Ann Lee",
        expires_at=timezone.now() + dt.timedelta(days=30),
        evidence=[{"url": "https://evidence.example/1", "name": "Lab report"}],
    )
    html = page(client, f"/badges/{award.public_id}")
    assert template.name in html
    assert "Earned by <strong>Ann Lee</strong>" in html
    assert f'href="/issuers/{issuer.public_id}">{issuer.name}</a>' in html
    assert "Valid until" in html
    assert "Kubernetes" in html and "Container ops" in html
    assert 'href="https://evidence.example/1" rel="nofollow noopener">Lab report</a>' in html
    assert "<strong>AZ-900</strong>" in html  # criteria Markdown rendered
    assert f'action="/badges/{award.public_id}/verify"' in html
    assert f"/badges/{award.public_id}/download/png" in html


def test_badge_page_open_graph_and_twitter_tags(client, award):
    html = page(client, f"/badges/{award.public_id}")
    url = f"http://testserver/badges/{award.public_id}"
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="website">' in html
    assert f'<meta property="og:title" content="{award.template.name} — Ann Lee">' in html
    assert 'property="og:description"' in html
    # Issue 6: the generated 1200×630 share image, shown as a large card.
    assert f'<meta property="og:image" content="{url}/share.png">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert 'name="twitter:image"' in html


def test_expired_and_revoked_banners(client, template):
    expired = AwardFactory(
        template=template,
        issued_on=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        expires_at=dt.datetime(2025, 6, 5, 9, tzinfo=dt.UTC),
    )
    assert "Expired on 5 June 2025" in page(client, f"/badges/{expired.public_id}")
    revoked = AwardFactory(
        template=template,
        revoked_at=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC),
        revocation_reason="Cheating.",
    )
    html = page(client, f"/badges/{revoked.public_id}")
    assert "Revoked on 2 March 2026: Cheating." in html
    assert "/download/png" not in html


def test_markdown_criteria_is_sanitised_on_the_page(client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, criteria_markdown=EVIL_MARKDOWN)
    award = AwardFactory(template=template, narrative=EVIL_MARKDOWN)
    for html in (
        page(client, f"/badges/{award.public_id}"),
        page(client, f"/templates/{template.public_id}"),
    ):
        assert "Pass the exam." in html
        assert "<script>alert" not in html
        assert "javascript:" not in html
        assert "onerror" not in html
        assert "onclick" not in html
        assert '<a href="https://ok.example/" rel="nofollow noopener">ok link</a>' in html


def test_render_markdown_forces_link_rel_and_drops_scripts():
    html = str(
        render_markdown("[a](https://x.example) <script>bad()</script> [b](javascript:bad())")
    )
    assert '<a href="https://x.example" rel="nofollow noopener">a</a>' in html
    assert "<script" not in html and "javascript:" not in html
    assert str(render_markdown("")) == ""


def test_names_with_script_tags_are_escaped_everywhere(client):
    issuer = IssuerFactory(name=f"Issuer {EVIL}", description=EVIL)
    template = BadgeTemplateFactory(
        issuer=issuer,
        name=f"Badge {EVIL}",
        description=EVIL,
        skills=[SkillFactory(name=f"Skill {EVIL}")],
    )
    award = AwardFactory(
        template=template,
        recipient_name=f"Name {EVIL}",
        evidence=[{"url": "https://e.example/", "name": EVIL, "narrative": EVIL}],
    )
    for url in (
        f"/badges/{award.public_id}",
        f"/badges/{award.public_id}/verify",
        f"/templates/{template.public_id}",
        f"/issuers/{issuer.public_id}",
    ):
        html = page(client, url)
        assert EVIL not in html, url
        assert "&lt;script&gt;" in html, url


def test_svg_baking_survives_hostile_names(client, issuer):
    from django.core.files.base import ContentFile

    from insignia.testing.images import SVG_BADGE

    template = BadgeTemplateFactory(
        issuer=issuer, image=ContentFile(SVG_BADGE, name="b.svg"), image_kind="svg"
    )
    award = AwardFactory(template=template, narrative="]]><script>alert(1)</script>")
    svg = client.get(f"/badges/{award.public_id}/image.svg").content
    # The CDATA terminator in the narrative must not end the CDATA section early.
    assert b"]]><script>" not in svg
    assert (
        unbake_svg(svg).encode()
        == client.get(f"/badges/{award.public_id}", HTTP_ACCEPT="application/ld+json").content
    )


def test_template_and_issuer_pages(client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, validity_days=365)
    html = page(client, f"/templates/{template.public_id}")
    assert template.name in html and "365 days" in html
    assert (
        f'<meta property="og:url" content="http://testserver/templates/{template.public_id}">'
        in html
    )
    html = page(client, f"/issuers/{issuer.public_id}")
    assert issuer.name in html and issuer.url in html
    assert (
        f'<meta property="og:url" content="http://testserver/issuers/{issuer.public_id}">' in html
    )

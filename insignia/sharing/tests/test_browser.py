"""Embeds and the certificate in a real browser (Debian's Chromium driven by Playwright).

Skipped when Playwright or /usr/bin/chromium is missing; the Makefile installs both.
Screenshots go to ``$INSIGNIA_SCREENSHOT_DIR`` (default: the test's tmp directory).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from insignia.sharing import links
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def award(issuer):
    template = BadgeTemplateFactory(issuer=issuer, name="Kubernetes & “Cloud” Administrator")
    return AwardFactory(template=template, recipient_name="Zoë O'Brien")


@pytest.fixture
def static_site(tmp_path) -> Iterator[tuple[str, Path]]:
    """Another origin serving plain files, as a blog that pastes the embed snippet would."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_embed_snippet_on_another_site_renders_the_badge_card(
    browser, site, static_site, award, shots
):
    origin, root = static_site
    snippet = links.embed_snippet(
        public_id=award.public_id,
        badge_name=award.template.name,
        url=f"{site}/badges/{award.public_id}",
        script_url=f"{site}/embed.js",
    )
    (root / "index.html").write_text(
        "<!doctype html><html><head><meta charset=utf-8><title>My blog</title></head>"
        f"<body><h1>My blog</h1><p>My latest badge:</p>{snippet}</body></html>",
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 800, "height": 600})
    page.goto(f"{origin}/index.html")
    frame = page.frame_locator("div.insignia-badge iframe")
    card = frame.locator("a.card")
    card.wait_for()
    assert "Kubernetes & “Cloud” Administrator" in card.inner_text()
    assert "Zoë O'Brien" in card.inner_text()
    box = page.locator("div.insignia-badge iframe").bounding_box()
    assert box is not None and box["height"] >= 100 and box["width"] <= 400
    path = shots / "sharing-embed.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    page.close()


# The card's natural height, as the card page itself measures it (it fills the iframe otherwise).
_CARD_HEIGHT = """() => {
  const card = document.querySelector(".card"), inner = document.querySelector(".inner");
  const cs = getComputedStyle(card);
  return inner.getBoundingClientRect().height + parseFloat(cs.paddingTop)
    + parseFloat(cs.paddingBottom) + parseFloat(cs.borderTopWidth)
    + parseFloat(cs.borderBottomWidth);
}"""


@pytest.mark.parametrize("width", [800, 240])
def test_embed_iframe_sizes_itself_to_the_card(browser, site, static_site, award, shots, width):
    origin, root = static_site
    snippet = links.embed_snippet(
        public_id=award.public_id,
        badge_name=award.template.name,
        url=f"{site}/badges/{award.public_id}",
        script_url=f"{site}/embed.js",
    )
    (root / "index.html").write_text(
        f"<!doctype html><html><head><meta charset=utf-8></head><body>{snippet}</body></html>",
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": width, "height": 700})
    page.goto(f"{origin}/index.html")
    iframe = page.locator("div.insignia-badge iframe")
    page.frame_locator("div.insignia-badge iframe").locator("a.card").wait_for()
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    # The default is 190 px; at 800 px the card is shorter, at 240 px (stacked) taller.
    page.wait_for_function(
        "() => { const f = document.querySelector('div.insignia-badge iframe');"
        " return f.style.height && f.style.height !== '190px'; }"
    )
    expected = frame.evaluate(_CARD_HEIGHT)
    actual = iframe.bounding_box()
    assert actual is not None
    assert abs(actual["height"] - expected) <= 3, (actual, expected)
    assert actual["width"] <= min(width, 400)
    assert (expected < 190) if width == 800 else (expected > 190)
    # A message from any other origin (here: the embedding page itself) is ignored.
    page.evaluate(
        "() => window.postMessage({type: 'insignia:embed-height',"
        f" badge: '{award.public_id}', height: 999}}, '*')"
    )
    page.wait_for_timeout(200)
    again = iframe.bounding_box()
    assert again is not None and abs(again["height"] - expected) <= 3
    page.screenshot(path=str(shots / f"sharing-embed-sized-{width}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1123, "height": 794}]
)
def test_certificate_page_renders_without_horizontal_overflow(
    browser, site, award, shots, viewport
):
    page = browser.new_page(viewport=viewport)
    response = page.goto(f"{site}/badges/{award.public_id}/certificate")
    assert response is not None and response.status == 200
    page.locator("#certificate svg").wait_for()
    for media in ("screen", "print"):
        page.emulate_media(media=media)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (media, overflow)
    assert "Kubernetes & “Cloud” Administrator" in page.locator("h1").inner_text()
    page.emulate_media(media="screen")
    page.screenshot(
        path=str(shots / f"sharing-certificate-{viewport['width']}.png"), full_page=True
    )
    page.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]
)
def test_owner_share_panel_fits_the_screen_and_copies_snippets(
    browser, site, award, shots, viewport
):
    from django.conf import settings
    from django.test import Client

    from insignia.testing.factories import UserFactory

    owner = UserFactory()
    award.earner = owner
    award.save()
    client = Client()
    client.force_login(owner)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{site}/badges/{award.public_id}")
    panel = page.locator("#share")
    panel.wait_for()
    assert "Add to LinkedIn profile" in panel.inner_text()
    embed = page.locator("#sh-embed").input_value()
    assert f'data-badge-id="{award.public_id}"' in embed
    assert "Kubernetes &amp; “Cloud” Administrator" in embed
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    panel.screenshot(path=str(shots / f"sharing-panel-{viewport['width']}.png"))
    context.close()

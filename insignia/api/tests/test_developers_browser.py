"""Developer settings in a real browser (Debian's Chromium via Playwright): create a token,
copy it from the page that shows it once, use it, revoke it after confirming. Screenshots go
to ``$INSIGNIA_SCREENSHOT_DIR``."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from insignia.api.models import ApiToken
from insignia.issuers.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_creates_copies_uses_and_revokes_a_token(
    browser, live_server, settings, issuer, staff_by_role, shots
):
    settings.SITE_URL = live_server.url
    settings.INSIGNIA_API_THROTTLE_RATE = "100000/minute"
    client = Client()
    client.force_login(staff_by_role[Role.ADMIN])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/manage/{issuer.slug}/")
    page.click("nav >> text=Developers")
    page.fill("#id_name", "Exam system")
    page.check("input[name=scopes][value=write]")
    page.click("text=Create token")
    page.wait_for_selector("#shown-secret")
    raw = page.input_value("#shown-secret")
    assert raw.startswith("ins_")
    page.screenshot(path=shots / "developers-token-shown.png", full_page=True)
    page.click("[data-copy-from=shown-secret]")
    page.wait_for_function("document.querySelector('[data-copy-from=shown-secret]')")
    assert page.evaluate("navigator.clipboard.readText()") == raw

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/whoami").json()["data"]["scopes"] == ["read", "write"]

    page.goto(f"{live_server.url}/manage/{issuer.slug}/developers/")
    assert raw not in page.content()
    page.click("text=Revoke…")
    page.wait_for_selector("text=cannot be undone")
    page.click("button.danger")
    page.wait_for_selector("text=revoked")
    assert ApiToken.objects.get().revoked_at is not None
    assert api.get("/api/v1/whoami").status_code == 401
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=shots / "developers-phone.png", full_page=True)

"""The earner's whole journey in a real browser (Debian's Chromium driven by Playwright).

award (service) → email in the local outbox → claim link → sign up → confirmation email →
accepted badge → public profile → make it private → an anonymous browser gets 404.
Screenshots of each page at phone and desktop widths go to ``$INSIGNIA_SCREENSHOT_DIR``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.testing.browser import DESKTOP, PHONE
from insignia.testing.factories import BadgeTemplateFactory, SkillFactory

PASSWORD = "correct horse battery staple"
LOCAL_OUTBOX = "insignia.notifications.backends.LocalOutboxBackend"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    # The embedded default's mailbox: every email (award and account) lands in a table.
    settings.EMAIL_BACKEND = LOCAL_OUTBOX
    return live_server.url


def mailbox_link(to: str, pattern: str) -> str:
    """The first link matching ``pattern`` in the newest local-outbox email to ``to``."""
    from insignia.notifications.models import CapturedEmail

    for message in CapturedEmail.objects.filter(to__icontains=to).order_by("-created_at", "-id"):
        found = re.search(pattern, message.text)
        if found:
            return found.group(0)
    raise AssertionError(f"no email to {to} with a link like {pattern}")


def snap(page, shots: Path, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), name
        page.screenshot(path=shots / f"earner-{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_award_claim_signup_confirm_profile_private_journey(browser, site, issuer, shots):
    template = BadgeTemplateFactory(
        issuer=issuer,
        name="Azure Administrator Associate",
        skills=[SkillFactory(name=n) for n in ("Azure", "Networking")],
    )
    issued = award_issue(
        actor=Actor.system("test"),
        template=template,
        recipient_email="ann.lee@example.com",
        recipient_name="Ann Lee",
    )
    claim_link = mailbox_link("ann.lee@example.com", r"https?://\S+/claim/\S+")
    assert claim_link.rstrip(".") == f"{site}/claim/{issued.award.public_id}/{issued.claim_token}"

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(claim_link)
    assert page.get_by_role(
        "heading", name="This badge is waiting for you to accept it"
    ).is_visible()
    snap(page, shots, "claim")
    page.get_by_role("link", name="Create an account to accept").click()
    assert page.locator("input[name=email]").input_value() == "ann.lee@example.com"
    snap(page, shots, "signup")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/.*"))

    confirm_link = mailbox_link("ann.lee@example.com", r"https?://\S+/accounts/confirm-email/\S+/")
    page.goto(confirm_link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{site}/badges/{issued.award.public_id}")
    assert page.get_by_text("is now in your account").is_visible()
    assert page.get_by_role("button", name="Make private").is_visible()
    snap(page, shots, "accepted")

    page.goto(f"{site}/me/")
    assert page.locator("#accepted").get_by_text(template.name).is_visible()
    snap(page, shots, "dashboard")
    page.goto(f"{site}/me/settings/")
    snap(page, shots, "settings")
    page.goto(f"{site}/me/profile/")
    page.fill("input[name=display_name]", "Ann Lee")
    page.fill("input[name=headline]", "Cloud administrator")
    page.fill("input[name=slug]", "ann-lee")
    page.fill("textarea[name=bio]", "I run **Azure** networks. <script>alert(1)</script>")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Profile saved.").is_visible()
    snap(page, shots, "profile-edit")

    anonymous = browser.new_context(viewport=DESKTOP).new_page()
    anonymous.goto(f"{site}/u/ann-lee")
    assert anonymous.get_by_role("heading", name="Ann Lee").is_visible()
    assert anonymous.get_by_text(template.name).is_visible()
    assert anonymous.get_by_text("Networking").is_visible()
    snap(anonymous, shots, "profile")

    page.goto(f"{site}/badges/{issued.award.public_id}")
    page.get_by_role("button", name="Make private").click()
    assert page.get_by_text("The badge is private").is_visible()
    response = anonymous.goto(f"{site}/badges/{issued.award.public_id}")
    assert response.status == 404
    anonymous.goto(f"{site}/u/ann-lee")
    assert anonymous.get_by_text("No public badges yet.").is_visible()

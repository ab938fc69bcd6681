"""The public badge page in a real browser (Debian's Chromium driven by Playwright).

Skipped when Playwright or /usr/bin/chromium is missing; the Makefile installs both.
Screenshots go to ``$INSIGNIA_SCREENSHOT_DIR`` (default: the test's tmp directory).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.badges.models import Alignment
from insignia.testing.browser import DESKTOP, PHONE
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, SkillFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, settings):
    # The in-process fetcher only reads URLs under SITE_URL: make that the live server.
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def badge_template(issuer):
    template = BadgeTemplateFactory(
        issuer=issuer,
        name="Microsoft Certified: Azure Administrator Associate",
        skills=[SkillFactory(name=n) for n in ("Azure", "Networking", "Identity management")],
        criteria_markdown=(
            "Candidates **pass exam AZ-104** with 700 points or more.\n\n"
            "- Manage identities\n- Configure virtual networks\n- Monitor resources\n\n"
            "[Exam guide](https://learn.example/az-104)"
        ),
    )
    Alignment.objects.create(
        template=template,
        target_name="Cloud administration",
        target_url="https://framework.example/cloud-admin",
        target_framework="ESCO",
        target_code="S5.6.1",
    )
    return template


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def open_and_verify(page, url: str) -> dict[str, str]:
    page.goto(url)
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator("#verify-result .vf-report").wait_for()
    # The OB 2.0 steps; the OB 3.0 ones (data-ob3-step) are checked in test_ob3_verify.py.
    steps = page.locator("#verify-result .vf-step[data-step]")
    return {
        steps.nth(i).get_attribute("data-step"): steps.nth(i).get_attribute("data-ok")
        for i in range(steps.count())
    }


def test_public_badge_on_a_phone_verifies_in_place(browser, site, badge_template, shots):
    award = AwardFactory(
        template=badge_template,
        recipient_name="Ann Lee",
        expires_at=timezone.now() + dt.timedelta(days=700),
        evidence=[{"url": "https://exams.example/score/123", "name": "Score report"}],
    )
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{site}/badges/{award.public_id}")
    assert page.get_by_role("heading", name=badge_template.name).is_visible()
    assert page.get_by_text("Ann Lee").first.is_visible()
    assert page.get_by_role("link", name=badge_template.issuer.name).first.is_visible()
    assert page.locator(".vf-status-valid").is_visible()
    assert no_horizontal_overflow(page)
    page.screenshot(path=shots / "badge-phone.png", full_page=True)

    steps = open_and_verify(page, f"{site}/badges/{award.public_id}")
    assert len(steps) == 9
    assert set(steps.values()) == {"true"}, steps
    assert page.url == f"{site}/badges/{award.public_id}"  # checked in place, no navigation
    assert no_horizontal_overflow(page)
    page.screenshot(path=shots / "badge-phone-verified.png", full_page=True)

    desktop = browser.new_page(viewport=DESKTOP)
    open_and_verify(desktop, f"{site}/badges/{award.public_id}")
    desktop.screenshot(path=shots / "badge-desktop-verified.png", full_page=True)


def test_revoked_badge_shows_the_failing_revocation_step(browser, site, badge_template, shots):
    award = AwardFactory(
        template=badge_template,
        recipient_name="Bo Diaz",
        revoked_at=timezone.now() - dt.timedelta(days=2),
        revocation_reason="The exam result was annulled after review.",
    )
    page = browser.new_page(viewport=PHONE)
    steps = open_and_verify(page, f"{site}/badges/{award.public_id}")
    assert steps["revocation"] == "false"
    assert page.locator(".vf-status-revoked").is_visible()
    assert page.get_by_text("annulled after review").first.is_visible()
    assert no_horizontal_overflow(page)
    page.screenshot(path=shots / "badge-phone-revoked.png", full_page=True)
    desktop = browser.new_page(viewport=DESKTOP)
    open_and_verify(desktop, f"{site}/badges/{award.public_id}")
    desktop.screenshot(path=shots / "badge-desktop-revoked.png", full_page=True)


def test_verify_works_without_javascript(browser, site, badge_template):
    award = AwardFactory(template=badge_template)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{site}/badges/{award.public_id}")
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url(f"{site}/badges/{award.public_id}/verify*")
    assert page.locator('.vf-report[data-valid="true"]').is_visible()
    context.close()


def test_template_and_issuer_pages_fit_a_phone(browser, site, badge_template, shots):
    page = browser.new_page(viewport=PHONE)
    for name, url in (
        ("template", f"{site}/templates/{badge_template.public_id}"),
        ("issuer", f"{site}/issuers/{badge_template.issuer.public_id}"),
    ):
        page.goto(url)
        assert no_horizontal_overflow(page), url
        page.screenshot(path=shots / f"{name}-phone.png", full_page=True)

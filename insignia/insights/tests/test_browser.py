"""The apply flow and the insights page in a real browser (Debian's Chromium via Playwright).

Skipped when Playwright or /usr/bin/chromium is missing. Screenshots go to
``$INSIGNIA_SCREENSHOT_DIR`` (default: the test's tmp directory).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from insignia.insights.importers import import_skills, import_wages
from insignia.insights.models import Application
from insignia.insights.tests.conftest import make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(browser, live_server, user, viewport=None):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_earner_applies_with_badges_and_the_employer_sees_them_verified(
    browser, live_server, settings, earner, employer, employer_staff, skills, files, shots
):
    settings.SITE_URL = live_server.url
    import_skills((files / "skills.csv").read_text())
    import_wages(files / "wages_edge.csv", year=2025)
    job = make_job(
        employer,
        title="Cloud Administrator",
        required=[skills["cloud-administration"], skills["monitoring"]],
        city="Austin",
        region="TX",
        country="US",
        salary_currency="USD",
        salary_min=Decimal(80000),
        salary_max=Decimal(100000),
        salary_period="year",
        annual_min=Decimal(80000),
        annual_max=Decimal(100000),
        description_html="<p>Run our cloud.</p>",
    )
    award = earner.awards.get()

    page = signed_in_page(browser, live_server, earner)
    page.goto(f"{live_server.url}/insights/")
    assert page.locator("[data-testid=job-count]").inner_text() == "1"
    assert page.locator(".ins-chart svg").is_visible()
    page.screenshot(path=shots / "insights-desktop.png", full_page=True)

    page.get_by_role("link", name="Cloud Administrator").click()
    page.get_by_role("link", name="Apply with your badges").click()
    page.get_by_label("A short message").fill("I keep clouds running.")
    page.get_by_label("Cloud Admin Associate", exact=False).check()
    page.screenshot(path=shots / "apply-form.png", full_page=True)
    page.get_by_role("button", name="Send application").click()
    page.wait_for_url(f"{live_server.url}/insights/applications/")
    assert page.get_by_text("Application sent to Fabrikam").is_visible()
    assert page.get_by_role("link", name="Cloud Administrator").is_visible()

    application = Application.objects.get()
    assert list(application.badges.all()) == [award]
    assert sorted(m.to[0] for m in mail.outbox) == ["hr@fabrikam.example", "sam@example.com"]

    staff = signed_in_page(browser, live_server, employer_staff, {"width": 390, "height": 844})
    staff.goto(f"{live_server.url}/employers/{employer.public_id}/applications/")
    staff.get_by_role("link", name="Sam Rivera").click()
    assert staff.get_by_text("I keep clouds running.").is_visible()
    badge = staff.locator(".ins-sent-badges li").first
    assert badge.get_attribute("data-status") == "valid"
    assert staff.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    staff.screenshot(path=shots / "employer-application-phone.png", full_page=True)
    with staff.expect_navigation():
        badge.get_by_role("link", name="Cloud Admin Associate").click()
    assert staff.url.endswith(f"/badges/{award.public_id}")

    page.goto(f"{live_server.url}/jobs/{job.public_id}")
    assert page.get_by_text("You applied").is_visible()

"""Bulk upload in a real browser (Debian's Chromium driven by Playwright): choose a file, see
the job's progress bar and the invalid rows. Screenshots go to ``$INSIGNIA_SCREENSHOT_DIR``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from insignia.awards.models import Award
from insignia.issuers.models import Role
from insignia.testing.factories import BadgeTemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issuer_uploads_a_csv_and_sees_progress_and_the_invalid_rows(
    browser, live_server, settings, issuer, staff_by_role, tmp_path
):
    settings.SITE_URL = live_server.url
    template = BadgeTemplateFactory(issuer=issuer)
    client = Client()
    client.force_login(staff_by_role[Role.ISSUER])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
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
    upload = tmp_path / "people.csv"
    upload.write_text(
        "Badge Template ID;Recipient Email;First Name;Last Name;Issued Date\n"
        f"{template.public_id};ada@example.com;Ada;Lovelace;12/10/2024\n"
        f"{template.public_id};not-an-email;Bad;Row;2024-12-10\n"
    )
    page.goto(f"{live_server.url}/manage/{issuer.slug}/bulk/")
    page.set_input_files("#id_file", str(upload))
    page.click("button[type=submit]")
    page.wait_for_selector("progress")
    page.wait_for_function("document.querySelector('progress').value == 100", timeout=15000)
    text = page.inner_text("main")
    assert "'not-an-email' is not a valid email address." in text
    assert "Download the invalid rows (CSV)" in text
    assert Award.objects.filter(recipient_email="ada@example.com").count() == 1
    shots = Path(os.environ.get("INSIGNIA_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    for label, size in (
        ("desktop", {"width": 1280, "height": 900}),
        ("phone", {"width": 390, "height": 844}),
    ):
        page.set_viewport_size(size)
        page.screenshot(path=shots / f"bulk-job-{label}.png", full_page=True)

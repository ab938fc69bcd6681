"""The local outbox at /_outbox/: there with its backend, absent with SMTP."""

from __future__ import annotations

import importlib

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import clear_url_caches

import config.urls
from insignia.notifications.models import CapturedEmail

pytestmark = pytest.mark.django_db
LOCAL = "insignia.notifications.backends.LocalOutboxBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def urlconf(settings):
    """Reload the root URLconf under the email backend a test sets, as a fresh process would."""

    def load(backend: str) -> None:
        settings.EMAIL_BACKEND = backend
        importlib.reload(config.urls)
        clear_url_caches()

    yield load
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    importlib.reload(config.urls)
    clear_url_caches()


def _send(to="jo@example.com"):
    email = EmailMultiAlternatives(
        "You've earned <Cloud>",
        "Accept your badge: http://testserver/claim/abc/tok\n",
        "badges@example.org",
        [to],
    )
    email.attach_alternative(
        '<p><a href="http://testserver/claim/abc/tok">Accept</a></p>', "text/html"
    )
    email.send()
    return CapturedEmail.objects.get(to=to)


def test_local_backend_stores_mail_and_the_outbox_lists_it_with_clickable_links(
    client, settings, urlconf
):
    urlconf(LOCAL)
    captured = _send()
    assert captured.html and "Accept your badge" in captured.text
    listing = client.get("/_outbox/")
    assert listing.status_code == 200
    assert b"You&#x27;ve earned &lt;Cloud&gt;" in listing.content
    page = client.get(f"/_outbox/{captured.public_id}/")
    assert page.status_code == 200
    assert b'<a href="http://testserver/claim/abc/tok">' in page.content
    html = client.get(f"/_outbox/{captured.public_id}/html")
    assert html.status_code == 200 and "sandbox" in html["Content-Security-Policy"]


def test_outbox_filters_by_recipient(client, urlconf):
    urlconf(LOCAL)
    _send("jo@example.com")
    _send("max@example.com")
    content = client.get("/_outbox/?to=max").content
    assert b"max@example.com" in content and b"jo@example.com</td>" not in content


def test_outbox_is_not_mounted_when_smtp_is_configured(client, urlconf):
    urlconf(SMTP)
    assert client.get("/_outbox/").status_code == 404


def test_outbox_views_refuse_if_the_backend_changes_after_startup(client, settings, urlconf):
    urlconf(LOCAL)
    captured = _send()
    settings.EMAIL_BACKEND = SMTP
    assert client.get("/_outbox/").status_code == 404
    assert client.get(f"/_outbox/{captured.public_id}/").status_code == 404

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.test import Client

from insignia.testing.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_production_passwords_are_hashed_with_pbkdf2():
    from config import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
)
def test_account_entrance_pages_use_the_site_layout_and_are_not_indexed(client, url):
    page = client.get(url).content.decode()
    assert 'class="site-header"' in page and "site.css" in page
    assert '<meta name="robots" content="noindex' in page


@pytest.mark.parametrize(
    "url", ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]
)
def test_account_management_pages_use_the_site_layout_with_the_account_menu(url):
    client = Client()
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page and 'class="me-nav"' in page


def test_signup_requires_email_confirmation_before_login(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert "/accounts/confirm-email/" in response["Location"]
    assert len(mail.outbox) == 1 and "new@example.com" in mail.outbox[0].to
    # Not logged in until the address is confirmed.
    assert client.get("/me/").status_code == 302


def test_login_is_rate_limited_after_repeated_failures(client):
    UserFactory(email="ann@example.com")
    pages = [
        client.post("/accounts/login/", {"login": "ann@example.com", "password": "wrong"})
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0].content.decode()
    assert "Too many failed login attempts" in pages[-1].content.decode()
    # Even the right password is refused while the limit holds.
    right = client.post("/accounts/login/", {"login": "ann@example.com", "password": PASSWORD})
    assert right.status_code == 200 and "Too many failed login attempts" in right.content.decode()


def test_totp_is_offered(client):
    assert "allauth.mfa" in django_settings.INSTALLED_APPS
    UserFactory(email="ann@example.com")
    client.post("/accounts/login/", {"login": "ann@example.com", "password": PASSWORD})
    # allauth asks for the password again before changing two-factor settings.
    response = client.get("/accounts/2fa/totp/activate/")
    assert "/accounts/reauthenticate/" in response["Location"]
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert "<svg" in page or "data:image" in page  # the QR code to scan
    assert "Authenticator" in page or "authenticator" in page


def test_password_reset_sends_a_link(client):
    UserFactory(email="ann@example.com")
    client.post("/accounts/password/reset/", {"email": "ann@example.com"})
    assert any("/accounts/password/reset/key/" in m.body for m in mail.outbox)

"""What the award email says: both parts, escaped names, absolute links, logo and image."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.base import ContentFile

from insignia.awards.services import award_issue
from insignia.core.audit import Actor
from insignia.testing.factories import BadgeTemplateFactory, IssuerFactory
from insignia.testing.images import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://badges.example.org"
    issuer = IssuerFactory(name='Acme <script>alert("x")</script> & Co')
    issuer.logo.save("logo.png", ContentFile(png_bytes()), save=True)
    template = BadgeTemplateFactory(issuer=issuer, name="Cloud <b>Pro</b>")
    with django_capture_on_commit_callbacks(execute=True):
        result = award_issue(
            actor=Actor.system("test"),
            template=template,
            recipient_email="jo@example.com",
            recipient_name="Jo <img src=x onerror=alert(1)>",
        )
    (email,) = mail.outbox
    return result, email, email.alternatives[0][0]


def test_award_email_has_plain_text_and_html_parts(sent):
    _, email, _ = sent
    assert email.body.strip() and email.alternatives[0][1] == "text/html"
    assert (
        email.subject
        == 'You\'ve earned Cloud <b>Pro</b> from Acme <script>alert("x")</script> & Co'
    )


def test_names_are_escaped_in_html_and_verbatim_in_plain_text(sent):
    _, email, html = sent
    assert "<script>" not in html and "<img src=x" not in html
    assert "Acme &lt;script&gt;" in html and "Jo &lt;img src=x" in html
    assert "Hello Jo <img src=x onerror=alert(1)>," in email.body


def test_links_are_absolute_and_the_button_is_the_claim_link(sent):
    result, email, html = sent
    award = result.award
    claim = f"https://badges.example.org/claim/{award.public_id}/{result.claim_token}"
    assert f"Accept your badge: {claim}" in email.body
    assert f'href="{claim}"' in html and "Accept your badge" in html
    template = award.template
    image = f"https://badges.example.org/templates/{template.public_id}/image.png"
    assert f'src="{image}"' in html
    assert 'src="https://badges.example.org/media/issuers/logos/' in html
    assert 'href="/' not in html and 'src="/' not in html

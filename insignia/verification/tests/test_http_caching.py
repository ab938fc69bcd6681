"""ETag, Last-Modified, 304 and Cache-Control on the public documents."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from django.utils.http import http_date

from insignia.testing.factories import AwardFactory
from insignia.verification.tests.conftest import LD

pytestmark = pytest.mark.django_db


def urls(award):
    return [
        (f"/badges/{award.public_id}", LD),
        (f"/badges/{award.public_id}", "text/html"),
        (f"/badges/{award.public_id}/image.png", "*/*"),
        (f"/templates/{award.template.public_id}", LD),
        (f"/templates/{award.template.public_id}", "text/html"),
        (f"/templates/{award.template.public_id}/image.png", "*/*"),
        (f"/issuers/{award.issuer.public_id}", LD),
        (f"/issuers/{award.issuer.public_id}", "text/html"),
        (f"/issuers/{award.issuer.public_id}/revocations", LD),
    ]


def test_public_documents_carry_a_strong_etag_of_the_body_and_public_cache_control(
    client, award, settings
):
    settings.INSIGNIA_PUBLIC_CACHE_SECONDS = 123
    for url, accept in urls(award):
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, url
        etag = response["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/"), url
        assert etag == '"' + hashlib.blake2b(response.content, digest_size=16).hexdigest() + '"'
        assert response["Last-Modified"]
        assert response["Cache-Control"].startswith("public, max-age="), url
        if "/image." not in url:
            assert response["Cache-Control"] == "public, max-age=123"


def test_if_none_match_answers_304_without_a_body(client, award):
    for url, accept in urls(award):
        first = client.get(url, HTTP_ACCEPT=accept)
        again = client.get(url, HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert again["Cache-Control"] == first["Cache-Control"]


def test_a_stale_etag_gets_the_new_body(client, award):
    url = f"/badges/{award.public_id}"
    first = client.get(url, HTTP_ACCEPT=LD)
    award.recipient_name = "Ann Lee-Smith"
    award.narrative = "Changed."
    award.save()
    again = client.get(url, HTTP_ACCEPT=LD, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_last_modified_is_the_award_update_time_and_if_modified_since_works(client, award):
    url = f"/badges/{award.public_id}"
    response = client.get(url, HTTP_ACCEPT=LD)
    assert response["Last-Modified"] == http_date(
        max(award.updated_at, award.template.updated_at).timestamp()
    )
    later = http_date((timezone.now() + dt.timedelta(minutes=1)).timestamp())
    assert client.get(url, HTTP_ACCEPT=LD, HTTP_IF_MODIFIED_SINCE=later).status_code == 304


def test_last_modified_moves_to_the_expiry_when_a_badge_expires(client, template):
    now = timezone.now()
    award = AwardFactory(
        template=template,
        issued_on=now - dt.timedelta(days=10),
        expires_at=now - dt.timedelta(seconds=5),
    )
    # Pretend the row was last written long before the expiry.
    type(award).objects.filter(pk=award.pk).update(updated_at=now - dt.timedelta(days=9))
    type(template).objects.filter(pk=template.pk).update(updated_at=now - dt.timedelta(days=9))
    response = client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD)
    assert response["Last-Modified"] == http_date(award.expires_at.timestamp())


def test_html_for_a_signed_in_viewer_is_private(client, award, staff_by_role):
    client.force_login(staff_by_role["viewer"])
    response = client.get(f"/badges/{award.public_id}")
    assert response["Cache-Control"] == "private, no-store"
    # The JSON is the same for everyone, so it stays public.
    assert client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD)["Cache-Control"].startswith(
        "public"
    )


def test_public_json_does_not_vary_on_cookie(client, award):
    response = client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD)
    assert response["Vary"] == "Accept"


def test_revoked_json_is_cacheable_410(client, award):
    award.revoked_at = timezone.now()
    award.revocation_reason = "Annulled."
    award.save()
    response = client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD)
    assert response.status_code == 410
    assert response["ETag"] and response["Cache-Control"].startswith("public")

"""The Verify action runs the real OB 2.0 checks through the in-process fetcher."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from insignia.awards.services import award_revoke
from insignia.core.audit import Actor
from insignia.openbadges.verify import StepCode, verify_hosted_assertion
from insignia.testing.factories import AwardFactory
from insignia.verification.fetch import FetchRefused, fetch_in_process, is_own_url
from insignia.verification.tests.conftest import LD

pytestmark = pytest.mark.django_db


def steps(page: str) -> dict[str, str]:
    """{step code: "true" | "false" | "none"} from the rendered report."""
    import re

    return dict(re.findall(r'data-step="([a-z_]+)" data-ok="(true|false|none)"', page))


def test_verify_a_valid_badge_passes_every_step(client, award):
    response = client.get(f"/badges/{award.public_id}/verify")
    assert response.status_code == 200
    result = steps(response.content.decode())
    assert set(result) == {code.value for code in StepCode}
    assert set(result.values()) == {"true"}
    assert 'data-valid="true"' in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_verify_partial_is_a_fragment(client, award):
    page = client.get(f"/badges/{award.public_id}/verify?partial=1").content.decode()
    assert page.lstrip().startswith('<div class="vf-report')
    assert "<html" not in page


def test_verify_with_the_right_and_wrong_email(client, award):
    right = client.get(
        f"/badges/{award.public_id}/verify", {"email": "Ann.Lee@Example.com"}
    ).content.decode()
    assert steps(right)["recipient"] == "true"
    wrong = client.get(
        f"/badges/{award.public_id}/verify", {"email": "eve@example.com"}
    ).content.decode()
    assert steps(wrong)["recipient"] == "false"
    assert "was not awarded to eve@example.com" in wrong


def test_verify_a_revoked_badge_fails_the_revocation_step(client, award, staff_by_role):
    award_revoke(
        actor=Actor(user=staff_by_role["owner"]), award=award, reason="Exam annulled <b>now</b>."
    )
    page = client.get(f"/badges/{award.public_id}/verify").content.decode()
    assert steps(page)["revocation"] == "false"
    assert "Exam annulled &lt;b&gt;now&lt;/b&gt;." in page
    assert 'data-valid="false"' in page


def test_verify_an_expired_badge_fails_the_dates_step(client, template):
    now = timezone.now()
    award = AwardFactory(
        template=template,
        issued_on=now - dt.timedelta(days=400),
        expires_at=now - dt.timedelta(days=3),
    )
    page = client.get(f"/badges/{award.public_id}/verify").content.decode()
    result = steps(page)
    assert result["dates"] == "false"
    assert "expired on" in page
    assert {k for k, v in result.items() if v == "false"} == {"dates"}


def test_fetcher_returns_the_bytes_the_public_gets(client, award):
    result = fetch_in_process(f"http://testserver/badges/{award.public_id}")
    public = client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD)
    assert result.status == 200
    assert result.body == public.content
    assert result.content_type == "application/ld+json"


def test_fetcher_is_anonymous_even_inside_a_signed_in_request(client, template, staff_by_role):
    from insignia.awards.models import AwardState

    award = AwardFactory(template=template, state=AwardState.PENDING)
    client.force_login(staff_by_role["owner"])
    assert client.get(f"/badges/{award.public_id}", HTTP_ACCEPT=LD).status_code == 200
    assert fetch_in_process(f"http://testserver/badges/{award.public_id}").status == 404


def test_fetcher_refuses_foreign_urls():
    for url in (
        "https://evil.example/badges/x",
        "http://testserver.evil.example/badges/x",
        "http://user:pw@testserver/badges/x",
        "https://testserver/badges/x",
        "file:///etc/passwd",
    ):
        assert not is_own_url(url)
        with pytest.raises(FetchRefused, match="foreign URLs are not fetched here"):
            fetch_in_process(url)


def test_fetcher_respects_a_site_url_with_a_path(settings, award):
    settings.SITE_URL = "http://testserver/prefix"
    assert is_own_url("http://testserver/prefix/badges/x")
    assert not is_own_url("http://testserver/prefixed/badges/x")
    assert not is_own_url("http://testserver/badges/x")


def test_a_foreign_badge_class_fails_with_a_clear_step(award, monkeypatch):
    # An assertion naming a badge class elsewhere: the verifier reports it, it does not crash.
    def fetch(url):
        result = fetch_in_process(url)
        if url.endswith(award.public_id):
            doc = json.loads(result.body)
            doc["badge"] = "https://elsewhere.example/badge"
            return type(result)(
                result.status, result.content_type, json.dumps(doc).encode(), result.url
            )
        return result

    report = verify_hosted_assertion(
        f"http://testserver/badges/{award.public_id}", fetch=fetch, now=timezone.now()
    )
    step = report.step(StepCode.BADGE_CLASS)
    assert step is not None and step.ok is False
    assert "foreign URLs are not fetched here" in step.detail


@pytest.mark.django_db
def test_in_process_fetch_leaves_the_outer_database_connection_open():
    """The outer request's connection (here: the test's transaction) must survive the fetch."""
    from django.db import connection

    from insignia.testing.factories import AwardFactory
    from insignia.verification.fetch import fetch_in_process

    award = AwardFactory()
    raw = connection.connection
    result = fetch_in_process(f"http://testserver/badges/{award.public_id}")
    assert result.status == 200
    assert connection.connection is raw
    assert connection.in_atomic_block
    award.refresh_from_db()  # a query on the same connection still works

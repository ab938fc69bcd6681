"""The embed iframe and oEmbed bodies are cached, yet never outlive the badge's privacy or content.

The privacy check runs on every request before any cached body or 304; cache keys (and ETags)
are digests of everything shown, so a change to any shown value is a new key, never a stale hit.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insignia.awards.models import Award, AwardState, Visibility
from insignia.badges.models import BadgeTemplate
from insignia.sharing import responses, selectors

pytestmark = pytest.mark.django_db


def _embed(client, award, **headers: str):
    return client.get(f"/badges/{award.public_id}/embed", headers=headers)


def _oembed(client, settings, award, headers: dict[str, str] | None = None, **params: str):
    query = urlencode({"url": f"{settings.SITE_URL}/badges/{award.public_id}", **params})
    return client.get(f"/oembed?{query}", headers=headers or {})


def _not_counting(queries: list[dict[str, str]]) -> list[str]:
    # The counter's own UPDATE (and its savepoint) is written at once in tests, buffered in
    # production; what is left is what serving the body cost.
    return [
        q["sql"]
        for q in queries
        if "sharing_sharecounter" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


def test_a_cached_embed_is_served_with_one_query_and_validators(client, award):
    first = _embed(client, award)
    assert first.status_code == 200
    etag = first["ETag"]
    assert cache.get(f"sharing:embed:{etag.strip(chr(34))}") == first.content
    assert first["Last-Modified"]
    assert first["Cache-Control"] == "public, no-cache"  # stored, but revalidated each time
    with CaptureQueriesContext(connection) as queries:
        again = _embed(client, award)
    assert again.content == first.content and again["ETag"] == etag
    assert len(_not_counting(queries.captured_queries)) == 1  # the award row, joined


def test_revalidation_gets_a_304_and_still_counts_the_view(client, award):
    etag = _embed(client, award)["ETag"]
    response = _embed(client, award, if_none_match=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag and response["Cache-Control"] == "public, no-cache"
    last_modified = _embed(client, award)["Last-Modified"]
    assert _embed(client, award, if_modified_since=last_modified).status_code == 304
    assert selectors.award_counts(award=award)["embed_view"] == 4


@pytest.mark.parametrize(
    "change",
    [
        {"visibility": Visibility.PRIVATE},
        {"state": AwardState.PENDING},
        {"revoked_at": "now"},
        {"delete": True},
    ],
    ids=["private", "pending", "revoked", "deleted"],
)
def test_a_cached_body_is_never_served_once_the_badge_is_not_shareable(
    client, award, settings, change
):
    embed = _embed(client, award)
    oembed = _oembed(client, settings, award)
    xml = _oembed(client, settings, award, format="xml")
    assert {embed.status_code, oembed.status_code, xml.status_code} == {200}
    rows = Award.objects.filter(pk=award.pk)
    if change.get("delete"):
        rows.delete()
    else:
        # A bare UPDATE (no updated_at bump), the least any other code path might do.
        rows.update(**{k: timezone.now() if v == "now" else v for k, v in change.items()})
    assert _embed(client, award).status_code == 404
    assert _embed(client, award, if_none_match=embed["ETag"]).status_code == 404
    assert _oembed(client, settings, award).status_code == 404
    assert (
        _oembed(client, settings, award, headers={"if-none-match": oembed["ETag"]}).status_code
        == 404
    )
    assert _oembed(client, settings, award, format="xml").status_code == 404


def test_any_shown_change_is_a_new_body_even_without_an_updated_at_bump(client, award, settings):
    before = _embed(client, award)
    oembed_before = _oembed(client, settings, award)
    BadgeTemplate.objects.filter(pk=award.template_id).update(name="Renamed badge")
    after = _embed(client, award)
    assert after["ETag"] != before["ETag"]
    assert "Renamed badge" in after.content.decode()
    assert _embed(client, award, if_none_match=before["ETag"]).status_code == 200
    oembed_after = _oembed(client, settings, award)
    assert oembed_after.json()["title"].startswith("Renamed badge")
    assert oembed_after["ETag"] != oembed_before["ETag"]
    Award.objects.filter(pk=award.pk).update(recipient_name="Someone Else")
    assert "Someone Else" in _embed(client, award).content.decode()
    assert _oembed(client, settings, award).json()["author_name"] == "Someone Else"


def test_expiry_changes_the_body_and_moves_last_modified(client, award):
    soon = timezone.now() + dt.timedelta(days=1)
    Award.objects.filter(pk=award.pk).update(expires_at=soon)
    valid = _embed(client, award)
    assert "Verified" in valid.content.decode()
    past = timezone.now() - dt.timedelta(minutes=1)
    Award.objects.filter(pk=award.pk).update(expires_at=past, issued_on=past - dt.timedelta(1))
    expired = _embed(client, award)
    assert "Expired" in expired.content.decode()
    assert expired["ETag"] != valid["ETag"]
    assert _embed(client, award, if_none_match=valid["ETag"]).status_code == 200


def test_oembed_keys_are_bounded_by_the_clamped_size(client, award, settings):
    huge = _oembed(client, settings, award, maxwidth="100000", maxheight="100000")
    widest = _oembed(client, settings, award, maxwidth="1200", maxheight="630")
    assert huge["ETag"] == widest["ETag"] and huge.content == widest.content
    narrow = _oembed(client, settings, award, maxwidth="300")
    assert narrow["ETag"] != huge["ETag"]
    assert narrow.json()["width"] == 300


def test_oembed_json_and_xml_are_cached_apart(client, award, settings):
    as_json = _oembed(client, settings, award)
    as_xml = _oembed(client, settings, award, format="xml")
    assert as_json["Content-Type"] == "application/json"
    assert as_xml["Content-Type"] == "application/xml; charset=utf-8"
    assert _oembed(client, settings, award).content == as_json.content
    assert _oembed(client, settings, award, format="xml").content == as_xml.content
    assert as_xml.content.startswith(b"<?xml")
    assert as_json["Access-Control-Allow-Origin"] == "*"


def test_the_per_process_body_memo_is_bounded_and_least_recently_used_first():
    memo = responses._LocalBodies(2)
    memo.put("a", b"1")
    memo.put("b", b"2")
    assert memo.get("a") == b"1"  # now the most recent
    memo.put("c", b"3")
    assert memo.get("b") is None and memo.get("a") == b"1" and memo.get("c") == b"3"


def test_a_body_memoised_in_this_process_still_needs_the_privacy_check(client, award):
    assert _embed(client, award).status_code == 200
    cache.clear()  # only the per-process memo holds the body now
    Award.objects.filter(pk=award.pk).update(visibility=Visibility.PRIVATE)
    assert _embed(client, award).status_code == 404


def test_the_precompiled_embed_query_reads_the_award_as_the_orm_would(award):
    award.refresh_from_db()
    row = selectors.embed_row(award.public_id)
    assert row is not None
    assert (row.award_id, row.template_id, row.public_id) == (
        award.pk,
        award.template_id,
        award.public_id,
    )
    assert (row.recipient_name, row.template_name, row.issuer_name) == (
        award.recipient_name,
        award.template.name,
        award.issuer.name,
    )
    assert row.issued_on == award.issued_on and timezone.is_aware(row.issued_on)
    assert row.updated_at == award.updated_at
    assert row.template_updated_at == award.template.updated_at
    assert row.issuer_updated_at == award.issuer.updated_at
    assert row.image_kind == award.template.image_kind and row.shareable
    assert selectors.embed_row("a" * len(award.public_id)) is None
    assert selectors.embed_row("not an id") is None

"""Share counters: one row per award, day and kind, summed per template."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.sharing import selectors, services
from insignia.sharing.models import ShareCounter
from insignia.testing.factories import AwardFactory

pytestmark = pytest.mark.django_db


def test_counter_adds_to_the_days_row_and_starts_a_new_one_each_day(award):
    today = timezone.now()
    yesterday = today - dt.timedelta(days=1)
    for moment in (yesterday, today, today):
        services.counter_increment(award=award, kind=services.share_click("x"), now=moment)
    rows = dict(ShareCounter.objects.values_list("day", "count"))
    assert rows == {timezone.localdate(yesterday): 1, timezone.localdate(today): 2}
    assert selectors.award_counts(award=award) == {"share_click:x": 3}
    assert selectors.award_counts(award=award, since=timezone.localdate(today)) == {
        "share_click:x": 2
    }


def test_template_totals_sum_every_award_of_the_template(award):
    other = AwardFactory(template=award.template)
    services.counter_increment(award=award, kind=services.EMBED_VIEW)
    services.counter_increment(award=other, kind=services.EMBED_VIEW)
    services.counter_increment(award=other, kind=services.download("png"))
    day = timezone.localdate()
    assert selectors.template_counts(template=award.template) == {
        (day, "embed_view"): 2,
        (day, "download:png"): 1,
    }


def test_with_a_flush_interval_counts_wait_in_memory_until_flushed(award, settings):
    settings.INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS = 3600
    services.counters_flush()  # starts the interval
    for _ in range(3):
        services.counter_increment(award=award, kind=services.OEMBED)
    assert not ShareCounter.objects.exists()
    assert services.counters_flush() == 1
    assert selectors.award_counts(award=award) == {"oembed": 3}


def test_a_buffered_count_for_a_deleted_award_is_dropped(award, settings):
    settings.INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS = 3600
    services.counters_flush()
    gone = AwardFactory(template=award.template)
    services.counter_increment(award=gone, kind=services.OEMBED)
    services.counter_increment(award=award, kind=services.OEMBED)
    gone.delete()
    services.counters_flush()
    assert list(ShareCounter.objects.values_list("award_id", "count")) == [(award.pk, 1)]


def test_a_flush_adds_to_existing_rows_and_creates_new_ones_in_one_go(award, settings):
    services.counter_increment(award=award, kind=services.EMBED_VIEW)  # written at once: 1
    settings.INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS = 3600
    services.counters_flush()
    others = [AwardFactory(template=award.template) for _ in range(3)]
    yesterday = timezone.now() - dt.timedelta(days=1)
    for _ in range(4):
        services.counter_increment(award=award, kind=services.EMBED_VIEW)
    services.counter_increment(award=award, kind=services.EMBED_VIEW, now=yesterday)
    for other in others:
        services.counter_increment(award=other, kind=services.download("png"))
    assert services.counters_flush() == 5
    assert selectors.award_counts(award=award) == {"embed_view": 6}
    assert selectors.award_counts(award=award, since=timezone.localdate()) == {"embed_view": 5}
    for other in others:
        assert selectors.award_counts(award=other) == {"download:png": 1}
    assert ShareCounter.objects.count() == 5

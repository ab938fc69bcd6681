"""Writes for sharing: counting events (issue 6 §2).

Counting sits on hot public paths (badge page, embed iframe, oEmbed), and a database write per
request (a commit, an fsync on SQLite) would cost more than the rest of those views. So in
production each process adds counts up in memory and writes them out at most every
``INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS`` (one UPDATE per award/day/kind touched), and at exit.
A crashed worker loses at most that many seconds of counts, acceptable for analytics. With the
setting at 0 (tests, development) every event is written at once.
"""

from __future__ import annotations

import atexit
import datetime as dt
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from insignia.awards.models import Award
from insignia.sharing.models import KIND_MAX_LENGTH, ShareCounter

PAGE_VIEW = "page_view"
EMBED_VIEW = "embed_view"
OEMBED = "oembed"

_Key = tuple[int, int, dt.date, str]  # award id, template id, day, kind
_pending: Counter[_Key] = Counter()
_lock = threading.Lock()
_next_flush = 0.0


def share_click(network: str) -> str:
    return f"share_click:{network}"


def download(kind: str) -> str:
    return f"download:{kind}"


def _flush_seconds() -> float:
    return float(getattr(settings, "INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS", 0))


def counter_increment(*, award: Award, kind: str, now: dt.datetime | None = None) -> None:
    """Add one to today's ``kind`` counter of ``award``; nothing about the visitor is kept."""
    day = timezone.localdate(now or timezone.now())
    key: _Key = (award.pk, award.template_id, day, kind[:KIND_MAX_LENGTH])
    interval = _flush_seconds()
    if interval <= 0:
        _counter_add(key, 1)
        return
    with _lock:
        _pending[key] += 1
        due = time.monotonic() >= _next_flush
    if due:
        counters_flush()


def counters_flush() -> int:
    """Write the counts added up in this process; returns how many rows were touched."""
    global _next_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _next_flush = time.monotonic() + _flush_seconds()
    for key, amount in batch.items():
        try:
            _counter_add(key, amount)
        except DatabaseError:
            # Analytics must never fail a request; a lost batch is the price.
            continue
    return len(batch)


@transaction.atomic
def _counter_add(key: _Key, amount: int) -> None:
    """An UPDATE first (the common case); on the day's first event an INSERT in a savepoint,
    retried as an UPDATE if a concurrent writer inserted the row first. A count for an award
    deleted meanwhile updates nothing and is dropped."""
    award_id, template_id, day, kind = key
    rows = ShareCounter.objects.filter(award_id=award_id, day=day, kind=kind)
    if rows.update(count=F("count") + amount):
        return
    if not Award.objects.filter(pk=award_id).exists():
        return  # deleted since it was counted (the FK check may be deferred to commit)
    try:
        with transaction.atomic():
            ShareCounter.objects.create(
                award_id=award_id, template_id=template_id, day=day, kind=kind, count=amount
            )
    except IntegrityError:
        rows.update(count=F("count") + amount)


atexit.register(counters_flush)

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
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from insignia.awards.models import Award
from insignia.earners.models import Profile
from insignia.sharing.models import KIND_MAX_LENGTH, ProfileShareCounter, ShareCounter

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
    counter_add(award_id=award.pk, template_id=award.template_id, kind=kind, now=now)


def counter_add(
    *, award_id: int, template_id: int, kind: str, now: dt.datetime | None = None
) -> None:
    """counter_increment for callers holding ids only (the embed and oEmbed hot paths)."""
    day = timezone.localdate(now or timezone.now())
    key: _Key = (award_id, template_id, day, kind[:KIND_MAX_LENGTH])
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
    if not batch:
        return 0
    try:
        _counters_upsert(batch)
    except DatabaseError:
        # One row at a time instead (e.g. an award deleted between the check and the insert).
        for key, amount in batch.items():
            try:
                _counter_add(key, amount)
            except DatabaseError:
                continue  # analytics must never fail a request; a lost count is the price
    return len(batch)


_UPSERT_ROWS = 150  # 5 parameters a row: under SQLite's oldest 999-variable limit


@transaction.atomic
def _counters_upsert(batch: dict[_Key, int]) -> None:
    """The whole batch in one transaction, a few hundred rows a statement (INSERT … ON CONFLICT
    adds to the day's row; PostgreSQL and SQLite ≥ 3.24 both have it). One commit per flush,
    not one per row: a flush after a busy interval touches every award that was viewed."""
    award_ids = sorted({key[0] for key in batch})
    existing: set[int] = set()
    for start in range(0, len(award_ids), 500):
        ids = award_ids[start : start + 500]
        existing.update(Award.objects.filter(pk__in=ids).values_list("pk", flat=True))
    rows = [(key, amount) for key, amount in batch.items() if key[0] in existing]
    table = connection.ops.quote_name(ShareCounter._meta.db_table)
    for start in range(0, len(rows), _UPSERT_ROWS):
        chunk = rows[start : start + _UPSERT_ROWS]
        params: list[Any] = []
        for (award_id, template_id, day, kind), amount in chunk:
            day_value = connection.ops.adapt_datefield_value(day)
            params += [award_id, template_id, day_value, kind, amount]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (award_id, template_id, day, kind, count) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (award_id, day, kind) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )


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


@transaction.atomic
def profile_counter_increment(
    *, profile: Profile, kind: str, now: dt.datetime | None = None
) -> None:
    """Add one to today's ``kind`` counter of a public profile (share clicks: rare, written at
    once rather than buffered like the badge counters)."""
    day = timezone.localdate(now or timezone.now())
    kind = kind[:KIND_MAX_LENGTH]
    rows = ProfileShareCounter.objects.filter(profile=profile, day=day, kind=kind)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ProfileShareCounter.objects.create(profile=profile, day=day, kind=kind, count=1)
    except IntegrityError:
        rows.update(count=F("count") + 1)


atexit.register(counters_flush)

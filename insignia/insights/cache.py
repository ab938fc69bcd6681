"""Caching of the per-skill-set insight figures (demand, posted salaries, the ranking).

Those figures depend only on the set of skills (and, for the ranking, the earner's city) and on
the jobs, so earners with the same skills share one entry, and nothing personal is cached. An
entry is exact for as long as

- the jobs version (``JobsVersion.token``) is unchanged: every write to jobs, their skills or
  employers bumps it (signals for single saves/deletes, explicit ``bump_jobs_version`` calls in
  the importers and services that write in bulk), and
- no matching job has expired since it was computed: each entry records ``valid_until``, the
  earliest ``expires_at`` after the computation time among the matching jobs, and is used only
  while ``computed_at <= now < valid_until``.

So a cache hit returns exactly what recomputing would; only the first request for a skill set
after a change pays the full aggregation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.core.cache import cache

from insignia.insights.models import JobSkill, JobsVersion

T = TypeVar("T")
# Entries also go stale by the version key; the timeout only bounds what an idle cache holds.
TIMEOUT_S = 6 * 3600
_PREFIX = "insights:v1"


def jobs_version() -> str:
    return JobsVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def bump_jobs_version() -> None:
    """Invalidate every cached insight figure; call inside the transaction that wrote jobs."""
    token = uuid.uuid4().hex
    if not JobsVersion.objects.filter(pk=1).update(token=token):
        JobsVersion.objects.update_or_create(pk=1, defaults={"token": token})


def _valid_until(skill_ids: Sequence[int], now: dt.datetime) -> dt.datetime | None:
    """The earliest moment after ``now`` at which a job with one of the skills expires.

    One seek per skill on the ``(skill, expires_at, job)`` index rather than one MIN over all
    of their rows."""
    found = [
        JobSkill.objects.filter(skill_id=skill_id, expires_at__gt=now)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
        for skill_id in skill_ids
    ]
    moments = [moment for moment in found if moment is not None]
    return min(moments) if moments else None


def cached_for_skills(
    kind: str,
    *,
    skill_ids: Sequence[int],
    now: dt.datetime,
    compute: Callable[[], T],
    extra: str = "",
) -> T:
    """``compute()`` for this skill set, from the cache while it is provably unchanged."""
    digest = hashlib.sha256(
        ",".join(str(pk) for pk in sorted(skill_ids)).encode() + b"|" + extra.encode()
    ).hexdigest()[:32]
    key = f"{_PREFIX}:{kind}:{jobs_version() or 'none'}:{digest}"
    hit: Any = cache.get(key)
    if hit is not None:
        computed_at, valid_until, cached = hit
        if computed_at <= now and (valid_until is None or now < valid_until):
            return cast(T, cached)
    value = compute()
    cache.set(key, (now, _valid_until(skill_ids, now), value), TIMEOUT_S)
    return value

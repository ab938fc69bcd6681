"""Caching of the per-skill-set insight figures (demand, posted salaries, the ranking).

Those figures depend only on the set of skills (and, for the ranking, the earner's city) and on
the jobs, so earners with the same skills share one entry, and nothing personal is cached. An
entry is exact for as long as

- the jobs version (``JobsVersion.token``) is unchanged: every write to jobs, their skills or
  employers bumps it (every write path calls ``insignia.insights.jobindex.jobs_changed``,
  which calls ``bump_jobs_version``, in its transaction), and
- no matching job has expired since it was computed: each entry records ``valid_until``, the
  earliest ``expires_at`` after the computation time among the matching jobs, and is used only
  while ``computed_at <= now < valid_until``.

So a cache hit returns exactly what recomputing would. The figures are fast without it too
(they read the bitmap index of jobs, ``insignia.insights.jobindex``); the cache saves those
reads for the earners who come back while the jobs stay the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db.models import Min, OuterRef, Subquery

from insignia.badges.models import Skill
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

    One seek per skill on the ``(skill, expires_at, job)`` index (a subquery per skill, in one
    statement) rather than one MIN over all of their rows."""
    first_after = (
        JobSkill.objects.filter(skill_id=OuterRef("pk"), expires_at__gt=now)
        .order_by("expires_at")
        .values("expires_at")[:1]
    )
    found: dt.datetime | None = (
        Skill.objects.filter(pk__in=list(skill_ids))
        .annotate(next_expiry=Subquery(first_after))
        .aggregate(first=Min("next_expiry"))["first"]
    )
    return found


class SkillSetCache:
    """The cached figures of one skill set at one moment: the jobs version is read once, and
    the entries' ``valid_until`` is computed once, on the first miss."""

    def __init__(self, skill_ids: Sequence[int], now: dt.datetime) -> None:
        self.skill_ids = sorted(skill_ids)
        self.now = now

    @functools.cached_property
    def version(self) -> str:
        return jobs_version() or "none"

    @functools.cached_property
    def valid_until(self) -> dt.datetime | None:
        return _valid_until(self.skill_ids, self.now)

    def get(self, kind: str, compute: Callable[[], T], *, extra: str = "") -> T:
        """``compute()`` for this skill set, from the cache while it is provably unchanged."""
        digest = hashlib.sha256(
            ",".join(str(pk) for pk in self.skill_ids).encode() + b"|" + extra.encode()
        ).hexdigest()[:32]
        key = f"{_PREFIX}:{kind}:{self.version}:{digest}"
        hit: Any = cache.get(key)
        if hit is not None:
            computed_at, valid_until, cached = hit
            if computed_at <= self.now and (valid_until is None or self.now < valid_until):
                return cast(T, cached)
        value = compute()
        cache.set(key, (self.now, self.valid_until, value), TIMEOUT_S)
        return value

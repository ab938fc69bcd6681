"""A bitmap index of jobs, maintained on write, so an earner's figures never aggregate rows.

Why: the figures of the insights page (how many jobs ask for the earner's skills, by region and
employer, what they pay, and the ranking) are functions of the *union* of the jobs of several
skills. A popular skill set matches ~150k job-skill rows; de-duplicating them in SQL (GROUP BY or
COUNT DISTINCT) costs 0.1–0.5 s on SQLite whatever the index. Per-skill counts cannot be added up
either: a job that asks for three of the earner's skills must count once.

So every attribute the figures group by has a bitmap of job ids (bit ``n`` is the job with
``id = n``), stored as bytes in ``JobBitmap``: per skill (required / preferred), employer,
region, city, remote, posted-salary bucket and salary year. For a skill set the page ORs the
skill bitmaps (the union: exact de-duplication at C speed), adds them up bit-sliced for the
ranking, and counts ``union & bitmap`` per region, employer and salary bucket.

Bitmaps hold every job whatever its expiry; the jobs expired at read time are masked out: the
``expired`` bitmap holds exactly those expired by its ``as_of`` moment (every write to jobs
moves it forward), and the few whose closing time lies between ``as_of`` and the read come from
the ``Job.expires_at`` index.

Costs: a bitmap is 1 bit per job id up to the highest one (12.5 KB per 100,000 ids). A page
reads its skills' bitmaps and every region, salary bucket and employer bitmap (the employers
largest first, stopping once no smaller one can enter the top eight: with real, skewed boards
few are read). A write locks and rewrites the bitmaps its jobs enter or leave, so writers to
jobs of the same skills take turns.

Writes keep the bitmaps exact: every write path takes ``snapshot(job_ids)`` before it writes
and calls ``jobs_changed(before=…, job_ids=…)`` after, in the same transaction; that flips the
bits that moved and bumps the jobs version (``insignia.insights.cache``).

Posted salaries are counted by annual mid-point rounded to ``SALARY_DIGITS`` (3) significant
figures, so posted-salary percentiles are those of the rounded mid-points: within 0.5 %.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from insignia.insights.cache import bump_jobs_version
from insignia.insights.models import Job, JobBitmap, JobSkill

# Posted salaries are counted per annual mid-point rounded to this many significant figures:
# buckets of 100 between 10,000 and 99,999, of 1,000 from 100,000 (within 0.5 % everywhere).
SALARY_DIGITS = 3
# Kinds of bitmap (``JobBitmap.kind``); ``key`` says which one of the kind.
REQUIRED, PREFERRED = "req", "pref"  # key: skill id
EMPLOYER, REGION, CITY, REMOTE = "emp", "region", "city", "remote"  # key: id, JSON, casefold, ""
SALARY, SALARY_YEAR = "pay", "payyear"  # key: "USD:85300" (``salary_point``), "USD:2025"
EXPIRED = "expired"  # key ""; ``as_of`` says when
Key = tuple[str, str]


# --- bits ------------------------------------------------------------------------------------


def to_int(data: bytes | memoryview | None) -> int:
    return int.from_bytes(bytes(data), "little") if data else 0


def to_bytes(bits: int) -> bytes:
    return bits.to_bytes((bits.bit_length() + 7) // 8, "little")


def bits_of(ids: Iterable[int]) -> int:
    found = sorted(ids)
    if not found:
        return 0
    buf = bytearray(found[-1] // 8 + 1)
    for n in found:
        buf[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buf, "little")


def ids_of(bits: int) -> list[int]:
    """The set bits, ascending (one C-level search per bit, not a loop over every byte)."""
    digits = bin(bits)[:1:-1]  # least significant first
    found = []
    at = digits.find("1")
    while at != -1:
        found.append(at)
        at = digits.find("1", at + 1)
    return found


# --- keys of a job ---------------------------------------------------------------------------


def region_key(region: str, country: str, remote: bool) -> str:
    return json.dumps([region, country, remote])


def salary_point(mid: Decimal) -> Decimal:
    """The mid-point rounded to ``SALARY_DIGITS`` significant figures: the bucket it counts in."""
    if mid <= 0:
        return Decimal(0)
    step = Decimal(1).scaleb(mid.adjusted() - (SALARY_DIGITS - 1))
    return (mid / step).to_integral_value() * step


def salary_key(currency: str, annual_min: Decimal, annual_max: Decimal) -> str:
    point = salary_point((annual_min + annual_max) / 2)
    return f"{currency}:{point.normalize():f}"


_JOB_FIELDS = (
    "id",
    "employer_id",
    "region",
    "country",
    "remote",
    "city",
    "salary_currency",
    "annual_min",
    "annual_max",
    "posted_at",
    "expires_at",
)


def _job_keys(row: dict[str, object], expired_as_of: dt.datetime | None) -> set[Key]:
    keys: set[Key] = {
        (EMPLOYER, str(row["employer_id"])),
        (REGION, region_key(str(row["region"]), str(row["country"]), bool(row["remote"]))),
    }
    if row["city"]:
        keys.add((CITY, str(row["city"]).casefold()))
    if row["remote"]:
        keys.add((REMOTE, ""))
    low, high = row["annual_min"], row["annual_max"]
    if isinstance(low, Decimal) and isinstance(high, Decimal):
        currency = str(row["salary_currency"])
        keys.add((SALARY, salary_key(currency, low, high)))
        posted = row["posted_at"]
        assert isinstance(posted, dt.datetime)
        keys.add((SALARY_YEAR, f"{currency}:{posted.year}"))
    expires = row["expires_at"]
    if expired_as_of is not None and isinstance(expires, dt.datetime) and expires <= expired_as_of:
        keys.add((EXPIRED, ""))
    return keys


def _expired_as_of() -> dt.datetime | None:
    return JobBitmap.objects.filter(kind=EXPIRED, key="").values_list("as_of", flat=True).first()


def snapshot(job_ids: Iterable[int]) -> dict[int, set[Key]]:
    """The bitmaps each job is in, from its rows as they are now; take it before a write."""
    ids = sorted(set(job_ids))
    found: dict[int, set[Key]] = {}
    if not ids:
        return found
    as_of = _expired_as_of()
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for row in Job.objects.filter(pk__in=chunk).values(*_JOB_FIELDS):
            found[row["id"]] = _job_keys(row, as_of)
        for job_id, skill_id, required in JobSkill.objects.filter(job_id__in=chunk).values_list(
            "job_id", "skill_id", "required"
        ):
            found.setdefault(job_id, set()).add(
                (REQUIRED if required else PREFERRED, str(skill_id))
            )
    return found


@transaction.atomic
def jobs_changed(*, before: dict[int, set[Key]], job_ids: Iterable[int]) -> None:
    """Bring the bitmaps up to date for jobs written since ``before`` was taken (created,
    changed or deleted), and invalidate cached figures. Call inside the writing transaction."""
    ids = set(job_ids) | set(before)
    after = snapshot(ids)
    flips: dict[Key, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for job_id in ids:
        old, new = before.get(job_id, set()), after.get(job_id, set())
        for key in new - old:
            flips[key][0].add(job_id)
        for key in old - new:
            flips[key][1].add(job_id)
    _apply(flips)
    prune_expired(now=timezone.now())
    bump_jobs_version()


def _apply(flips: dict[Key, tuple[set[int], set[int]]]) -> None:
    if not flips:
        return
    JobBitmap.objects.bulk_create(
        [JobBitmap(kind=kind, key=key, bits=b"") for kind, key in flips], ignore_conflicts=True
    )
    keys_of: dict[str, list[str]] = defaultdict(list)
    for kind, key in flips:
        keys_of[kind].append(key)
    params = []
    for kind, keys in keys_of.items():
        # Locked so two writers flipping bits of one row do not lose each other's update.
        rows = JobBitmap.objects.select_for_update().filter(kind=kind, key__in=keys)
        for pk, key, data in rows.values_list("pk", "key", "bits"):
            add, remove = flips[(kind, key)]
            bits = (to_int(data) | bits_of(add)) & ~bits_of(remove)
            params.append((to_bytes(bits), bits.bit_count(), pk))
    table = connection.ops.quote_name(JobBitmap._meta.db_table)
    with connection.cursor() as cursor:
        # One statement run per row; ``bulk_update`` would build a CASE per row and column.
        cursor.executemany(
            f"UPDATE {table} SET bits = %s, count = %s WHERE id = %s",  # noqa: S608
            params,
        )


@transaction.atomic
def rebuild(*, now: dt.datetime) -> None:
    """Every bitmap from the rows (after bulk loads that bypass the write paths, and for the
    migration that introduced the index)."""
    members: dict[Key, list[int]] = defaultdict(list)
    for row in Job.objects.values(*_JOB_FIELDS).iterator(chunk_size=5000):
        for key in _job_keys(row, now):
            members[key].append(row["id"])
    for job_id, skill_id, required in (
        JobSkill.objects.values_list("job_id", "skill_id", "required")
        .order_by()
        .iterator(chunk_size=20000)
    ):
        members[(REQUIRED if required else PREFERRED, str(skill_id))].append(job_id)
    members.setdefault((EXPIRED, ""), [])
    JobBitmap.objects.all().delete()
    rows = []
    for (kind, name), ids in members.items():
        bits = bits_of(ids)
        rows.append(
            JobBitmap(
                kind=kind,
                key=name,
                bits=to_bytes(bits),
                count=bits.bit_count(),
                as_of=now if kind == EXPIRED else None,
            )
        )
    JobBitmap.objects.bulk_create(rows, batch_size=200)
    bump_jobs_version()


@transaction.atomic
def prune_expired(*, now: dt.datetime) -> None:
    """Fold the jobs expired since the ``expired`` bitmap's ``as_of`` into it, so reads ask the
    database only for the few that expired since the last write to jobs."""
    row = JobBitmap.objects.select_for_update().filter(kind=EXPIRED, key="").first()
    if row is None or row.as_of is None or now <= row.as_of:
        return
    recent = Job.objects.filter(expires_at__gt=row.as_of, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    bits = to_int(row.bits) | bits_of(recent)
    row.bits, row.count, row.as_of = to_bytes(bits), bits.bit_count(), now
    row.save(update_fields=["bits", "count", "as_of"])


# --- reads -----------------------------------------------------------------------------------


def _load(kind: str, keys: Sequence[str] | None = None) -> Iterator[tuple[str, int, int]]:
    qs = JobBitmap.objects.filter(kind=kind)
    if keys is not None:
        qs = qs.filter(key__in=keys)
    for key, bits, count in qs.values_list("key", "bits", "count"):
        yield key, to_int(bits), count


def expired_mask(*, now: dt.datetime) -> int:
    """The jobs expired at ``now``: the ``expired`` bitmap (exactly those expired by its
    ``as_of``) corrected by the few jobs whose closing time lies between the two."""
    found = JobBitmap.objects.filter(kind=EXPIRED, key="").values_list("bits", "as_of").first()
    if found is None or found[1] is None:
        return bits_of(Job.objects.filter(expires_at__lte=now).values_list("pk", flat=True))
    stored, as_of = to_int(found[0]), found[1]
    if now >= as_of:
        since = Job.objects.filter(expires_at__gt=as_of, expires_at__lte=now)
        return stored | bits_of(since.values_list("pk", flat=True))
    # A reader whose moment is older than the last fold (a write committed meanwhile).
    not_yet = Job.objects.filter(expires_at__gt=now, expires_at__lte=as_of)
    return stored & ~bits_of(not_yet.values_list("pk", flat=True))


@dataclass
class SkillSetBits:
    """The live jobs asking for any of a set of skills, with each one's score bit-sliced:
    ``planes[i]`` holds bit ``i`` of the job's score (required 2, preferred 1 per skill)."""

    union: int
    planes: list[int]

    def score_mask(self, score: int) -> int:
        mask = self.union
        for i, plane in enumerate(self.planes):
            mask &= plane if score >> i & 1 else ~plane
        if score >> len(self.planes):
            return 0
        return mask

    @property
    def max_score(self) -> int:
        return (1 << len(self.planes)) - 1


def _add(planes: list[int], bits: int, plane: int) -> None:
    carry = bits
    while carry:
        while plane >= len(planes):
            planes.append(0)
        planes[plane], carry = planes[plane] ^ carry, planes[plane] & carry
        plane += 1


def skill_set_bits(
    *, skill_ids: Sequence[int], now: dt.datetime, required_weight: int, preferred_weight: int
) -> SkillSetBits:
    keys = [str(pk) for pk in skill_ids]
    live = ~expired_mask(now=now)
    union, planes = 0, []  # type: ignore[var-annotated]
    weights = {REQUIRED: required_weight, PREFERRED: preferred_weight}
    rows = JobBitmap.objects.filter(kind__in=list(weights), key__in=keys)
    for kind, bits_data in rows.values_list("kind", "bits"):
        bits = to_int(bits_data) & live
        union |= bits
        weight = weights[kind]
        for plane in range(weight.bit_length()):
            if weight >> plane & 1:
                _add(planes, bits, plane)
    return SkillSetBits(union=union, planes=planes)


def counts_by(kind: str, union: int, *, top: int | None = None) -> dict[str, int]:
    """How many of ``union``'s jobs are in each bitmap of ``kind``; with ``top``, only the
    ``top`` largest are guaranteed (bitmaps are read largest first and reading stops once no
    smaller one can enter)."""
    found: dict[str, int] = {}
    rows = (
        JobBitmap.objects.filter(kind=kind, count__gt=0)
        .order_by("-count")
        .values_list("key", "bits", "count")
    )
    if top is None:
        for key, bits, _count in rows:
            n = (union & to_int(bits)).bit_count()
            if n:
                found[key] = n
        return found
    best: list[int] = []  # a min-heap of the ``top`` largest counts so far
    for key, bits, count in rows.iterator(chunk_size=100):
        if len(best) == top and count < best[0]:
            break
        n = (union & to_int(bits)).bit_count()
        if n:
            found[key] = n
            if len(best) < top:
                heapq.heappush(best, n)
            elif n > best[0]:
                heapq.heapreplace(best, n)
    return found


def in_bitmap(kind: str, key: str) -> int:
    for _key, bits, _count in _load(kind, [key]):
        return bits
    return 0

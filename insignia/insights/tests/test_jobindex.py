"""The bitmap index answers exactly what the straightforward queries over the rows answer."""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Case, Count, IntegerField, Max, Q, Sum, Value, When
from django.utils import timezone

from insignia.insights import jobindex
from insignia.insights.models import Employer, Job, JobBitmap, JobSkill
from insignia.insights.selectors import demand_for, posted_salary_range, recommendation_rows
from insignia.testing.factories import SkillFactory

pytestmark = pytest.mark.django_db


# --- the straightforward answers: aggregate the rows ----------------------------------------


def _live(skill_ids, now):
    return JobSkill.objects.filter(skill_id__in=skill_ids).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def rows_ranking(skill_ids, city, now, limit=20):
    weight = Case(When(required=True, then=Value(2)), default=Value(1), output_field=IntegerField())
    location = Max(
        Case(
            When(job__city__iexact=city, then=Value(2)),
            When(job__remote=True, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if city
        else Value(0, output_field=IntegerField())
    )
    return list(
        _live(skill_ids, now)
        .values("job_id")
        .annotate(score=Sum(weight), loc=location, posted=Max("posted_at"))
        .order_by("-score", "-loc", "-posted", "-job_id")[:limit]
    )


def rows_demand(skill_ids, now):
    jobs = Job.objects.filter(pk__in=_live(skill_ids, now).values("job_id"))
    regions = sorted(
        jobs.values("region", "country", "remote").annotate(n=Count("id")),
        key=lambda r: (-r["n"], r["region"], r["country"], r["remote"]),
    )[:8]
    employers = sorted(
        jobs.values("employer__name").annotate(n=Count("id")),
        key=lambda e: (-e["n"], e["employer__name"]),
    )[:8]
    return jobs.count(), [dict(r) for r in regions], [dict(e) for e in employers]


def rows_posted(skill_ids, now):
    jobs = Job.objects.filter(
        pk__in=_live(skill_ids, now).values("job_id"),
        annual_min__isnull=False,
        annual_max__isnull=False,
    )
    by_currency = {}
    for job in jobs:
        by_currency.setdefault(job.salary_currency, []).append(job)
    if not by_currency:
        return None
    currency = min(by_currency, key=lambda c: (-len(by_currency[c]), c))
    chosen = by_currency[currency]
    mids = sorted(jobindex.salary_point((j.annual_min + j.annual_max) / 2) for j in chosen)
    if len(mids) == 1:
        cuts = [mids[0]] * 5
    else:
        q = statistics.quantiles(mids, n=20, method="inclusive")
        cuts = [Decimal(q[i]).quantize(Decimal(1)) for i in (1, 4, 9, 14, 17)]
    years = sorted({j.posted_at.year for j in chosen})
    return currency, len(chosen), cuts, years[0], years[-1]


def index_posted(skill_ids, now):
    found = posted_salary_range(skill_ids=skill_ids, now=now)
    if found is None:
        return None
    cuts = [found.p10, found.p25, found.median, found.p75, found.p90]
    years = found.source.split(", ")[1].split(" (")[0].split("–")
    return found.currency, found.count, cuts, int(years[0]), int(years[-1])


# --- a crafted market --------------------------------------------------------------------------


@pytest.fixture
def market(db):
    """Jobs with several of a set's skills, expired and expiring ones, jobs without a salary or
    in another currency, remote ones, cities in other cases, and equal posting times."""
    now = timezone.now().replace(microsecond=0)
    skills = [SkillFactory(name=f"Skill {i}") for i in range(6)]
    employers = [Employer.objects.create(name=f"Employer {c}", slug=f"e-{c}") for c in "ABCD"]
    rng = random.Random(11)
    cities = ["Austin", "austin", "Boston", "", "Denver"]
    jobs = []
    for i in range(70):
        posted = now - dt.timedelta(hours=rng.choice([1, 2, 2, 5, 30, 400 * 24]))
        expires = rng.choice([None, None, now - dt.timedelta(hours=1), now + dt.timedelta(hours=3)])
        salary = rng.random() < 0.8
        low = Decimal(rng.randrange(30000, 90000, 250)) if salary else None
        job = Job.objects.create(
            employer=rng.choice(employers),
            title=f"Job {i}",
            city=rng.choice(cities),
            region=rng.choice(["", "TX", "MA"]),
            country=rng.choice(["", "US"]),
            remote=rng.random() < 0.3,
            salary_currency=rng.choice(["USD", "USD", "EUR"]) if salary else "",
            annual_min=low,
            annual_max=low + rng.randrange(0, 40000, 125) if low is not None else None,
            posted_at=posted,
            expires_at=expires,
        )
        for skill in rng.sample(skills, rng.randint(1, 4)):
            JobSkill.objects.create(
                job=job,
                skill=skill,
                required=rng.random() < 0.6,
                posted_at=posted,
                expires_at=expires,
            )
        jobs.append(job)
    jobindex.rebuild(now=now)
    return {"now": now, "skills": [s.pk for s in skills], "jobs": jobs, "employers": employers}


SETS = [[0], [0, 1], [0, 1, 2], [1, 3, 4, 5], [0, 1, 2, 3, 4, 5]]


def _check_all(market, now):
    ids = market["skills"]
    for chosen in SETS:
        skill_ids = [ids[i] for i in chosen]
        for city in ["", "Austin", "boston"]:
            expected = rows_ranking(skill_ids, city, now)
            got = recommendation_rows(skill_ids=skill_ids, city=city, now=now)
            assert got == expected, (chosen, city)
            # the whole ranking, not only its top: every job in order
            assert recommendation_rows(
                skill_ids=skill_ids, city=city, now=now, limit=500
            ) == rows_ranking(skill_ids, city, now, limit=500)
        demand = demand_for(skill_ids=skill_ids, now=now)
        count, regions, employers = rows_demand(skill_ids, now)
        assert demand.job_count == count
        assert demand.by_region == regions
        assert demand.top_employers == employers
        assert index_posted(skill_ids, now) == rows_posted(skill_ids, now)


def test_the_index_answers_what_the_rows_answer(market):
    _check_all(market, market["now"])
    # a job of several of the set's skills counts once
    assert demand_for(skill_ids=market["skills"], now=market["now"]).job_count == len(
        {
            job_id
            for job_id in _live(market["skills"], market["now"]).values_list("job_id", flat=True)
        }
    )


def test_jobs_expiring_after_the_index_was_folded_leave_at_their_time(market):
    later = market["now"] + dt.timedelta(hours=4)  # past the expiring jobs' closing time
    _check_all(market, later)
    earlier = market["now"] - dt.timedelta(minutes=30)  # before the folded moment: rows asked
    _check_all(market, earlier)


def test_the_index_kept_on_write_equals_one_rebuilt_from_the_rows(market):
    now = market["now"]
    jobs, employers = market["jobs"], market["employers"]
    changed = [jobs[0], jobs[1], jobs[2], jobs[3]]
    before = jobindex.snapshot([*(job.pk for job in changed), jobs[4].pk])
    jobs[0].city, jobs[0].remote, jobs[0].employer = "Denver", True, employers[3]
    jobs[0].save()
    jobs[1].expires_at = None  # reopened
    jobs[1].save()
    JobSkill.objects.filter(job=jobs[1]).update(expires_at=None)
    jobs[2].annual_min, jobs[2].annual_max, jobs[2].salary_currency = None, None, ""
    jobs[2].save()
    JobSkill.objects.filter(job=jobs[3]).delete()
    JobSkill.objects.create(job=jobs[3], skill_id=market["skills"][5], posted_at=jobs[3].posted_at)
    jobs[4].delete()
    jobindex.jobs_changed(before=before, job_ids=[job.pk for job in changed])
    _check_all(market, now)

    kept = {(b.kind, b.key): jobindex.to_int(b.bits) for b in JobBitmap.objects.all()}
    jobindex.rebuild(now=now)
    rebuilt = {(b.kind, b.key): jobindex.to_int(b.bits) for b in JobBitmap.objects.all()}
    expired = (jobindex.EXPIRED, "")
    assert {k: v for k, v in kept.items() if v and k != expired} == {
        k: v for k, v in rebuilt.items() if v and k != expired
    }


def test_salary_points_keep_three_significant_figures():
    point = jobindex.salary_point
    assert point(Decimal("58682.5")) == Decimal(58700)
    assert point(Decimal("123456")) == Decimal(123000)
    assert point(Decimal("15")) == Decimal(15)
    assert point(Decimal("0")) == Decimal(0)


def test_bitmaps_round_trip_job_ids():
    ids = [0, 1, 7, 8, 9, 63, 64, 1000, 99999]
    bits = jobindex.bits_of(ids)
    assert jobindex.ids_of(bits) == ids
    assert jobindex.to_int(jobindex.to_bytes(bits)) == bits
    assert bits.bit_count() == len(ids)


@pytest.mark.parametrize("scan", [1000, 2])
def test_large_score_groups_are_ordered_by_the_newest_scan_or_in_chunks(market, monkeypatch, scan):
    # Small limits stand in for 100k jobs: groups beyond FETCH_BY_ID are read newest first,
    # and when the scan finds too few, by id in chunks.
    from insignia.insights import selectors

    monkeypatch.setattr(selectors, "_FETCH_BY_ID", 3)
    monkeypatch.setattr(selectors, "_SCAN_NEWEST", scan)
    _check_all(market, market["now"])


def test_the_rebuild_command_repairs_jobs_written_around_the_write_paths(market):
    now = market["now"]
    skill = market["skills"][0]
    job = Job.objects.create(
        employer=market["employers"][0], title="Loaded by SQL", posted_at=now, remote=True
    )
    JobSkill.objects.create(job=job, skill_id=skill, required=True, posted_at=now)
    assert demand_for(skill_ids=[skill], now=now).job_count == rows_demand([skill], now)[0] - 1
    call_command("rebuild_job_index", stdout=io.StringIO())
    _check_all(market, now)

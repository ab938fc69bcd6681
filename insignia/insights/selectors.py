"""Reads for insights: job search, recommendations, demand and salary figures, applications.

Recommendations, demand and posted salaries read the bitmap index of jobs
(``insignia.insights.jobindex``, maintained on every job write): a skill set's jobs are the OR
of its skills' bitmaps, each job once, and nothing aggregates job rows per request. Ranking:
skill overlap (a required skill weighs ``REQUIRED_WEIGHT``, a preferred one
``PREFERRED_WEIGHT``), then location match (2: the job is in the earner's city; 1: remote; 0:
otherwise; skipped when the earner gives no location), then the newest posting.

On top, an earner's page reuses the figures of their skill set while they are provably
unchanged (``insignia.insights.cache``: keyed by a jobs version bumped on every job write, and
valid only until the next matching job expires).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import (
    Max,
    Q,
    QuerySet,
)
from django.urls import reverse

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState, Visibility
from insignia.badges.models import BadgeTemplate, Skill
from insignia.insights import jobindex
from insignia.insights.cache import SkillSetCache
from insignia.insights.models import (
    Application,
    Employer,
    EmployerMembership,
    Job,
    JobSkill,
    SkillOccupation,
    WageStat,
)
from insignia.insights.salaries import normalise_occupation_code, soc_of

REQUIRED_WEIGHT = 2
PREFERRED_WEIGHT = 1
NATIONAL_AREAS = {"u.s.", "us", "united states", "national"}


def active_jobs(*, now: dt.datetime) -> QuerySet[Job]:
    return Job.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


# --- the earner ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EarnerProfile:
    name: str
    headline: str
    location: str
    profile_url: str  # empty unless the profile is public


def earner_profile(user: User) -> EarnerProfile:
    """What the earners app knows about the user (when it is installed), else the user row."""
    name, headline, location, url = user.get_full_name(), "", "", ""
    if apps.is_installed("insignia.earners"):
        from insignia.earners.models import EarnerSettings, Profile

        profile = Profile.objects.filter(user=user).first()
        if profile is not None:
            name = profile.display_name or name
            headline, location = profile.headline, profile.location
            settings_row = EarnerSettings.objects.filter(user=user).first()
            if settings_row is None or settings_row.profile_public:
                url = profile.get_absolute_url()
    return EarnerProfile(name=name, headline=headline, location=location, profile_url=url)


def earner_badges(*, user: User) -> QuerySet[Award]:
    """The user's accepted, unrevoked badges: what insights and applications draw on."""
    return (
        Award.objects.filter(earner=user, state=AwardState.ACCEPTED, revoked_at__isnull=True)
        .select_related("template", "issuer")
        .order_by("-issued_on", "-id")
    )


@dataclass(frozen=True)
class BadgeRef:
    public_id: str
    name: str


def earner_skill_badges(*, user: User) -> dict[int, list[BadgeRef]]:
    """skill id → the earner's badges that stand for it."""
    rows = (
        BadgeTemplate.skills.through.objects.filter(
            badgetemplate__awards__earner=user,
            badgetemplate__awards__state=AwardState.ACCEPTED,
            badgetemplate__awards__revoked_at__isnull=True,
        )
        .values_list("skill_id", "badgetemplate__awards__public_id", "badgetemplate__name")
        .distinct()
    )
    found: dict[int, list[BadgeRef]] = defaultdict(list)
    for skill_id, public_id, name in rows:
        found[skill_id].append(BadgeRef(public_id, name))
    return dict(found)


def _city_of(location: str) -> str:
    return location.split(",")[0].strip()


# --- recommendations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    job: Job
    score: int
    location_match: int
    matched_skills: list[str]
    matched_badges: list[BadgeRef]


def recommendation_rows(
    *,
    skill_ids: list[int],
    city: str,
    now: dt.datetime,
    limit: int = 20,
    found: jobindex.SkillSetBits | None = None,
) -> list[dict[str, Any]]:
    """The ranking itself: ``[{job_id, score, loc, posted}]``, best first.

    From the bitmap index (``insignia.insights.jobindex``): the jobs of each score, highest
    first, split by location match, each group newest first, until ``limit`` are found."""
    if not skill_ids:
        return []
    found = found or skill_set_bits(skill_ids, now)
    in_city = jobindex.in_bitmap(jobindex.CITY, city.casefold()) if city else 0
    remote = jobindex.in_bitmap(jobindex.REMOTE, "") if city else 0
    rows: list[dict[str, Any]] = []
    for score in range(found.max_score, 0, -1):
        level = found.score_mask(score)
        if not level:
            continue
        tiers = (
            [(2, level & in_city), (1, level & remote & ~in_city), (0, level & ~in_city & ~remote)]
            if city
            else [(0, level)]
        )
        for loc, mask in tiers:
            for job_id, posted in _newest(mask, limit - len(rows)):
                rows.append({"job_id": job_id, "score": score, "loc": loc, "posted": posted})
            if len(rows) >= limit:
                return rows
    return rows


# Up to this many jobs are fetched by id and sorted. A larger set is matched against the jobs
# read newest first, which finds ``n`` of them after about ``n / density`` rows; if its jobs
# are all old (that many rows read in vain), they are fetched by id after all, in chunks.
_FETCH_BY_ID = 2000
_SCAN_NEWEST = 20000


def _newest(mask: int, n: int) -> list[tuple[int, dt.datetime]]:
    if not mask or n <= 0:
        return []
    newest = Job.objects.order_by("-posted_at", "-id").values_list("pk", "posted_at")
    if mask.bit_count() > _FETCH_BY_ID:
        found = []
        for pk, posted in newest[:_SCAN_NEWEST].iterator(chunk_size=1000):
            if mask >> pk & 1:
                found.append((pk, posted))
                if len(found) == n:
                    return found
    ids = jobindex.ids_of(mask)
    best: list[tuple[int, dt.datetime]] = []
    for start in range(0, len(ids), _FETCH_BY_ID):
        chunk = list(newest.filter(pk__in=ids[start : start + _FETCH_BY_ID])[:n])
        best = sorted([*best, *chunk], key=lambda row: (row[1], row[0]), reverse=True)[:n]
    return best


def recommended_jobs(*, user: User, now: dt.datetime, limit: int = 20) -> list[Recommendation]:
    by_skill = earner_skill_badges(user=user)
    skill_ids = sorted(by_skill)
    return _recommendations(
        by_skill=by_skill,
        city=_city_of(earner_profile(user).location),
        now=now,
        limit=limit,
        cached=SkillSetCache(skill_ids, now),
        found=lambda: skill_set_bits(skill_ids, now),
    )


def _recommendations(
    *,
    by_skill: dict[int, list[BadgeRef]],
    city: str,
    now: dt.datetime,
    limit: int,
    cached: SkillSetCache,
    found: Callable[[], jobindex.SkillSetBits],
) -> list[Recommendation]:
    if not by_skill:
        return []
    skill_ids = sorted(by_skill)
    rows = cached.get(
        "rank",
        lambda: recommendation_rows(
            skill_ids=skill_ids, city=city, now=now, limit=limit, found=found()
        ),
        extra=f"{limit}|{city}",
    )
    ids = [row["job_id"] for row in rows]
    jobs = Job.objects.select_related("employer").in_bulk(ids)
    # Every job write bumps the version the rows are cached under; this guards only against a
    # write that bypassed it (a raw queryset delete elsewhere): show fewer jobs, never fail.
    rows = [row for row in rows if row["job_id"] in jobs]
    matched: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for job_id, skill_id, name in JobSkill.objects.filter(
        job_id__in=ids, skill_id__in=skill_ids
    ).values_list("job_id", "skill_id", "skill__name"):
        matched[job_id].append((name, skill_id))
    result = []
    for row in rows:
        skills = sorted(matched[row["job_id"]])
        badges: dict[str, BadgeRef] = {}
        for _name, skill_id in skills:
            for badge in by_skill.get(skill_id, []):
                badges.setdefault(badge.public_id, badge)
        result.append(
            Recommendation(
                job=jobs[row["job_id"]],
                score=row["score"],
                location_match=row["loc"],
                matched_skills=[name for name, _ in skills],
                matched_badges=list(badges.values()),
            )
        )
    return result


# --- demand and salaries ------------------------------------------------------------------


@dataclass(frozen=True)
class SalaryRange:
    label: str  # what it is: an occupation and area, or "Posted salaries"
    source: str  # where it comes from and the year(s)
    currency: str
    p10: Decimal | None
    p25: Decimal | None
    median: Decimal | None
    p75: Decimal | None
    p90: Decimal | None
    count: int | None = None
    top_coded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Demand:
    job_count: int
    by_region: list[dict[str, Any]]
    top_employers: list[dict[str, Any]]


def skill_set_bits(skill_ids: list[int], now: dt.datetime) -> jobindex.SkillSetBits:
    """The live jobs asking for any of the skills, each once, with their ranking scores."""
    return jobindex.skill_set_bits(
        skill_ids=skill_ids,
        now=now,
        required_weight=REQUIRED_WEIGHT,
        preferred_weight=PREFERRED_WEIGHT,
    )


def demand_for(
    *, skill_ids: list[int], now: dt.datetime, found: jobindex.SkillSetBits | None = None
) -> Demand:
    """Jobs asking for any of the skills (each once), the regions and employers with most."""
    if not skill_ids:
        return Demand(0, [], [])
    jobs = (found or skill_set_bits(skill_ids, now)).union
    by_region = jobindex.counts_by(jobindex.REGION, jobs, top=8)
    counted = sorted((-n, *json.loads(key)) for key, n in by_region.items())
    regions: list[dict[str, Any]] = [
        {"region": region, "country": country, "remote": remote, "n": -n}
        for n, region, country, remote in counted
    ]
    by_employer = {
        int(key): n for key, n in jobindex.counts_by(jobindex.EMPLOYER, jobs, top=8).items()
    }
    names = dict(Employer.objects.filter(pk__in=by_employer).values_list("pk", "name"))
    employers: list[dict[str, Any]] = [
        {"employer__name": name, "n": -n}
        for n, name in sorted((-n, names[pk]) for pk, n in by_employer.items() if pk in names)
    ]
    return Demand(jobs.bit_count(), regions[:8], employers[:8])


def _histogram_quantiles(histogram: dict[Decimal, int]) -> tuple[Decimal, ...]:
    """p10, p25, median, p75 and p90 of the values a histogram ``{value: how many}`` stands
    for, interpolated as ``statistics.quantiles(method="inclusive")`` does, rounded to 1."""
    values = sorted(histogram)
    total = sum(histogram.values())

    def at(rank: int) -> Decimal:  # the rank-th smallest value, from 0
        seen = 0
        for value in values:
            seen += histogram[value]
            if rank < seen:
                return Decimal(value)
        return Decimal(values[-1])

    found = []
    for i in (2, 5, 10, 15, 18):  # p10, p25, p50, p75, p90 in twentieths
        j, delta = divmod(i * (total - 1), 20)
        value = (at(j) * (20 - delta) + at(j + 1) * delta) / 20
        found.append(value.quantize(Decimal(1)))
    return tuple(found)


def posted_salary_range(
    *, skill_ids: list[int], now: dt.datetime, found: jobindex.SkillSetBits | None = None
) -> SalaryRange | None:
    """Percentiles of the annualised mid-points of matching jobs' posted salaries, in the
    currency most of them use (ranges in different currencies do not mix). Mid-points count
    rounded to 3 significant figures (``jobindex.salary_point``): the percentiles are within
    0.5 % of those of the exact mid-points."""
    if not skill_ids:
        return None
    jobs = (found or skill_set_bits(skill_ids, now)).union
    histograms: dict[str, dict[Decimal, int]] = defaultdict(dict)
    for key, n in jobindex.counts_by(jobindex.SALARY, jobs).items():
        currency, point = key.rsplit(":", 1)
        histograms[currency][Decimal(point)] = n
    if not histograms:
        return None
    currency = min(histograms, key=lambda c: (-sum(histograms[c].values()), c))
    histogram = histograms[currency]
    count = sum(histogram.values())
    years = sorted(
        int(key.rsplit(":", 1)[1])
        for key in jobindex.counts_by(jobindex.SALARY_YEAR, jobs)
        if key.startswith(f"{currency}:")
    )
    p10, p25, median, p75, p90 = _histogram_quantiles(histogram)
    first, last = years[0], years[-1]
    year_label = str(first) if first == last else f"{first}–{last}"
    return SalaryRange(
        label="Posted salaries",
        source=(
            f"Jobs posted on this site, {year_label} "
            f"({count} with a salary; mid-points to {jobindex.SALARY_DIGITS} significant figures)"
        ),
        currency=currency,
        p10=p10,
        p25=p25,
        median=median,
        p75=p75,
        p90=p90,
        count=count,
    )


def wage_ranges(
    *, skill_ids: list[int], limit: int = 6, prefer: frozenset[str] = frozenset()
) -> list[SalaryRange]:
    """OEWS rows of the occupations the skills map to: latest year, national rows first, and
    among those the SOC codes in ``prefer`` (e.g. a template's own alignments) first."""
    socs = set(
        SkillOccupation.objects.filter(skill_id__in=skill_ids).values_list("soc_code", flat=True)
    )
    if not socs:
        return []
    latest = WageStat.objects.filter(occ_code__in=socs).aggregate(year=Max("year"))["year"]
    stats = sorted(
        WageStat.objects.filter(occ_code__in=socs, year=latest),
        key=lambda w: (
            w.area_title.casefold() not in NATIONAL_AREAS,
            w.occ_code not in prefer,
            w.occ_code,
            w.area_title,
        ),
    )
    return [
        SalaryRange(
            label=f"{w.occ_title} ({w.occ_code}) · {w.area_title}",
            source=f"{w.source}, {w.year}",
            currency="USD",
            p10=w.a_pct10,
            p25=w.a_pct25,
            median=w.a_median,
            p75=w.a_pct75,
            p90=w.a_pct90,
            count=w.tot_emp,
            top_coded=tuple(w.top_coded),
        )
        for w in stats[:limit]
    ]


@dataclass
class SalaryChart:
    """Box plots on one shared axis, laid out for a server-rendered SVG (no JS)."""

    width: int
    height: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)


def salary_chart(ranges: list[SalaryRange], *, width: int = 640) -> SalaryChart | None:
    plotted = [r for r in ranges if r.p10 is not None and r.p90 is not None]
    if not plotted:
        return None
    low = min(r.p10 for r in plotted if r.p10 is not None)
    high = max(r.p90 for r in plotted if r.p90 is not None)
    step = Decimal(10000) if high - low <= 150000 else Decimal(25000)
    low = (low // step) * step
    high = (high // step + 1) * step
    left, right, row_h = 16, 16, 44
    span = high - low or Decimal(1)

    def x(value: Decimal | None) -> float:
        value = low if value is None else value
        return round(left + float((value - low) / span) * (width - left - right), 1)

    chart = SalaryChart(width=width, height=len(plotted) * row_h + 36)
    for i, r in enumerate(plotted):
        y = 14 + i * row_h
        chart.rows.append(
            {
                "label": r.label,
                "source": r.source,
                "y": y,
                "box_y": y + 12,
                "mid_y": y + 21,
                "x10": x(r.p10),
                "x25": x(r.p25 or r.p10),
                "x50": x(r.median),
                "x75": x(r.p75 or r.p90),
                "x90": x(r.p90),
                "box_w": round(x(r.p75 or r.p90) - x(r.p25 or r.p10), 1),
                "has_median": r.median is not None,
                "title": (
                    f"{r.label}: p10 {r.p10:,.0f}, median "
                    f"{r.median if r.median is None else f'{r.median:,.0f}'}, p90 {r.p90:,.0f} "
                    f"{r.currency}"
                ),
            }
        )
    value = low
    while value <= high:
        chart.ticks.append({"x": x(value), "label": f"{int(value / 1000)}k"})
        value += step
    chart.ticks = chart.ticks[:: max(1, len(chart.ticks) // 8)]
    return chart


@dataclass(frozen=True)
class Insights:
    badges: list[Award]
    skills: list[Skill]
    demand: Demand
    wages: list[SalaryRange]
    posted: SalaryRange | None
    ranges: list[SalaryRange]
    chart: SalaryChart | None
    recommendations: list[Recommendation]


def earner_insights(*, user: User, now: dt.datetime) -> Insights:
    badges = list(earner_badges(user=user))
    by_skill = earner_skill_badges(user=user)
    skill_ids = sorted(by_skill)
    wages = wage_ranges(skill_ids=skill_ids)
    cached = SkillSetCache(skill_ids, now)
    # Read once for the three figures, and only if one of them is not cached.
    found = functools.cache(lambda: skill_set_bits(skill_ids, now))
    posted = cached.get(
        "posted", lambda: posted_salary_range(skill_ids=skill_ids, now=now, found=found())
    )
    demand = cached.get("demand", lambda: demand_for(skill_ids=skill_ids, now=now, found=found()))
    ranges = [*wages, *([posted] if posted and posted.currency == "USD" else [])]
    return Insights(
        badges=badges,
        skills=list(Skill.objects.filter(pk__in=skill_ids)),
        demand=demand,
        wages=wages,
        posted=posted,
        ranges=[*wages, *([posted] if posted else [])],
        chart=salary_chart(ranges),
        recommendations=_recommendations(
            by_skill=by_skill,
            city=_city_of(earner_profile(user).location),
            now=now,
            limit=20,
            cached=cached,
            found=found,
        ),
    )


@dataclass(frozen=True)
class TemplateMarket:
    job_count: int
    search_url: str
    wage: SalaryRange | None
    posted: SalaryRange | None


def template_market(*, template: BadgeTemplate, now: dt.datetime) -> TemplateMarket:
    """For public template pages: the jobs asking for its skills and what they pay."""
    skill_ids = list(template.skills.values_list("pk", flat=True))
    found = skill_set_bits(skill_ids, now) if skill_ids else None
    job_count = found.union.bit_count() if found else 0
    aligned = {
        normalise_occupation_code(code)
        for code in template.alignments.values_list("target_code", flat=True)
    }
    prefer = frozenset(soc_of(code) for code in aligned if code)
    wages = wage_ranges(skill_ids=skill_ids, limit=1, prefer=prefer)
    return TemplateMarket(
        job_count=job_count,
        search_url=reverse("insights:jobs") + f"?template={template.public_id}",
        wage=wages[0] if wages else None,
        posted=posted_salary_range(skill_ids=skill_ids, now=now, found=found),
    )


# --- search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobFilters:
    q: str = ""
    skill: str = ""  # slug
    template: str = ""  # a badge template's public id: any of its skills
    location: str = ""
    remote: bool = False
    salary_floor: Decimal | None = None


def job_search(*, filters: JobFilters, now: dt.datetime) -> QuerySet[Job]:
    qs = active_jobs(now=now).select_related("employer")
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(description_html__icontains=filters.q)
            | Q(employer__name__icontains=filters.q)
        )
    if filters.skill:
        qs = qs.filter(pk__in=JobSkill.objects.filter(skill__slug=filters.skill).values("job_id"))
    if filters.template:
        qs = qs.filter(
            pk__in=JobSkill.objects.filter(skill__templates__public_id=filters.template).values(
                "job_id"
            )
        )
    if filters.location:
        qs = qs.filter(
            Q(city__icontains=filters.location)
            | Q(region__icontains=filters.location)
            | Q(country__icontains=filters.location)
        )
    if filters.remote:
        qs = qs.filter(remote=True)
    if filters.salary_floor is not None:
        # A job qualifies when the top of its annual range reaches the floor.
        qs = qs.filter(annual_max__gte=filters.salary_floor)
    return qs.order_by("-posted_at", "-id")


def job_by_public_id(public_id: str) -> Job | None:
    return Job.objects.select_related("employer").filter(public_id=public_id).first()


def job_skill_names(job: Job) -> dict[str, list[str]]:
    rows = JobSkill.objects.filter(job=job).values_list("required", "skill__name")
    return {
        "required": sorted(n for r, n in rows if r),
        "preferred": sorted(n for r, n in rows if not r),
    }


# --- applications -------------------------------------------------------------------------


def employer_staff_of(*, user: User) -> QuerySet[Employer]:
    if not user.is_authenticated:
        return Employer.objects.none()
    return Employer.objects.filter(memberships__user=user)


def is_employer_staff(*, user: User, employer: Employer) -> bool:
    return bool(
        user.is_authenticated
        and EmployerMembership.objects.filter(employer=employer, user=user).exists()
    )


def applications_of_earner(*, user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("job", "job__employer")


def applications_of_employer(*, employer: Employer) -> QuerySet[Application]:
    return (
        Application.objects.filter(job__employer=employer)
        .select_related("job", "applicant")
        .prefetch_related("badges__template", "badges__issuer")
    )


def application_visible_to(*, application: Application, user: User) -> bool:
    """Its applicant and the staff of the employer it was sent to; nobody else."""
    if not user.is_authenticated:
        return False
    return application.applicant_id == user.pk or is_employer_staff(
        user=user, employer=application.job.employer
    )


def sendable_badges(*, user: User) -> QuerySet[Award]:
    return earner_badges(user=user).filter(visibility=Visibility.PUBLIC)

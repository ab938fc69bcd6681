"""Reads for insights: job search, recommendations, demand and salary figures, applications.

Recommendations aggregate ``JobSkill`` in SQL (one GROUP BY over the rows of the earner's
skills, using the ``(skill, expires_at, job)`` index) and load only the top jobs; nothing loops
over all jobs in Python. Ranking: skill overlap (a required skill weighs ``REQUIRED_WEIGHT``, a
preferred one ``PREFERRED_WEIGHT``), then location match (2: the job is in the earner's city;
1: remote; 0: otherwise; skipped when the earner gives no location), then the newest posting.

An earner's page reuses the ranking, demand and posted-salary figures of their skill set while
they are provably unchanged (``insignia.insights.cache``: keyed by a jobs version bumped on
every job write, and valid only until the next matching job expires), so results stay exact.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.urls import reverse

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState, Visibility
from insignia.badges.models import BadgeTemplate, Skill
from insignia.insights.cache import cached_for_skills
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


def _active_job_skills(*, skill_ids: list[int], now: dt.datetime) -> QuerySet[JobSkill]:
    return JobSkill.objects.filter(skill_id__in=skill_ids).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


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
    *, skill_ids: list[int], city: str, now: dt.datetime, limit: int = 20
) -> list[dict[str, Any]]:
    """The ranking itself, one SQL query: ``[{job_id, score, loc, posted}]``, best first."""
    weight = Case(
        When(required=True, then=Value(REQUIRED_WEIGHT)),
        default=Value(PREFERRED_WEIGHT),
        output_field=IntegerField(),
    )
    if city:
        location = Max(
            Case(
                When(job__city__iexact=city, then=Value(2)),
                When(job__remote=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    else:
        location = Max(Value(0, output_field=IntegerField()))
    return list(
        _active_job_skills(skill_ids=skill_ids, now=now)
        .values("job_id")
        .annotate(score=Sum(weight), loc=location, posted=Max("posted_at"))
        .order_by("-score", "-loc", "-posted", "-job_id")[:limit]
    )


def recommended_jobs(*, user: User, now: dt.datetime, limit: int = 20) -> list[Recommendation]:
    by_skill = earner_skill_badges(user=user)
    if not by_skill:
        return []
    skill_ids = sorted(by_skill)
    city = _city_of(earner_profile(user).location)
    rows = cached_for_skills(
        "rank",
        skill_ids=skill_ids,
        now=now,
        extra=f"{limit}|{city}",
        compute=lambda: recommendation_rows(skill_ids=skill_ids, city=city, now=now, limit=limit),
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


def demand_for(*, skill_ids: list[int], now: dt.datetime) -> Demand:
    if not skill_ids:
        return Demand(0, [], [])
    job_ids = _active_job_skills(skill_ids=skill_ids, now=now).values("job_id")
    jobs = Job.objects.filter(pk__in=job_ids)
    by_region = list(
        jobs.values("region", "country", "remote")
        .annotate(n=Count("id"))
        .order_by("-n", "region")[:8]
    )
    top_employers = list(
        jobs.values("employer__name").annotate(n=Count("id")).order_by("-n", "employer__name")[:8]
    )
    # Counted on the covering JobSkill index alone (every row's job exists: a foreign key).
    job_count = job_ids.distinct().count()
    return Demand(job_count, by_region, top_employers)


def _quantiles(values: list[Decimal]) -> tuple[Decimal, ...]:
    if len(values) == 1:
        return (values[0],) * 5
    deciles = statistics.quantiles(values, n=20, method="inclusive")
    # n=20 gives the 5th … 95th percentiles in steps of 5: p10 = [1], p25 = [4], p50 = [9] …
    return tuple(Decimal(deciles[i]).quantize(Decimal(1)) for i in (1, 4, 9, 14, 17))


def posted_salary_range(*, skill_ids: list[int], now: dt.datetime) -> SalaryRange | None:
    """Percentiles of the annualised mid-points of matching jobs' posted salaries, in the
    currency most of them use (ranges in different currencies do not mix)."""
    if not skill_ids:
        return None
    job_ids = _active_job_skills(skill_ids=skill_ids, now=now).values("job_id")
    jobs = Job.objects.filter(pk__in=job_ids, annual_max__isnull=False, annual_min__isnull=False)
    # The count and the span of years come with the currency choice, so the second query
    # fetches one number per job (the sum of its range) rather than three columns.
    currency_row = (
        jobs.values("salary_currency")
        .annotate(n=Count("id"), first=Min("posted_at"), last=Max("posted_at"))
        .order_by("-n")
        .first()
    )
    if currency_row is None:
        return None
    currency = currency_row["salary_currency"]
    sums = jobs.filter(salary_currency=currency).values_list(
        ExpressionWrapper(
            F("annual_min") + F("annual_max"),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        ),
        flat=True,
    )
    mids = sorted(total / 2 for total in sums)
    count = currency_row["n"]
    first, last = currency_row["first"].year, currency_row["last"].year
    p10, p25, median, p75, p90 = _quantiles(mids)
    year_label = str(first) if first == last else f"{first}–{last}"
    return SalaryRange(
        label="Posted salaries",
        source=f"Jobs posted on this site, {year_label} ({count} with a salary)",
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
    skill_ids = sorted(earner_skill_badges(user=user))
    wages = wage_ranges(skill_ids=skill_ids)
    # Demand and posted salaries aggregate every matching job (150k rows for popular skills):
    # cached per skill set while exact (see ``insignia.insights.cache``).
    posted = cached_for_skills(
        "posted",
        skill_ids=skill_ids,
        now=now,
        compute=lambda: posted_salary_range(skill_ids=skill_ids, now=now),
    )
    demand = cached_for_skills(
        "demand",
        skill_ids=skill_ids,
        now=now,
        compute=lambda: demand_for(skill_ids=skill_ids, now=now),
    )
    ranges = [*wages, *([posted] if posted and posted.currency == "USD" else [])]
    return Insights(
        badges=badges,
        skills=list(Skill.objects.filter(pk__in=skill_ids)),
        demand=demand,
        wages=wages,
        posted=posted,
        ranges=[*wages, *([posted] if posted else [])],
        chart=salary_chart(ranges),
        recommendations=recommended_jobs(user=user, now=now),
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
    job_count = (
        _active_job_skills(skill_ids=skill_ids, now=now).values("job_id").distinct().count()
        if skill_ids
        else 0
    )
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
        posted=posted_salary_range(skill_ids=skill_ids, now=now),
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

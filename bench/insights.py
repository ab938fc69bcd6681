"""Benchmark: job recommendations for one earner over 100,000 jobs and 1,000 skills, and the
JobPosting import rate.

Run from the repository root (PostgreSQL is measured too when a server URL is given; a scratch
database is created on it and dropped afterwards):

    .venv/bin/python bench/insights.py [--jobs 100000] [--skills 1000]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/0]
        [--keep DIR]

``--keep DIR`` keeps the data (the SQLite file in DIR, the PostgreSQL database
``insights_bench_keep``) and reuses it on the next run, which then migrates it and skips the
build (minutes); delete them by hand when done.

Each database runs in its own process (Django settings are per process). Data: N jobs with 3–8
skills each (about 2 required to 1 preferred), skills drawn with a Zipf-like skew so a few are
in many postings, as on real job boards. Two earners: a *typical* one (10 skills of middling
popularity) and a *popular-skills* one (the 10 most-wanted skills: the worst case, every fifth
job matches).

Figures, all in the same run, each against the 200 ms target where one applies:
- ``recommendation_rows`` (the ranking, from the bitmap index of jobs
  ``insignia.insights.jobindex``; never cached), ms per call;
- ``recommended_jobs`` (plus loading the top 20 jobs and naming the matched badges) and the
  full ``/insights/`` page (demand, salaries, chart, recommendations, through Django's test
  client), each twice: *cache miss* (the jobs version is bumped before every call, as after an
  import or a posting) and *cached* (the same skill set again, jobs unchanged; see
  ``insignia.insights.cache``); the page lines give the process's CPU time too, since on a
  shared machine wall time includes waiting for a core (the load average is printed);
- baseline 1, naive ORM: one query per skill, scores summed in Python over every matching row;
- baseline 2: a bare one-row request (``/healthz``) through the same client;
- import rate: a generated JobPosting ItemList file imported, then re-imported (updates).

``--redis URL`` puts the cache in Redis (as a scaled deployment does); without it the cache is
Django's per-process memory cache.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_MS = 200.0


# CPU milliseconds of this process for the last ``timed`` call (median): on a machine shared
# with other work, wall time includes waiting for a core; CPU time does not.
LAST_CPU_MS = 0.0


def timed(fn, repeat: int, before=None) -> float:
    """Median milliseconds of ``repeat`` calls after one warm-up call; ``before()`` runs
    untimed ahead of each call (used to make every call a cache miss)."""
    global LAST_CPU_MS
    fn()
    samples, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    LAST_CPU_MS = statistics.median(cpu)
    return statistics.median(samples)


def verdict(ms: float) -> str:
    return f"target ≤ {TARGET_MS:.0f} ms: {'met' if ms <= TARGET_MS else 'NOT met'}"


def run_one(label: str, n_jobs: int, n_skills: int, repeat: int, import_n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from insignia.accounts.models import User
    from insignia.awards.models import Award, AwardState
    from insignia.badges.models import BadgeTemplate, Skill
    from insignia.insights import jobindex
    from insignia.insights.cache import bump_jobs_version
    from insignia.insights.importers import import_jobs
    from insignia.insights.models import Employer, Job, JobSkill, SkillOccupation, WageStat
    from insignia.insights.selectors import recommendation_rows, recommended_jobs
    from insignia.issuers.models import Issuer

    rng = random.Random(7)
    now = timezone.now()
    t0 = time.perf_counter()

    def build() -> None:
        Skill.objects.bulk_create(
            Skill(name=f"Skill {i:04d}", slug=f"skill-{i:04d}") for i in range(n_skills)
        )
        skill_ids = list(Skill.objects.order_by("slug").values_list("pk", flat=True))
        weights = [1 / (rank + 1) ** 0.9 for rank in range(n_skills)]
        employers = Employer.objects.bulk_create(
            Employer(name=f"Employer {i}", slug=f"employer-{i}") for i in range(500)
        )
        cities = ["Austin", "Seattle", "Denver", "Boston", "Chicago", "Atlanta", "Portland"]
        batch = 5000
        for start in range(0, n_jobs, batch):
            jobs = Job.objects.bulk_create(
                Job(
                    employer=employers[rng.randrange(len(employers))],
                    title=f"Job {i}",
                    city=cities[i % len(cities)],
                    remote=i % 5 == 0,
                    posted_at=now - __import__("datetime").timedelta(minutes=i),
                    expires_at=None if i % 3 else now + __import__("datetime").timedelta(days=30),
                    salary_currency="USD",
                    annual_min=50000 + (i % 50) * 1000,
                    annual_max=80000 + (i % 50) * 1500,
                )
                for i in range(start, min(start + batch, n_jobs))
            )
            rows = []
            for job in jobs:
                chosen = set(rng.choices(skill_ids, weights=weights, k=rng.randint(3, 8)))
                rows.extend(
                    JobSkill(
                        job=job,
                        skill_id=s,
                        required=rng.random() < 0.67,
                        posted_at=job.posted_at,
                        expires_at=job.expires_at,
                    )
                    for s in chosen
                )
            JobSkill.objects.bulk_create(rows, batch_size=5000)
        for s in skill_ids[:50]:
            SkillOccupation.objects.create(skill_id=s, code="15-1244.00", soc_code="15-1244")
        WageStat.objects.create(
            year=2025,
            area_title="U.S.",
            occ_code="15-1244",
            occ_title="Admins",
            a_pct10=60000,
            a_pct25=70000,
            a_median=90000,
            a_pct75=110000,
            a_pct90=140000,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # bulk_create bypasses the write paths: build the bitmap index of jobs from the rows
        jobindex.rebuild(now=now)

    if not Job.objects.exists():
        build()
    else:
        # --keep: the data an earlier run built (building takes minutes, the figures seconds)
        imported = Job.objects.filter(source="imported")
        before = jobindex.snapshot(imported.values_list("pk", flat=True))
        imported.delete()
        jobindex.jobs_changed(before=before, job_ids=[])
    skill_ids = list(
        Skill.objects.filter(slug__startswith="skill-")
        .order_by("slug")
        .values_list("pk", flat=True)
    )
    build_s = time.perf_counter() - t0
    n_rows = JobSkill.objects.count()

    issuer, _ = Issuer.objects.get_or_create(
        slug="bench", defaults={"name": "Bench", "url": "https://b.example", "email": "b@b.example"}
    )

    def earner(email: str, skills: list[int]) -> User:
        found = User.objects.filter(email=email).first()
        if found is not None:
            return found
        user = User.objects.create_user(email, "x", full_name=email)
        for i in range(0, len(skills), 4):
            template = BadgeTemplate.objects.create(
                issuer=issuer,
                name=f"{email} {i}",
                slug=f"{email.split('@')[0]}-{i}",
                description="d",
                image="x.png",
                image_kind="png",
                state="active",
            )
            template.skills.set(skills[i : i + 4])
            Award.objects.create(
                issuer=issuer,
                template=template,
                recipient_email=email,
                recipient_name=email,
                salt="s",
                issued_on=now,
                state=AwardState.ACCEPTED,
                earner=user,
            )
        return user

    typical = earner("typical@example.com", skill_ids[100:110])
    popular = earner("popular@example.com", skill_ids[:10])

    def naive(user: User) -> list[int]:
        # Baseline 1: what a first version does — one query per skill, sum in Python.
        mine = sorted(
            set(
                BadgeTemplate.skills.through.objects.filter(
                    badgetemplate__awards__earner=user
                ).values_list("skill_id", flat=True)
            )
        )
        scores: dict[int, int] = defaultdict(int)
        for skill in mine:
            for job_id, required in (
                Job.objects.filter(job_skills__skill_id=skill)
                .exclude(expires_at__lte=now)
                .values_list("pk", "job_skills__required")
            ):
                scores[job_id] += 2 if required else 1
        return sorted(scores, key=lambda j: (-scores[j], -j))[:20]

    client_typical, client_popular, anon = Client(), Client(), Client()
    client_typical.force_login(typical)
    client_popular.force_login(popular)

    print(
        f"\n== {label}: {n_jobs:,} jobs, {n_skills:,} skills, {n_rows:,} job-skill rows "
        f"(built in {build_s:.0f} s); median of {repeat} calls =="
    )
    for name, user, client in (
        ("typical earner", typical, client_typical),
        ("popular-skills earner", popular, client_popular),
    ):
        mine = sorted(
            set(
                BadgeTemplate.skills.through.objects.filter(
                    badgetemplate__awards__earner=user
                ).values_list("skill_id", flat=True)
            )
        )
        matched = JobSkill.objects.filter(skill_id__in=mine).count()
        rank = timed(lambda m=mine: recommendation_rows(skill_ids=m, city="", now=now), repeat)
        # Cold: the jobs version is bumped before each call (what the first request after an
        # import or a posting pays). Warm: the same skill set again, jobs unchanged.
        full_cold = timed(
            lambda u=user: recommended_jobs(user=u, now=now), max(3, repeat // 3), bump_jobs_version
        )
        full = timed(lambda u=user: recommended_jobs(user=u, now=now), repeat)
        base = timed(lambda u=user: naive(u), max(3, repeat // 5))
        page_cold = timed(
            lambda c=client: c.get("/insights/"), max(3, repeat // 5), bump_jobs_version
        )
        page_cold_cpu = LAST_CPU_MS
        page = timed(lambda c=client: c.get("/insights/"), repeat)
        page_cpu = LAST_CPU_MS
        print(f"  {name} ({matched:,} matching job-skill rows):")
        print(f"    ranking query (recommendation_rows)   {rank:8.1f} ms   (uncached)")
        print(
            f"    recommended_jobs, cache miss           {full_cold:8.1f} ms   {verdict(full_cold)}"
        )
        print(f"    recommended_jobs, cached               {full:8.1f} ms   {verdict(full)}")
        print(
            f"    baseline: naive ORM query per skill    {base:8.1f} ms"
            f"   ({base / full:.1f}× slower than cached)"
        )
        print(
            f"    full /insights/ page, cache miss       {page_cold:8.1f} ms   {verdict(page_cold)}"
            f"   (CPU {page_cold_cpu:.0f} ms)"
        )
        print(
            f"    full /insights/ page, cached           {page:8.1f} ms   {verdict(page)}"
            f"   (CPU {page_cpu:.0f} ms)"
        )
    load = os.getloadavg()
    print(f"  load average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    bare = timed(lambda: anon.get("/healthz"), repeat)
    print(f"    baseline: bare one-row request /healthz {bare:7.1f} ms")

    # Import rate: a generated ItemList of JobPostings with skills by name.
    names = list(Skill.objects.order_by("slug").values_list("name", flat=True)[:200])
    postings = [
        {
            "@type": "ListItem",
            "item": {
                "@type": "JobPosting",
                "identifier": f"IMP-{i}",
                "title": f"Imported job {i}",
                "description": f"<p>Job <b>{i}</b></p><script>x()</script>",
                "datePosted": "2025-11-01",
                "hiringOrganization": {"name": f"Importer {i % 50}"},
                "jobLocation": {"address": {"addressLocality": "Austin", "addressRegion": "TX"}},
                "baseSalary": {
                    "currency": "USD",
                    "value": {"minValue": 60000, "maxValue": 90000, "unitText": "YEAR"},
                },
                "skills": ", ".join(rng.sample(names, 5)),
            },
        }
        for i in range(import_n)
    ]
    data = json.dumps({"@type": "ItemList", "itemListElement": postings}).encode()
    start = time.perf_counter()
    report = import_jobs(data)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = import_jobs(data)
    second = time.perf_counter() - start
    assert report.created == import_n and again.updated == import_n
    print(
        f"  import_jobs: {import_n:,} postings ({len(data) / 1e6:.1f} MB): "
        f"{import_n / first:,.0f} postings/s new, {import_n / second:,.0f} postings/s re-import"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--skills", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--import-postings", type=int, default=5_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (any database)")
    parser.add_argument(
        "--redis", default="", help="a Redis URL for the cache (else per-process memory)"
    )
    parser.add_argument(
        "--keep",
        default="",
        help="a directory: keep the SQLite file there and the PostgreSQL database "
        "insights_bench_keep, and reuse them on the next run (skips the build)",
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.child, args.jobs, args.skills, args.repeat, args.import_postings)
        return
    base_env = {
        **os.environ,
        "INSIGNIA_DEBUG": "0",
        # plain static storage (no manifest to build); nothing else changes
        "INSIGNIA_TESTING": "1",
        "SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DB_CONN_MAX_AGE": "600",
        "REDIS_URL": args.redis,
    }
    common = [
        sys.executable,
        __file__,
        "--jobs",
        str(args.jobs),
        "--skills",
        str(args.skills),
        "--repeat",
        str(args.repeat),
        "--import-postings",
        str(args.import_postings),
    ]
    with tempfile.TemporaryDirectory(prefix="insights-bench-") as tmp:
        (Path(tmp) / "static").mkdir()
        db_dir = args.keep or tmp
        Path(db_dir).mkdir(parents=True, exist_ok=True)
        env = {**base_env, "INSIGNIA_VAR_DIR": tmp, "DATABASE_URL": f"sqlite:///{db_dir}/bench.db"}
        subprocess.run([*common, "--child", "SQLite"], env=env, check=True)
    if args.postgres:
        import psycopg

        name = "insights_bench_keep" if args.keep else f"insights_bench_{os.getpid()}"
        parts = urlsplit(args.postgres)
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory(prefix="insights-bench-") as tmp:
                (Path(tmp) / "static").mkdir()
                env = {
                    **base_env,
                    "INSIGNIA_VAR_DIR": tmp,
                    "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}")),
                }
                subprocess.run([*common, "--child", "PostgreSQL"], env=env, check=True)
        finally:
            if not args.keep:
                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

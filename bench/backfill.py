"""Benchmark: a 100,000-row backfill end to end on PostgreSQL with two Celery workers, against
the database floor (a raw ``COPY`` of the same award rows).

Run from the repository root (needs PostgreSQL and Redis on 127.0.0.1):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/backfill.py \
        [--rows 100000] [--workers 2] [--chunk 1000] [--policy deny|allow]

A scratch database ``insignia_bench_backfill`` is created next to the one DATABASE_URL names
(and dropped at the end). Two ``celery worker --pool=solo`` processes (production settings,
Redis broker on an empty database number) run the chunks.

1. End to end: ``bulk_job_create`` on the CSV file (read, parse, validate every row, store the
   rows in priority order), then the workers award every chunk (awards + audit rows + throttled
   outbox rows, one transaction per chunk). Figure: awards/s from upload to the job's "done".
   Where the time goes: parse/validate/store (upload), and per-chunk load (the chunk's
   rows), validate (locks, templates, holders, owners), build, insert awards, audit, outbox
   and commit, summed over the chunks (both workers).
2. Baseline (the database floor): the same number of award rows, ``COPY``'d into a table
   shaped like ``awards_award`` (same columns and indexes) in one transaction.

Nothing is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(PYTHON).with_name("celery"))
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
SCRATCH = "insignia_bench_backfill"
sys.path.insert(0, str(ROOT))  # the children import config and insignia


# --- children (Django) ---------------------------------------------------------------------


def run_seed(out: Path, policy: str) -> None:
    import django

    django.setup()
    import datetime as dt

    from insignia.testing.factories import (
        BadgeTemplateFactory,
        IssuerFactory,
        ProgrammeFactory,
    )

    issuer = IssuerFactory()
    programme: Any = ProgrammeFactory(issuer=issuer, effective_date=dt.date(2015, 1, 1))
    template: Any = BadgeTemplateFactory(
        issuer=issuer, programme=programme, validity_days=3 * 365, duplicate_policy=policy
    )
    out.write_text(json.dumps({"programme": programme.pk, "template": template.public_id}))


def run_job(seed: Path, csv_path: Path, out: Path) -> None:
    import django

    django.setup()
    from insignia.badges.models import Programme
    from insignia.bulk.models import JobState
    from insignia.bulk.selectors import bulk_job_progress
    from insignia.bulk.services import bulk_job_create
    from insignia.core.audit import Actor

    programme = Programme.objects.select_related("issuer").get(
        pk=json.loads(seed.read_text())["programme"]
    )
    started = time.perf_counter()
    data = csv_path.read_bytes()
    job = bulk_job_create(
        actor=Actor.system("bench"),
        issuer=programme.issuer,
        file_bytes=data,
        filename=csv_path.name,
        kind="backfill",
        programme=programme,
    )
    uploaded = time.perf_counter()
    progress = bulk_job_progress(job)
    while progress["state"] != JobState.DONE:
        time.sleep(0.05)
        progress = bulk_job_progress(job)
    finished = time.perf_counter()
    out.write_text(
        json.dumps(
            {
                "upload": uploaded - started,
                "total": finished - started,
                "progress": progress,
            }
        )
    )


def run_counts(out: Path) -> None:
    import django

    django.setup()
    from insignia.awards.models import Award
    from insignia.core.models import AuditEvent
    from insignia.notifications.models import OutboxMessage

    out.write_text(
        json.dumps(
            {
                "awards": Award.objects.count(),
                "audit": AuditEvent.objects.filter(verb="award.issued").count(),
                "outbox": OutboxMessage.objects.count(),
            }
        )
    )


# --- orchestration -------------------------------------------------------------------------


def make_csv(path: Path, rows: int, template: str) -> None:
    import datetime as dt

    start = dt.date(2016, 1, 1)
    with path.open("w") as f:
        f.write("Badge Template ID,Recipient Email,First Name,Last Name,Issued At\n")
        for i in range(rows):
            day = start + dt.timedelta(days=i % 3500)
            f.write(f"{template},earner{i}@example.com,Earner,Number {i},{day.isoformat()}\n")


def empty_redis_db() -> int:
    import redis

    for db in range(12, 0, -1):
        if redis.Redis(REDIS_HOST, REDIS_PORT, db=db).dbsize() == 0:
            return db
    sys.exit("No empty Redis database to use.")


def child(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, __file__, *args], env=env, cwd=ROOT, check=True)


@contextlib.contextmanager
def workers(env: dict[str, str], n: int, logs: Path) -> Iterator[list[Path]]:
    procs, paths = [], []
    for i in range(n):
        path = logs / f"worker{i}.log"
        paths.append(path)
        procs.append(
            subprocess.Popen(
                [CELERY, "-A", "config", "worker", "--pool=solo", "-n", f"bench{i}@%h",
                 "--loglevel=INFO", "--without-gossip", "--without-mingle",
                 "--without-heartbeat"],
                env=env, cwd=ROOT, stdout=path.open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not all(b"ready." in p.read_bytes() for p in paths):
            time.sleep(0.2)
        yield paths
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def chunk_timings(paths: list[Path]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            if "bulk-chunk-timings " in line:
                for key, value in json.loads(line.split("bulk-chunk-timings ", 1)[1]).items():
                    totals[key] = totals.get(key, 0.0) + value
    return totals


def copy_baseline(url: str, rows: int) -> float:
    """The floor: the same number of award rows COPY'd into an awards_award-shaped table."""
    import datetime as dt

    import psycopg

    now = dt.datetime.now(dt.UTC)
    columns = (
        "public_id, created_at, updated_at, issuer_id, template_id, recipient_email, "
        "recipient_name, salt, external_id, issued_on, evidence, narrative, state, visibility, "
        "claim_token_hash, claim_token_expires_at, source, idempotency_key, "
        "suppress_notifications, revocation_reason"
    )
    buf = io.StringIO()
    for i in range(rows):
        buf.write(
            f"{secrets.token_urlsafe(12)}\t{now}\t{now}\t1\t1\tearner{i}@example.com\t"
            f"Earner Number {i}\t{secrets.token_hex(16)}\t\t{now}\t[]\t\tpending\tpublic\t"
            f"{secrets.token_hex(32)}\t{now}\tbackfill\tbulk:{secrets.token_hex(32)}\tf\t\n"
        )
    payload = buf.getvalue()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE bench_award (LIKE awards_award INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bench_award ({columns}) FROM STDIN") as copy:
            copy.write(payload)
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1000)
    # deny (the default policy) runs the duplicate check, under per-(template, recipient)
    # locks (insignia/awards/locks.py): chunks for different people run in parallel; allow
    # skips the check.
    parser.add_argument("--policy", choices=["deny", "allow"], default="deny")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (a scratch database is created there).")
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    url = urlunsplit(urlsplit(base)._replace(path=f"/{SCRATCH}"))
    tmp = Path(tempfile.mkdtemp(prefix="insignia-bench-backfill-"))
    redis_db = empty_redis_db()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "INSIGNIA_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "INSIGNIA_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "INSIGNIA_BULK_CHUNK_SIZE": str(args.chunk),
        "INSIGNIA_BULK_MAX_BYTES": str(50 * 1024 * 1024),
        "SITE_URL": "https://badges.example.org",
        "LOG_LEVEL": "INFO",
    }
    print(f"Backfill: {args.rows} rows, {args.workers} Celery workers (solo), PostgreSQL, "
          f"chunks of {args.chunk}, policy {args.policy}, Redis db {redis_db}")  # fmt: skip
    try:
        subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        child(env, "--seed", str(tmp / "seed.json"), args.policy)
        seed = json.loads((tmp / "seed.json").read_text())
        csv_path = tmp / "history.csv"
        make_csv(csv_path, args.rows, seed["template"])
        print(f"  file: {csv_path.stat().st_size / 1_048_576:.1f} MB")
        with workers(env, args.workers, tmp) as logs:
            child(env, "--job", str(tmp / "seed.json"), str(csv_path), str(tmp / "job.json"))
        result = json.loads((tmp / "job.json").read_text())
        child(env, "--counts", str(tmp / "counts.json"))
        counts = json.loads((tmp / "counts.json").read_text())
        timings = chunk_timings(logs)
        floor = copy_baseline(url, args.rows)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        import redis

        redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db).flushdb()
    total, upload = result["total"], result["upload"]
    created = result["progress"]["created"]
    print(f"  end to end: {created} awards in {total:.1f} s = {created / total:,.0f} awards/s "
          f"(target >= 1,700/s, 100k in <= 60 s)")  # fmt: skip
    print(f"  rows written: {counts['awards']} awards, {counts['audit']} audit rows, "
          f"{counts['outbox']} outbox rows")  # fmt: skip
    print(f"  upload (read, parse, validate, store rows in priority order): {upload:.1f} s")
    print(f"  awarding (workers): {total - upload:.1f} s wall; per-step sums over both workers:")
    for key in ("load", "validate", "build", "insert_awards", "audit", "outbox", "commit"):
        print(f"    {key:14s} {timings.get(key, 0.0):6.1f} s")
    print(f"  baseline (database floor): COPY of {args.rows} award rows in {floor:.2f} s "
          f"= {args.rows / floor:,.0f} rows/s")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--seed":
        run_seed(Path(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--job":
        run_job(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--counts":
        run_counts(Path(sys.argv[2]))
    else:
        main()

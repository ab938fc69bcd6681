"""Benchmark: award-email delivery from the outbox by two Celery worker processes to a local
SMTP server, against raw ``smtplib`` sending the same messages from one process.

Run from the repository root (needs Redis on 127.0.0.1:6379 and aiosmtpd from the dev extras):

    .venv/bin/python bench/email_delivery.py [--awards 10000] [--batch 500]

A scratch database is built (SQLite in a temporary directory; with DATABASE_URL set, a fresh
PostgreSQL database ``insignia_bench_email`` is created next to the one it names), an aiosmtpd
server runs in its own process and logs when each message arrives, and two ``celery worker
--pool=solo`` processes deliver (production settings, Redis broker on an empty database number).

1. Throughput: N awards are issued through ``award_issue`` (in transactions of ``--batch``)
   while the workers are stopped, so the queue holds N emails; the workers start and we time
   the drain. Figure: emails/s.
2. Lag: with the workers running, another burst of N awards is issued the same way. Figures:
   from the commit of the last award to the arrival of its email (and of the last email), and
   the p50/p99 of each email's arrival minus its transaction's commit.
3. Baseline (the SMTP floor): the N messages of step 1, rendered beforehand, sent with raw
   ``smtplib`` over one connection from this process.

Nothing is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(PYTHON).with_name("celery"))
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- child: the SMTP sink ------------------------------------------------------------------------


def run_sink(port: int, log_path: Path) -> None:
    """aiosmtpd in the foreground; one line per accepted message: arrival time and its id."""
    from aiosmtpd.controller import Controller

    log = log_path.open("a", buffering=1)

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            head = envelope.content.split(b"\r\n\r\n", 1)[0]
            message_id = b"-"
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"x-insignia-message:"):
                    message_id = line.split(b":", 1)[1].strip()
            log.write(f"{time.time():.6f} {message_id.decode()}\n")
            return "250 OK"

    # Blocked before the server thread starts (it inherits the mask), so sigwait gets them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


def arrivals(log_path: Path) -> list[tuple[float, str]]:
    if not log_path.exists():
        return []
    rows = []
    for line in log_path.read_text().splitlines():
        stamp, _, message_id = line.partition(" ")
        rows.append((float(stamp), message_id))
    return rows


# --- child: seeding and issuing (Django, the benchmark's environment) ----------------------------


def run_issue(count: int, batch: int, label: str, out: Path, render: bool) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction

    from insignia.awards.services import award_issue
    from insignia.badges.models import BadgeTemplate
    from insignia.core.audit import Actor
    from insignia.notifications.models import OutboxMessage
    from insignia.notifications.services import render_email

    template = BadgeTemplate.objects.get(slug="bench-badge")
    actor = Actor.system("bench")
    commits: list[float] = []
    batches: dict[str, int] = {}
    started = time.time()
    for b, start in enumerate(range(0, count, batch)):
        with transaction.atomic():
            # Registered first, so it runs first after COMMIT: the batch's commit time.
            transaction.on_commit(lambda: commits.append(time.time()))
            for i in range(start, min(start + batch, count)):
                result = award_issue(
                    actor=actor,
                    template=template,
                    recipient_email=f"{label}{i}@example.com",
                    recipient_name=f"Earner {i}",
                )
                batches[result.award.public_id] = b
    issued = time.time()
    by_award = dict(
        OutboxMessage.objects.filter(award__public_id__in=list(batches)).values_list(
            "award__public_id", "public_id"
        )
    )
    messages = {by_award[award]: b for award, b in batches.items()}
    rendered = []
    if render:
        for message in OutboxMessage.objects.filter(public_id__in=list(messages)).iterator():
            email = render_email(message)
            rendered.append(
                [
                    email.from_email,
                    email.to,
                    base64.b64encode(email.message().as_bytes(linesep="\r\n")).decode(),
                ]
            )
    out.write_text(
        json.dumps(
            {
                "started": started,
                "issued": issued,
                "commits": commits,
                "messages": messages,
                "rendered": rendered,
            }
        )
    )


def run_seed() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files.base import ContentFile

    from insignia.badges.models import BadgeTemplate, TemplateState
    from insignia.issuers.models import Issuer
    from insignia.testing.images import png_bytes

    issuer = Issuer.objects.create(
        name="Bench Certification", slug="bench", url="https://bench.example", email="b@x.example"
    )
    template = BadgeTemplate(
        issuer=issuer,
        name="Bench Badge",
        slug="bench-badge",
        description="A badge for the benchmark.",
        image_kind="png",
        state=TemplateState.ACTIVE,
        duplicate_policy="allow",
    )
    template.image.save("bench.png", ContentFile(png_bytes()), save=False)
    template.save()


# --- orchestration -----------------------------------------------------------------------------


def scratch_database(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    import psycopg

    parts = urlsplit(url)
    name = "insignia_bench_email"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}"))


def empty_redis_db() -> int:
    import redis

    for db in range(12, 0, -1):
        client = redis.Redis(REDIS_HOST, REDIS_PORT, db=db)
        if client.dbsize() == 0:
            return db
    sys.exit("No empty Redis database to use.")


def child(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, __file__, *args], env=env, cwd=ROOT, check=True)


@contextlib.contextmanager
def workers(env: dict[str, str], n: int, logs: Path) -> Iterator[None]:
    procs = []
    for i in range(n):
        log = (logs / f"worker{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [CELERY, "-A", "config", "worker", "--pool=solo", "-n", f"bench{i}@%h",
                 "--loglevel=WARNING", "--without-gossip", "--without-mingle",
                 "--without-heartbeat"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    try:
        yield
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_for(log: Path, total: int, timeout: float) -> list[tuple[float, str]]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = arrivals(log)
        if len(rows) >= total:
            return rows
        time.sleep(0.2)
    rows = arrivals(log)
    print(f"  ! timed out: {len(rows)} of {total} messages arrived", file=sys.stderr)
    return rows


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    n = args.awards

    tmp = Path(tempfile.mkdtemp(prefix="insignia-bench-email-"))
    database_url = scratch_database(tmp)
    redis_db = empty_redis_db()
    smtp_port = free_port()
    sink_log = tmp / "arrivals.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "INSIGNIA_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "INSIGNIA_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "SITE_URL": "https://badges.example.org",
        "LOG_LEVEL": "WARNING",
    }
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite (file, WAL)"
    print(f"Email delivery: {n} awards, {args.workers} Celery workers (solo), {engine}, "
          f"Redis db {redis_db}, aiosmtpd on :{smtp_port}")  # fmt: skip

    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    child(env, "--seed")
    sink = subprocess.Popen([PYTHON, __file__, "--sink", str(smtp_port), str(sink_log)], cwd=ROOT)
    try:
        time.sleep(1.0)
        # 1. Throughput: queue N while no worker runs, then drain with the workers.
        t0 = time.time()
        child(env, "--issue", str(n), str(args.batch), "a", str(tmp / "a.json"), "1")
        a = json.loads((tmp / "a.json").read_text())
        issue_rate = n / (a["issued"] - a["started"])
        print(f"  issued {n} awards (queued, workers stopped) in {time.time() - t0:.1f} s: "
              f"{issue_rate:.0f} awards/s incl. outbox rows")  # fmt: skip
        with workers(env, args.workers, tmp):
            start = time.time()
            rows = wait_for(sink_log, n, args.timeout)
            drained = rows[-1][0] if rows else time.time()
            # First to last arrival: the workers' start-up is not delivery.
            throughput = (len(rows) - 1) / (drained - rows[0][0]) if len(rows) > 1 else 0.0
            print(f"  drained {len(rows)} emails in {drained - start:.1f} s "
                  "(incl. worker start-up)")  # fmt: skip

            # 2. Lag: a burst of N with the workers running.
            child(env, "--issue", str(n), str(args.batch), "b", str(tmp / "b.json"), "0")
            b = json.loads((tmp / "b.json").read_text())
            rows_b = wait_for(sink_log, 2 * n, args.timeout)[len(rows) :]
        commits = b["commits"]
        lags = [t - commits[b["messages"][mid]] for t, mid in rows_b if mid in b["messages"]]
        last_batch = len(commits) - 1
        last_commit = commits[last_batch]
        last_batch_arrivals = [t for t, mid in rows_b if b["messages"].get(mid) == last_batch]
        seen = [mid for _, mid in rows_b]
        duplicates = len(seen) - len(set(seen))
        burst_rate = n / (b["issued"] - b["started"])

        # 3. Baseline: the same messages, pre-rendered, raw smtplib over one connection.
        baseline_msgs = [(f, t, base64.b64decode(raw)) for f, t, raw in a["rendered"]]
        smtp = smtplib.SMTP("127.0.0.1", smtp_port, timeout=10)
        started = time.perf_counter()
        for from_email, to, raw in baseline_msgs:
            smtp.sendmail(from_email, to, raw)
        floor = len(baseline_msgs) / (time.perf_counter() - started)
        smtp.quit()
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=10)
        import redis

        redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db).flushdb()

    print()
    print(f"  Throughput, {args.workers} Celery workers: {throughput:8.0f} emails/s")
    print(f"  Baseline, raw smtplib, 1 process:  {floor:8.0f} emails/s  (the SMTP floor)")
    print(f"  Ratio workers / floor:             {throughput / floor:8.2f}")
    print(f"  Burst of {n} awards issued at {burst_rate:.0f} awards/s in "
          f"{len(commits)} transactions:")  # fmt: skip
    if last_batch_arrivals:
        print(
            f"    last commit → its last email:    {max(last_batch_arrivals) - last_commit:8.2f} s"
        )
    print(f"    last commit → all delivered:     {rows_b[-1][0] - last_commit:8.2f} s"
          if rows_b else "    nothing delivered")  # fmt: skip
    if lags:
        print(
            f"    per-email lag p50 / p99:        {pct(lags, 0.5):6.2f} s / {pct(lags, 0.99):.2f} s"
        )
    print(f"    delivered {len(rows_b)} of {n}; duplicates: {duplicates}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--sink":
        run_sink(int(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--seed":
        run_seed()
    elif len(sys.argv) > 1 and sys.argv[1] == "--issue":
        count, batch, label, out, render = sys.argv[2:7]
        run_issue(int(count), int(batch), label, Path(out), render == "1")
    else:
        main()

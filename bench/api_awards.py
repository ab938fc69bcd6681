"""Benchmark: single-award create (``POST /api/v1/awards``) under 20 concurrent API clients,
against two baselines measured in the same run with the same clients and server.

Run from the repository root (``make bench`` does):

    [DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch>] \
        .venv/bin/python bench/api_awards.py [--clients 20] [--duration 10]

It builds a scratch database (SQLite in a temporary directory; PostgreSQL if DATABASE_URL is
set, which must then name a scratch database), seeds one issuer, one active template
(``--templates N`` for more; duplicate policy "deny", so the duplicate check runs on every
create) and one write-scoped issuer API token, starts gunicorn (production settings,
in-process email delivery to the local outbox, the embedded default) and runs a bounded
Python thread pool of N keep-alive clients:

1. baseline A: ``GET /bench/bare/<id>`` (bare Django view, one row → JSON, no auth);
2. baseline B: ``GET /api/v1/whoami`` (authenticated DRF no-op: token lookup, scope, throttle);
3. ``POST /api/v1/awards``: every request a new recipient and a new ``Idempotency-Key``; one
   request in ten is then retried with the same key (must answer 200, create nothing).

Then the database is checked: awards created == 201 responses, no two awards share a
recipient, no idempotency key is used twice, one ``award.issued`` audit row per award. Nothing
is asserted about time; the figures are printed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hosted_assertion as ha


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0
    created: list[str] = field(default_factory=list)

    def line(self) -> str:
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0] * 99
        rps = len(self.latencies) / self.seconds if self.seconds else 0.0
        five = sum(n for code, n in self.statuses.items() if code >= 500)
        return (
            f"{self.name:<44} {rps:8.1f} req/s  p50 {cuts[49] * 1000:7.1f} ms  "
            f"p99 {cuts[98] * 1000:7.1f} ms  5xx {five}  conn errors {self.errors}  "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


# --- seeding (child process, benchmark environment) ----------------------------------------


def seed(out: Path, templates: int) -> None:
    sys.path.insert(0, str(ha.ROOT))
    import django

    django.setup()
    from insignia.api.services import api_token_create
    from insignia.core.audit import Actor
    from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, IssuerFactory

    suffix = secrets.token_hex(4)
    issuer = IssuerFactory(name="Bench API Issuer", slug=f"bench-api-{suffix}")
    template_ids = [
        BadgeTemplateFactory(issuer=issuer, slug=f"bench-api-badge-{suffix}-{i}").public_id
        for i in range(templates)
    ]
    award = AwardFactory(template__issuer=issuer)
    token = api_token_create(
        actor=Actor.system("bench"), issuer=issuer, name="bench", scopes="read write"
    )
    out.write_text(
        json.dumps(
            {
                "issuer_id": issuer.pk,
                "templates": template_ids,
                "award": award.public_id,
                "token": token.raw,
            }
        )
    )


def verify(info_file: Path, out: Path) -> None:
    sys.path.insert(0, str(ha.ROOT))
    import django

    django.setup()
    from django.db.models import Count

    from insignia.awards.models import Award
    from insignia.core.models import AuditEvent

    info = json.loads(info_file.read_text())
    awards = Award.objects.filter(issuer_id=info["issuer_id"], source="api")
    dup_emails = awards.values("recipient_email").annotate(n=Count("id")).filter(n__gt=1).count()
    dup_keys = (
        awards.exclude(idempotency_key="")
        .values("idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    out.write_text(
        json.dumps(
            {
                "awards": awards.count(),
                "ids": list(awards.values_list("public_id", flat=True)),
                "duplicate_recipients": dup_emails,
                "duplicate_keys": dup_keys,
                "issued_audit_rows": AuditEvent.objects.filter(
                    issuer_id=info["issuer_id"], verb="award.issued"
                ).count(),
            }
        )
    )


# --- load --------------------------------------------------------------------------------------


def load(
    name: str,
    port: int,
    clients: int,
    duration: float,
    request: object,  # (client index, sequence) -> list of (method, path, body, headers)
) -> Run:
    run = Run(name)
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        created: list[str] = []
        errors = 0
        sequence = 0
        while time.monotonic() < stop:
            sequence += 1
            for method, path, body, headers in request(index, sequence):  # type: ignore[operator]
                started = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                except OSError:
                    errors += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[response.status] += 1
                if response.status == 201:
                    created.append(json.loads(payload)["data"]["id"])
        conn.close()
        with lock:
            run.latencies += latencies
            run.statuses += statuses
            run.created += created
            run.errors += errors

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.monotonic() - began
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent API clients")
    parser.add_argument("--duration", type=float, default=10, help="seconds per case")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--retry-every", type=int, default=10, help="retry 1 in N creates")
    parser.add_argument(
        "--templates",
        type=int,
        default=1,
        help="templates the creates spread over (1: one exam's results, the worst case for "
        "contention on one template)",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        help="queue emails on this (empty) Redis database on 127.0.0.1:6379 with no worker, as "
        "the scaled deployment does, instead of delivering them in the request (the default)",
    )
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    parser.add_argument("--verify", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        seed(Path(args.seed_into), args.templates)
        return
    if args.verify:
        verify(Path(args.verify[0]), Path(args.verify[1]))
        return

    scratch = Path(tempfile.mkdtemp(prefix="insignia-bench-api-"))
    port = ha.free_port()
    env = ha.bench_env(scratch, port)
    # The benchmark measures the server, not the rate limit.
    env["INSIGNIA_API_THROTTLE_RATE"] = "1000000/minute"
    redis_client = None
    if args.redis_db is not None:
        import redis

        redis_client = redis.Redis(host="127.0.0.1", port=6379, db=args.redis_db)
        if redis_client.dbsize():
            raise SystemExit(f"Redis database {args.redis_db} is not empty; choose another.")
        env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{args.redis_db}"
    run_opts = {"env": env, "cwd": ha.ROOT, "check": True}
    database = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite"
    try:
        print(f"Scratch database: {database}; migrating and seeding…", flush=True)
        subprocess.run([ha.PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], **run_opts)  # type: ignore[call-overload]
        info_file = scratch / "seed.json"
        subprocess.run([ha.PYTHON, __file__, "--seed-into", str(info_file)], **run_opts)  # type: ignore[call-overload]
        info = json.loads(info_file.read_text())
        auth = {"Authorization": f"Bearer {info['token']}"}
        run_id = secrets.token_hex(3)

        def bare(index: int, seq: int) -> list[tuple[str, str, None, dict[str, str]]]:
            return [("GET", f"/bench/bare/{info['award']}", None, {})]

        def whoami(index: int, seq: int) -> list[tuple[str, str, None, dict[str, str]]]:
            return [("GET", "/api/v1/whoami", None, auth)]

        def create(index: int, seq: int) -> list[tuple[str, str, bytes, dict[str, str]]]:
            key = f"{run_id}-{index}-{seq}"
            body = json.dumps(
                {
                    "template_id": info["templates"][(index + seq) % len(info["templates"])],
                    "recipient_email": f"earner-{key}@example.com",
                    "recipient_name": f"Earner {key}",
                }
            ).encode()
            headers = auth | {"Content-Type": "application/json", "Idempotency-Key": key}
            calls = [("POST", "/api/v1/awards", body, headers)]
            if seq % args.retry_every == 0:
                calls.append(("POST", "/api/v1/awards", body, headers))  # a client's retry
            return calls

        print(
            f"gunicorn {args.workers} workers × {args.threads} threads on 127.0.0.1:{port}; "
            f"{args.clients} keep-alive Python client threads, {args.duration:g} s per case, "
            f"creates over {args.templates} template(s), emails "
            + ("queued on Redis" if args.redis_db is not None else "delivered in the request"),
            flush=True,
        )
        with ha.gunicorn(env, port, args.workers, args.threads):
            for name, fn in (("warm-up bare", bare), ("warm-up whoami", whoami)):
                load(name, port, args.clients, args.warmup, fn)
            cases = [
                ("baseline A: bare view, one row → JSON", bare),
                ("baseline B: GET /api/v1/whoami (auth no-op)", whoami),
                ("POST /api/v1/awards (create, 10% retried)", create),
            ]
            results = [load(n, port, args.clients, args.duration, fn) for n, fn in cases]
        verdict_file = scratch / "verify.json"
        subprocess.run(  # type: ignore[call-overload]
            [ha.PYTHON, __file__, "--verify", str(info_file), str(verdict_file)], **run_opts
        )
        verdict = json.loads(verdict_file.read_text())
        print()
        for result in results:
            print(result.line())
        creates = results[-1]
        replays = creates.statuses.get(200, 0)
        print()
        print(
            f"201 created: {len(creates.created)}; 200 replays (same key): {replays}; "
            f"awards in the database: {verdict['awards']}; "
            f"duplicate recipients: {verdict['duplicate_recipients']}; "
            f"duplicate idempotency keys: {verdict['duplicate_keys']}; "
            f"award.issued audit rows: {verdict['issued_audit_rows']}"
        )
        same = sorted(creates.created) == sorted(verdict["ids"])
        print(f"201 ids == database ids: {same}")
        base_b = results[1]
        if base_b.latencies and creates.latencies:
            ratio = (len(creates.latencies) / creates.seconds) / (
                len(base_b.latencies) / base_b.seconds
            )
            print(f"create throughput / authenticated no-op throughput: {ratio:.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if redis_client is not None:
            redis_client.flushdb()  # the queued, never-delivered email tasks


if __name__ == "__main__":
    main()

"""Benchmark: the hosted assertion JSON (`GET /badges/<id>`, `Accept: application/ld+json`)
against a bare Django view that reads one row by key and returns JSON.

Run from the repository root (``make bench`` does):

    .venv/bin/python bench/hosted_assertion.py [--awards 1000] [--duration 10]

It builds a scratch database (SQLite in a temporary directory; PostgreSQL if DATABASE_URL is set,
which must then name a scratch database), seeds one issuer, one template and N accepted awards,
starts gunicorn (production settings, INSIGNIA_DEBUG=0, persistent DB connections) on a free
loopback port and loads both URLs over random award ids with keep-alive connections: `wrk` if it
is installed, else a bounded Python thread pool. ARCHITECTURE §7 asks public endpoints to stay
near the bare-view floor; the target is a ratio of at least 0.8. Nothing is asserted: the figures
are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
TARGET_RATIO = 0.8
LD = "application/ld+json"

WRK_SCRIPT = """
local paths = {%(paths)s}
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept"] = "%(accept)s"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- seeding (runs in a child process with the benchmark's environment) -------------------------


def seed(count: int, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt

    from django.utils import timezone

    from insignia.awards.models import Award, AwardState
    from insignia.openbadges.ob2 import new_salt
    from insignia.testing.factories import BadgeTemplateFactory, IssuerFactory

    # A fresh issuer each run, so a reused PostgreSQL scratch database does not collide.
    suffix = secrets.token_hex(4)
    issuer = IssuerFactory(name="Bench Certification", slug=f"bench-{suffix}")
    template = BadgeTemplateFactory(issuer=issuer, name="Bench Badge", slug=f"bench-badge-{suffix}")
    now = timezone.now()
    awards = [
        Award(
            issuer=issuer,
            template=template,
            recipient_email=f"earner{i}@example.com",
            recipient_name=f"Earner {i}",
            salt=new_salt(),
            issued_on=now - dt.timedelta(days=i % 700, minutes=i),
            expires_at=(now + dt.timedelta(days=365)) if i % 3 == 0 else None,
            evidence=[{"url": f"https://exams.example/results/{i}", "name": "Score report"}],
            state=AwardState.ACCEPTED,
        )
        for i in range(count)
    ]
    Award.objects.bulk_create(awards, batch_size=500)
    out.write_text(json.dumps([a.public_id for a in awards]))


# --- server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env(scratch: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
            "INSIGNIA_DEBUG": "0",
            "INSIGNIA_TESTING": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "INSIGNIA_VAR_DIR": str(scratch),
            "SITE_URL": f"http://127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    (scratch / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    return env


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> Iterator[None]:
    command = [
        GUNICORN,
        "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread" if threads > 1 else "sync",
        "--threads", str(threads),
        "--log-level", "warning",
        "--chdir", str(ROOT),
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start; see its output above") from None
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def get(port: int, path: str, accept: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


# --- load ---------------------------------------------------------------------------------------


def load_wrk(
    name: str, port: int, paths: list[str], accept: str, args: argparse.Namespace
) -> Result:
    script = Path(args.scratch) / (re.sub(r"\W+", "-", name).strip("-") + ".lua")
    script.write_text(
        WRK_SCRIPT
        % {"paths": ",".join(json.dumps(p) for p in paths), "seed": args.seed, "accept": accept}
    )
    command = [
        "wrk", "-t", str(args.load_threads), "-c", str(args.connections),
        "-d", f"{args.duration}s", "--timeout", "5s", "-s", str(script), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    requests, micros, p50, p99, status_errors, errors = (int(x) for x in line.split()[1:])
    return Result(name, requests, micros / 1e6, p50 / 1000, p99 / 1000, status_errors, errors)


def load_python(
    name: str, port: int, paths: list[str], accept: str, args: argparse.Namespace
) -> Result:
    """A bounded fallback: `connections` threads with keep-alive, for `duration` seconds."""
    rng = random.Random(args.seed)
    stop = time.monotonic() + args.duration
    latencies: list[float] = []
    counts = {"non_2xx": 0, "errors": 0}
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        local: list[float] = []
        while time.monotonic() < stop:
            path = rng.choice(paths)
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": accept})
                response = conn.getresponse()
                response.read()
            except OSError:
                with lock:
                    counts["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                continue
            local.append(time.perf_counter() - started)
            if not 200 <= response.status < 300:
                with lock:
                    counts["non_2xx"] += 1
        conn.close()
        with lock:
            latencies.extend(local)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(
        name,
        len(latencies),
        elapsed,
        cuts[49] * 1000,
        cuts[98] * 1000,
        counts["non_2xx"],
        counts["errors"],
    )


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per round and URL")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per URL")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per URL")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--load-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1 = sync)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        seed(args.awards, Path(args.seed_into))
        return

    scratch = Path(tempfile.mkdtemp(prefix="insignia-bench-"))
    args.scratch = str(scratch)
    port = free_port()
    env = bench_env(scratch, port)
    database = (
        "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite (scratch file)"
    )
    try:
        print(f"Scratch database: {database}; seeding {args.awards} accepted awards…", flush=True)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        ids_file = scratch / "ids.json"
        subprocess.run(
            [PYTHON, __file__, "--awards", str(args.awards), "--seed-into", str(ids_file)],
            env=env,
            cwd=ROOT,
            check=True,
        )
        ids: list[str] = json.loads(ids_file.read_text())
        use_wrk = shutil.which("wrk") is not None and not args.python_load
        load = load_wrk if use_wrk else load_python
        kind = f"{args.workers} × {'gthread ' + str(args.threads) if args.threads > 1 else 'sync'}"
        print(
            f"gunicorn {kind} workers on 127.0.0.1:{port}; load: "
            f"{'wrk' if use_wrk else 'Python threads'}, {args.connections} keep-alive connections, "
            f"best of {args.rounds} alternating {args.duration} s rounds per URL over "
            f"{len(ids)} random ids",
            flush=True,
        )
        with gunicorn(env, port, args.workers, args.threads):
            status, content_type, body = get(port, f"/badges/{ids[0]}", LD)
            assert status == 200 and content_type == LD, (status, content_type, body[:200])
            assert json.loads(body)["id"] == f"http://127.0.0.1:{port}/badges/{ids[0]}"
            assert get(port, f"/bench/bare/{ids[0]}", "application/json")[0] == 200

            cases = [
                (
                    "baseline: bare view, one row → JSON",
                    [f"/bench/bare/{i}" for i in ids],
                    "application/json",
                ),
                ("hosted assertion /badges/<id> (ld+json)", [f"/badges/{i}" for i in ids], LD),
            ]
            warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
            for name, paths, accept in cases:
                load(name + " warm-up", port, paths, accept, warm)
            # Rounds alternate between the two URLs and the best round of each is kept, so a
            # burst of other work on the machine does not land on one side only.
            rounds: dict[str, list[Result]] = {name: [] for name, _, _ in cases}
            for _ in range(args.rounds):
                for name, paths, accept in cases:
                    rounds[name].append(load(name, port, paths, accept, args))
            results = [max(rounds[name], key=lambda r: r.rps) for name, _, _ in cases]

        print()
        print(
            f"{'endpoint':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'errors':>7}"
        )
        for r in results:
            print(
                f"{r.name:44} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} "
                f"{r.non_2xx:8d} {r.errors:7d}"
            )
        baseline, hosted = results
        ratio = hosted.rps / baseline.rps if baseline.rps else 0.0
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        print(f"\nratio hosted / baseline = {ratio:.2f} ({verdict} the {TARGET_RATIO} target)")
        if any(r.non_2xx or r.errors for r in results):
            print("WARNING: some requests failed; the figures above are not trustworthy.")
    finally:
        if args.keep:
            print(f"scratch directory kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

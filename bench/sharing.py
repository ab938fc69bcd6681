"""Benchmark: the embed iframe page (`GET /badges/<id>/embed`) and oEmbed JSON
(`GET /oembed?url=…`) against the bare Django view floor, plus share-image generation time.

Run from the repository root (``make bench`` does):

    .venv/bin/python bench/sharing.py [--awards 500] [--duration 5]

Reuses bench/hosted_assertion.py's machinery: a scratch database (SQLite, or PostgreSQL when
DATABASE_URL names a scratch database), N accepted public awards, gunicorn with production
settings on a free loopback port, and `wrk` (or the Python fallback) over random award ids. Both
endpoints count each request (added up in the worker, written every
INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS), which the figures include. Their bodies are cached in the
Django cache: the per-process LocMemCache by default, or Redis with ``--redis URL`` (production's
setup; note LocMemCache keeps 300 entries per process, fewer than --awards). Share images are
then rendered in-process, uncached, for a sample of awards. Nothing is asserted. The load
average is printed before and after: other work on the machine skews the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hosted_assertion as ha


def image_timings(count: int, out: Path) -> None:
    """In a child process with the bench environment: ms to draw each award's share image."""
    sys.path.insert(0, str(ha.ROOT))
    import django

    django.setup()
    from insignia.awards.models import Award
    from insignia.sharing import images, selectors

    timings = []
    for award in Award.objects.select_related("template")[:count]:
        started = time.perf_counter()
        images.render_share_image(selectors.share_card(award))
        timings.append((time.perf_counter() - started) * 1000)
    out.write_text(json.dumps(timings))


def counted(out: Path) -> None:
    """In a child process, after the server stopped: the embed and oEmbed views counted."""
    sys.path.insert(0, str(ha.ROOT))
    import django

    django.setup()
    from django.db.models import Sum

    from insignia.sharing.models import ShareCounter

    ids = json.loads((out.parent / "ids.json").read_text())  # this run's awards only
    rows = ShareCounter.objects.filter(award__public_id__in=ids)
    totals = dict(rows.values("kind").annotate(n=Sum("count")).values_list("kind", "n"))
    out.write_text(json.dumps(totals))


def _server_cpu(port: int) -> float:
    """CPU seconds used so far by the gunicorn processes bound to ``port`` (from /proc).

    Requests per second swing with whatever else the machine runs; the server's CPU time per
    request barely does, so it is printed too (Linux only; 0 elsewhere)."""
    needle = f"127.0.0.1:{port}".encode()
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if needle not in cmdline or b"gunicorn" not in cmdline:  # not wrk's
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=500)
    parser.add_argument("--duration", type=int, default=5, help="seconds per round and URL")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--load-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--images", type=int, default=50, help="share images to render")
    parser.add_argument("--python-load", action="store_true")
    parser.add_argument("--redis", help="cache in this Redis (e.g. redis://127.0.0.1:6379/11)")
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    parser.add_argument("--images-into", help=argparse.SUPPRESS)
    parser.add_argument("--counts-into", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        ha.seed(args.awards, Path(args.seed_into))
        return
    if args.images_into:
        image_timings(args.images, Path(args.images_into))
        return
    if args.counts_into:
        counted(Path(args.counts_into))
        return

    scratch = Path(tempfile.mkdtemp(prefix="insignia-bench-sharing-"))
    args.scratch = str(scratch)
    port = ha.free_port()
    env = ha.bench_env(scratch, port)
    if args.redis:
        env["REDIS_URL"] = args.redis
    try:
        database = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite"
        print(f"Scratch database: {database}; seeding {args.awards} accepted awards…", flush=True)
        cache_name = f"Redis {args.redis}" if args.redis else "LocMemCache (per process)"
        print(f"Cache: {cache_name}; load average before: {_load()}", flush=True)
        run = {"env": env, "cwd": ha.ROOT, "check": True}
        subprocess.run([ha.PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], **run)  # type: ignore[call-overload]
        ids_file = scratch / "ids.json"
        subprocess.run(  # type: ignore[call-overload]
            [ha.PYTHON, __file__, "--awards", str(args.awards), "--seed-into", str(ids_file)],
            **run,
        )
        ids: list[str] = json.loads(ids_file.read_text())
        use_wrk = shutil.which("wrk") is not None and not args.python_load
        load = ha.load_wrk if use_wrk else ha.load_python
        site = f"http://127.0.0.1:{port}"
        print(
            f"gunicorn {args.workers} workers; load: {'wrk' if use_wrk else 'Python threads'}, "
            f"{args.connections} connections, best of {args.rounds} × {args.duration} s",
            flush=True,
        )
        with ha.gunicorn(env, port, args.workers, args.threads):
            assert ha.get(port, f"/badges/{ids[0]}/embed", "text/html")[0] == 200
            oembed = [f"/oembed?{urlencode({'url': f'{site}/badges/{i}'})}" for i in ids]
            status, _type, body = ha.get(port, oembed[0], "application/json")
            assert status == 200 and json.loads(body)["type"] == "rich", (status, body[:200])
            cases = [
                ("baseline: bare view, one row → JSON", [f"/bench/bare/{i}" for i in ids], "*/*"),
                ("embed iframe /badges/<id>/embed", [f"/badges/{i}/embed" for i in ids], "*/*"),
                ("oEmbed JSON /oembed?url=…", oembed, "application/json"),
            ]
            warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
            served = {"embed_view": 1, "oembed": 1}  # the two checks above
            kinds = [None, "embed_view", "oembed"]
            for (name, paths, accept), kind in zip(cases, kinds, strict=True):
                result = load(name + " warm-up", port, paths, accept, warm)
                if kind:
                    served[kind] += result.requests
            rounds: dict[str, list[ha.Result]] = {name: [] for name, _, _ in cases}
            cpu: dict[str, list[float]] = {name: [] for name, _, _ in cases}  # ms a request
            for _ in range(args.rounds):
                for (name, paths, accept), kind in zip(cases, kinds, strict=True):
                    before = _server_cpu(port)
                    rounds[name].append(result := load(name, port, paths, accept, args))
                    if result.requests:
                        cpu[name].append((_server_cpu(port) - before) * 1000 / result.requests)
                    if kind:
                        served[kind] += result.requests
            results = [max(rounds[name], key=lambda r: r.rps) for name, _, _ in cases]
        # The server has stopped (SIGTERM: workers flush their buffered counts as they exit).
        counts_file = scratch / "counts.json"
        subprocess.run(  # type: ignore[call-overload]
            [ha.PYTHON, __file__, "--counts-into", str(counts_file)], **run
        )
        counts: dict[str, int] = json.loads(counts_file.read_text())

        timings_file = scratch / "images.json"
        subprocess.run(  # type: ignore[call-overload]
            [ha.PYTHON, __file__, "--images", str(args.images), "--images-into", str(timings_file)],
            **run,
        )
        timings: list[float] = json.loads(timings_file.read_text())

        print()
        cpu_ms = {name: min(values, default=0.0) for name, values in cpu.items()}
        print(
            f"{'endpoint':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
            f"{'errors':>7} {'CPU ms/req':>10}"
        )
        for r in results:
            print(
                f"{r.name:44} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} "
                f"{r.non_2xx:8d} {r.errors:7d} {cpu_ms[r.name]:10.2f}"
            )
        print(f"load average after: {_load()}")
        baseline = results[0]
        for r in results[1:]:
            ratio = r.rps / baseline.rps if baseline.rps else 0.0
            print(f"ratio {r.name} / baseline = {ratio:.2f}")
            if cpu_ms[r.name]:
                by_cpu = cpu_ms[baseline.name] / cpu_ms[r.name]
                print(f"  by server CPU per request (baseline / endpoint) = {by_cpu:.2f}")
        for kind, number in served.items():
            print(
                f"{kind}: {counts.get(kind, 0)} counted after a normal shutdown, "
                f"{number} responses received by the load generator"
            )
        if any(r.non_2xx or r.errors for r in results):
            print("WARNING: some requests failed; the figures above are not trustworthy.")
        cuts = statistics.quantiles(timings, n=100) if len(timings) > 1 else timings * 99
        print(
            f"\nshare image 1200×630 PNG, rendered uncached, {len(timings)} awards: "
            f"median {statistics.median(timings):.1f} ms, p95 {cuts[94]:.1f} ms, "
            f"max {max(timings):.1f} ms per award"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

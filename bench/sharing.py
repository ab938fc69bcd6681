"""Benchmark: the embed iframe page (`GET /badges/<id>/embed`) and oEmbed JSON
(`GET /oembed?url=…`) against the bare Django view floor, plus share-image generation time.

Run from the repository root (``make bench`` does):

    .venv/bin/python bench/sharing.py [--awards 500] [--duration 5]

Reuses bench/hosted_assertion.py's machinery: a scratch database (SQLite, or PostgreSQL when
DATABASE_URL names a scratch database), N accepted public awards, gunicorn with production
settings on a free loopback port, and `wrk` (or the Python fallback) over random award ids. Both
endpoints count each request (one UPDATE of a per-day counter row), which the figures include.
Share images are then rendered in-process, uncached, for a sample of awards. Nothing is asserted.
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
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    parser.add_argument("--images-into", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        ha.seed(args.awards, Path(args.seed_into))
        return
    if args.images_into:
        image_timings(args.images, Path(args.images_into))
        return

    scratch = Path(tempfile.mkdtemp(prefix="insignia-bench-sharing-"))
    args.scratch = str(scratch)
    port = ha.free_port()
    env = ha.bench_env(scratch, port)
    try:
        database = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite"
        print(f"Scratch database: {database}; seeding {args.awards} accepted awards…", flush=True)
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
            for name, paths, accept in cases:
                load(name + " warm-up", port, paths, accept, warm)
            rounds: dict[str, list[ha.Result]] = {name: [] for name, _, _ in cases}
            for _ in range(args.rounds):
                for name, paths, accept in cases:
                    rounds[name].append(load(name, port, paths, accept, args))
            results = [max(rounds[name], key=lambda r: r.rps) for name, _, _ in cases]

        timings_file = scratch / "images.json"
        subprocess.run(  # type: ignore[call-overload]
            [ha.PYTHON, __file__, "--images", str(args.images), "--images-into", str(timings_file)],
            **run,
        )
        timings: list[float] = json.loads(timings_file.read_text())

        print()
        print(
            f"{'endpoint':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'errors':>7}"
        )
        for r in results:
            print(
                f"{r.name:44} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} "
                f"{r.non_2xx:8d} {r.errors:7d}"
            )
        baseline = results[0]
        for r in results[1:]:
            ratio = r.rps / baseline.rps if baseline.rps else 0.0
            print(f"ratio {r.name} / baseline = {ratio:.2f}")
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

"""Benchmark: what the revocation status list costs.

1. µs per revoke through ``award_revoke``, with the status-list bit flip (lock the list row,
   set the bit, bump its version) against the same service with the bit flip switched off
   (the baseline), interleaved over the same kind of awards in the same run.
2. Fetch latency of ``GET /status/<list-id>`` through the Django test client (in-process: the
   full middleware stack and view, no network or WSGI server) with the signed list cached,
   against the bare one-row JSON view of bench/bench_urls.py; plus the first fetch after a
   revocation, which re-signs the list (cache miss).

Run from the repository root:

    .venv/bin/python bench/statuslist.py [--awards 400] [--fetches 2000]

A scratch SQLite database in a temporary directory is used, or DATABASE_URL (which must name a
scratch database). Production settings (DEBUG off). Nothing is asserted; figures are printed.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(var_dir: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")
    os.environ["INSIGNIA_DEBUG"] = "0"
    os.environ["INSIGNIA_TESTING"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault(
        "INSIGNIA_KEY_ENCRYPTION_KEY", base64.b64encode(secrets.token_bytes(32)).decode()
    )
    os.environ["INSIGNIA_VAR_DIR"] = var_dir
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir}/bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _us(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1e6:8.1f} µs, "
        f"mean {statistics.fmean(samples) * 1e6:8.1f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=400, help="revocations (half baseline)")
    parser.add_argument("--fetches", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="insignia-bench-") as var_dir:
        _setup(var_dir)
        from django.db import connection
        from django.test import Client

        from insignia.awards.services import award_revoke
        from insignia.core.audit import Actor
        from insignia.testing.factories import AwardFactory, BadgeTemplateFactory
        from insignia.verification import statuslists
        from insignia.verification.credentials import status_list_json

        template = BadgeTemplateFactory()
        awards = [AwardFactory(template=template) for _ in range(args.awards)]
        for award in awards:  # allocation is a separate, one-off cost: measure only the flip
            statuslists.status_allocation_ensure(award=award)
        status_list = statuslists.status_allocation_ensure(award=awards[0]).status_list
        actor = Actor.system("bench")
        real_flip = statuslists.status_revoke

        def no_flip(*, award: object) -> None:
            return None

        with_flip: list[float] = []
        baseline: list[float] = []
        for i, award in enumerate(awards):
            flip = i % 2 == 0
            statuslists.status_revoke = real_flip if flip else no_flip  # type: ignore[assignment]
            start = time.perf_counter()
            award_revoke(actor=actor, award=award, reason="bench")
            (with_flip if flip else baseline).append(time.perf_counter() - start)
        statuslists.status_revoke = real_flip

        client = Client()
        list_url = f"/status/{status_list.public_id}"
        bare_url = f"/bench/bare/{awards[0].public_id}"
        assert client.get(list_url).status_code == 200  # sign once, then cached
        assert client.get(bare_url).status_code == 200

        def timed(url: str, n: int) -> list[float]:
            out = []
            for _ in range(n):
                start = time.perf_counter()
                response = client.get(url)
                out.append(time.perf_counter() - start)
                assert response.status_code == 200
            return out

        list_times: list[float] = []
        bare_times: list[float] = []
        for _ in range(10):  # interleave in blocks so drift hits both alike
            list_times += timed(list_url, args.fetches // 10)
            bare_times += timed(bare_url, args.fetches // 10)

        status_list.refresh_from_db()
        resign: list[float] = []
        for _ in range(20):
            status_list.version += 1  # what a revocation does: the cached copy no longer applies
            start = time.perf_counter()
            status_list_json(status_list)
            resign.append(time.perf_counter() - start)

        size = len(client.get(list_url).content)
        print(f"database: {connection.vendor}; {args.awards} revocations, {args.fetches} fetches")
        print("revoke (award_revoke service, one transaction each)")
        print(f"  with status-list bit flip   {_us(with_flip)}")
        print(f"  baseline, no bit flip       {_us(baseline)}")
        extra = statistics.median(with_flip) - statistics.median(baseline)
        print(f"  status-list update costs    {extra * 1e6:8.1f} µs per revoke (median difference)")
        print("fetch (Django test client, in-process, warm cache)")
        print(f"  GET /status/<id> ({size} B)  {_us(list_times)}")
        print(f"  baseline bare one-row view  {_us(bare_times)}")
        ratio = statistics.median(bare_times) / statistics.median(list_times)
        print(f"  ratio bare/list             {ratio:8.2f}")
        print(f"re-sign after a change (cache miss, eddsa-rdfc-2022)  {_us(resign)}")


if __name__ == "__main__":
    main()

"""Settings for bench/hosted_assertion.py: production settings plus a bare baseline view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"

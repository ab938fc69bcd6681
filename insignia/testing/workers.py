"""Pytest fixtures and helpers for tests that run a real Celery worker process on Redis.

Registered for every test module by the root conftest. Tests that use them skip, saying why,
only when Redis is unreachable.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

REDIS = ("127.0.0.1", 6379)
ROOT = Path(__file__).resolve().parents[2]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}.")


def database_url() -> str:
    """The test database as a DATABASE_URL, so a worker process opens the same one."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def redis_url() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    client = redis.Redis(*REDIS, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS[0]}:{REDIS[1]} ({exc}); start it to run.")
    # A database nobody else uses, so our queue cannot meet another run's tasks.
    for db in range(15, 0, -1):
        candidate = redis.Redis(*REDIS, db=db, socket_timeout=2)
        if candidate.dbsize() == 0 and candidate.set("insignia-test-lock", os.getpid(), nx=True):
            break
    else:
        pytest.skip("No empty Redis database (1–15) to use.")
    yield f"redis://{REDIS[0]}:{REDIS[1]}/{db}"
    candidate.flushdb()


@pytest.fixture
def celery_to(redis_url: str) -> Iterator[str]:
    """Make this process publish tasks to Redis instead of running them in-process."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    def reset_pools() -> None:
        # Connection and producer pools are built for the broker of their first use; an
        # earlier eager test would otherwise leave this process publishing nowhere useful.
        celery_app.close()
        celery_app.amqp._producer_pool = None

    reset_pools()
    conf.broker_url, conf.task_always_eager = redis_url, False
    yield redis_url
    reset_pools()
    conf.broker_url, conf.task_always_eager = saved


def worker_start(
    *, broker: str, log: Path, var_dir: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a real ``celery worker`` (prefork, 2 processes) on the test database.

    Its output is appended to ``log``; "ready." appears there once it consumes. ``env`` adds
    or overrides settings for the worker process (an SMTP server, a retry base, …).
    """
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "INSIGNIA_TESTING": "1",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SITE_URL": settings.SITE_URL,
        "INSIGNIA_VAR_DIR": str(var_dir),
        **(env or {}),
    }
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "-c",
                "2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def worker_stop(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL to the whole group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running_worker(
    *, broker: str, tmp_path: Path, env: Mapping[str, str] | None = None
) -> Iterator[Path]:
    """A worker started and ready for the block, stopped after it; yields its log file."""
    log = tmp_path / "worker.log"
    process = worker_start(broker=broker, log=log, var_dir=tmp_path / "var", env=env)
    try:
        wait_for(
            lambda: b"ready." in log.read_bytes() or process.poll() is not None,
            60,
            "the Celery worker to start",
        )
        assert process.poll() is None, log.read_text()[-4000:]
        yield log
    finally:
        worker_stop(process)

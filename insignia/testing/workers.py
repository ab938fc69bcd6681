"""Pytest fixtures and helpers for tests that run a real Celery worker process on Redis.

Registered for every test module by the root conftest. Tests that use them skip, saying why,
only when Redis is unreachable.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from config.celery import app as celery_app

REDIS = ("127.0.0.1", 6379)


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

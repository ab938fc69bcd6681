"""Test overrides on top of ``config.settings``: fast hashing, in-memory email, isolated media."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("INSIGNIA_TESTING", "1")
os.environ.setdefault("INSIGNIA_VAR_DIR", tempfile.mkdtemp(prefix="insignia-test-"))

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
SITE_URL = "http://testserver"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  # WhiteNoise warns on every request otherwise
# Persistent connections from the live-server thread would keep the test database busy at
# teardown; tests open and close connections per request like a short-lived worker.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's in-memory default: the delivery integration tests start a real
    # Celery worker process, which must open the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

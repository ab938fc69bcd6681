"""Django settings for Insignia, read from the environment through ``config.env``.

The embedded default (no variables set, ``INSIGNIA_DEBUG=1``) is SQLite, in-process tasks and a
local mail outbox; the scaled deployment sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL and
SMTP variables. Nothing else in the code knows which mode it runs in.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("INSIGNIA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("INSIGNIA_DEBUG", default=False)
TESTING = env_bool("INSIGNIA_TESTING", default=False)

SECRET_KEY = env_str("SECRET_KEY")
# Outside debug there is no fallback: the key stays empty, Django refuses anything that signs
# with it, `check --deploy` reports insignia.E001, and config.wsgi refuses
# to serve. Commands that never sign (makemigrations, showmigrations) still work without it.
INSIGNIA_SECRET_KEY_MISSING = not SECRET_KEY
if INSIGNIA_SECRET_KEY_MISSING and (DEBUG or TESTING):
    # A fixed, obviously-insecure key only for local debugging and tests: no random fallback,
    # so sessions survive restarts and nothing pretends to be secret.
    SECRET_KEY = "insecure-development-key-never-use-in-production-0123456789abcdef"  # noqa: S105
    INSIGNIA_SECRET_KEY_MISSING = False

PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must be an absolute http(s) URL.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site.hostname, "127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "insignia.core",
    "insignia.accounts",
    "insignia.issuers",
    "insignia.badges",
    "insignia.awards",
    "insignia.notifications",
    "insignia.verification",
    "insignia.earners",
    "insignia.insights",
    "insignia.bulk",
    "insignia.webhooks",
    # Issuer API v1: DRF, OAuth 2 client credentials, OpenAPI with locally served docs assets.
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "insignia.api",
    "insignia.sharing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "insignia" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "insignia.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # The embedded default keeps its database beside the media files under var/.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'insignia.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 600), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while a writer commits; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing with "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# allauth's defaults plus a tighter failed-login limit; counters live in the shared cache.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "manage_email": "10/m/user",
    "change_password": "5/m/user",
}
# All account policy (claim-aware redirects, attaching waiting badges) lives in the adapter.
ACCOUNT_ADAPTER = "insignia.accounts.adapter.AccountAdapter"
ACCOUNT_CHANGE_EMAIL = False  # several addresses per account: badges go to any of them
ACCOUNT_MAX_EMAIL_ADDRESSES = 10
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Insignia] "
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Insignia"
# Earner tunables: how long a changed profile address keeps redirecting from the old one.
INSIGNIA_SLUG_REDIRECT_DAYS = env_int("INSIGNIA_SLUG_REDIRECT_DAYS", 90)

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "insignia" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "insignia"}
    )
}

# --- Background work ------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# With no broker configured, tasks run in-process right after commit (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the DB connection around every task unless told to reuse it;
# a new PostgreSQL connection per email was most of a worker's time (bench/email_delivery.py).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 500)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # The outbox sweep re-queues due retries and rows whose worker died; see notifications.
    "outbox-sweep": {"task": "notifications.outbox_sweep", "schedule": 60.0},
    "reminders": {"task": "notifications.reminders_send_due", "schedule": 15 * 60.0},
    "awards-record-expired": {"task": "notifications.awards_record_expired", "schedule": 5 * 60.0},
    # Re-queues the remaining chunks of bulk jobs whose worker died (insignia/bulk).
    "bulk-jobs-resume": {"task": "bulk.jobs_resume", "schedule": 60.0},
    # Webhooks' safety net: fan-out a lost kick missed, due retries (insignia/webhooks).
    "webhooks-tick": {"task": "webhooks.tick", "schedule": 10.0},
}
# Reminders for unclaimed badges, in days after issue; renewal reminder N days before expiry.
INSIGNIA_REMINDER_DAYS = tuple(
    int(d) for d in env_list("INSIGNIA_REMINDER_DAYS", ["3", "10", "30"])
)
INSIGNIA_RENEWAL_DAYS_BEFORE = env_int("INSIGNIA_RENEWAL_DAYS_BEFORE", 30)
# Outbox delivery: attempts before "failed", and the first retry delay (doubles each time).
INSIGNIA_OUTBOX_MAX_ATTEMPTS = env_int("INSIGNIA_OUTBOX_MAX_ATTEMPTS", 8)
INSIGNIA_OUTBOX_RETRY_BASE_SECONDS = env_int("INSIGNIA_OUTBOX_RETRY_BASE_SECONDS", 60)
# Bulk upload and backfill (insignia/bulk/app_settings.py documents each).
INSIGNIA_BULK_MAX_BYTES = env_int("INSIGNIA_BULK_MAX_BYTES", 20 * 1024 * 1024)
INSIGNIA_BULK_CHUNK_SIZE = env_int("INSIGNIA_BULK_CHUNK_SIZE", 1000)
INSIGNIA_BULK_LEASE_SECONDS = env_int("INSIGNIA_BULK_LEASE_SECONDS", 120)
INSIGNIA_BACKFILL_EMAILS_PER_MINUTE = env_int("INSIGNIA_BACKFILL_EMAILS_PER_MINUTE", 600)
# Most per-(template, recipient) locks one transaction takes before locking whole templates;
# 0 (default) means a quarter of PostgreSQL's lock table (insignia/awards/locks.py).
INSIGNIA_ISSUE_PAIR_LOCKS_MAX = env_int("INSIGNIA_ISSUE_PAIR_LOCKS_MAX", 0) or None
# Webhooks (insignia/webhooks/app_settings.py documents each; the retry schedule lives there).
INSIGNIA_WEBHOOKS_TIMEOUT_SECONDS = env_int("INSIGNIA_WEBHOOKS_TIMEOUT_SECONDS", 10)
INSIGNIA_WEBHOOKS_ALLOW_HTTP = env_bool("INSIGNIA_WEBHOOKS_ALLOW_HTTP", default=DEBUG or TESTING)
INSIGNIA_WEBHOOKS_ALLOW_PRIVATE = env_bool("INSIGNIA_WEBHOOKS_ALLOW_PRIVATE", default=False)

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Insignia <badges@insignia.invalid>")
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    # The embedded default: mail is stored in the database and shown at /_outbox/.
    EMAIL_BACKEND = "insignia.notifications.backends.LocalOutboxBackend"
# Every SMTP conversation is bounded; a hung server must not hold a worker forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if _site.scheme == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Key-encryption key for issuers' private signing keys: base64 of 32 random bytes
# (`python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"`). Required
# outside DEBUG/TESTING; insignia.issuers.keys raises ImproperlyConfigured when a key is needed
# and it is missing, and uses a fixed, labelled development KEK only in DEBUG/TESTING.
INSIGNIA_KEY_ENCRYPTION_KEY = env_str("INSIGNIA_KEY_ENCRYPTION_KEY")

# --- Insignia tunables ----------------------------------------------------------------------
# Public documents are cacheable by a CDN for this long; revocation must show within it.
INSIGNIA_PUBLIC_CACHE_SECONDS = env_int("INSIGNIA_PUBLIC_CACHE_SECONDS", 300)
INSIGNIA_IMAGE_MAX_BYTES = env_int("INSIGNIA_IMAGE_MAX_BYTES", 2 * 1024 * 1024)
INSIGNIA_IMAGE_MAX_PIXELS = env_int("INSIGNIA_IMAGE_MAX_PIXELS", 4096 * 4096)
INSIGNIA_IMAGE_MAX_SIDE = env_int("INSIGNIA_IMAGE_MAX_SIDE", 4096)
# Share analytics are added up per process and written at most this often (insignia.sharing
# .services); 0 writes each event at once (tests and development, so counts show immediately).
INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS = env_int(
    "INSIGNIA_SHARE_COUNTER_FLUSH_SECONDS", 0 if (DEBUG or TESTING) else 10
)

# --- Issuer API (insignia.api, docs/api.md) --------------------------------------------------
REST_FRAMEWORK = {
    # API views set their own authentication, permissions, throttles and error handler
    # (insignia.api.apis.ApiView); these are the fallbacks for anything else.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "insignia.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# Requests per API client (or token); DRF's "<n>/<second|minute|hour|day>" syntax.
INSIGNIA_API_THROTTLE_RATE = env_str("INSIGNIA_API_THROTTLE_RATE", "1200/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Insignia Issuer API",
    "DESCRIPTION": "Issue, revoke and list Open Badges for one issuer. See docs/api.md.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets come from drf-spectacular-sidecar, served by us: never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read the issuer's data", "write": "Issue, revoke and manage templates"},
    "DEFAULT_SCOPES": ["read", "write"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("INSIGNIA_API_ACCESS_TOKEN_SECONDS", 3600),
}
# insignia.api.ApiClient links to the (swappable) OAuth application model; migrations need the
# swappable setting spelled out.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # In-process (eager) tasks would log a "Task … succeeded" line per email; workers log
        # through Celery's own setup.
        "celery.app.trace": {"level": "WARNING"},
    },
}

"""WSGI entry point (gunicorn ``config.wsgi:application``)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# gunicorn runs no system checks: refuse to serve rather than fail on the first form or login.
if settings.INSIGNIA_SECRET_KEY_MISSING:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it (50+ random characters) or run with INSIGNIA_DEBUG=1."
    )

"""System checks for configuration the product cannot run safely without."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

SECRET_KEY_MISSING = Error(
    "SECRET_KEY is not set.",
    hint="Set SECRET_KEY to 50+ random characters, or run with INSIGNIA_DEBUG=1 for local work.",
    id="insignia.E001",
)


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    return [SECRET_KEY_MISSING] if settings.INSIGNIA_SECRET_KEY_MISSING else []

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    return {"SITE_URL": settings.SITE_URL, "SITE_NAME": "Insignia"}

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from insignia.api.authentication import ApiPrincipal


class ApiClientThrottle(SimpleRateThrottle):
    """One bucket per API client or token; the rate is ``INSIGNIA_API_THROTTLE_RATE``."""

    scope = "api_client"

    def get_rate(self) -> str | None:
        # Read on every request (not frozen at import) so operators and tests can change it.
        return str(getattr(settings, "INSIGNIA_API_THROTTLE_RATE", "")) or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiPrincipal):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.key}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

"""drf-spectacular extensions: how our authentication looks in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "insignia.api.authentication.ApiAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An OAuth 2 access token from POST /api/v1/oauth/token (client credentials), "
                "or an issuer API token (starts with `ins_`)."
            ),
        }

"""Scope checks. What a scope lets a client do (docs/api.md):

read  – the issuer's viewer role: templates, awards, programmes, events
write – the issuer's admin role on top of read: issue, revoke, replace and resend awards,
        create and change templates

Services trust non-user actors (``require_capability`` lets them through), so this is the
only gate between an API client and a write; every write view must require ``write``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from insignia.api.authentication import ApiPrincipal


def principal(request: Request) -> ApiPrincipal:
    assert isinstance(request.auth, ApiPrincipal)  # guaranteed by HasScope
    return request.auth


class HasScope(BasePermission):
    message = "This token lacks the scope this operation needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        auth = request.auth
        if not isinstance(auth, ApiPrincipal):
            return False
        method_scopes: dict[str, str] = getattr(view, "required_scopes", {})
        needed = method_scopes.get(request.method or "GET", "read")
        return needed in auth.scopes

"""Errors services raise for callers (views, API, CLI) to show. Each has a stable code."""

from __future__ import annotations


class ServiceError(Exception):
    """A request we refuse, with a message the user can act on and the field it concerns."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class PermissionDenied(ServiceError):
    code = "permission_denied"


class NotFound(ServiceError):
    code = "not_found"

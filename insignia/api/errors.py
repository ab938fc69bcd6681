"""One error shape for every API failure, DRF's own included:

    {"errors": [{"code": "invalid", "message": "…", "field": "recipient_email"}]}

A list because one request can be wrong in several places; ``field`` is null when the error
is about the request as a whole, and a dotted path (``evidence.0.url``) inside nested bodies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from insignia.core import errors as core_errors


def error_item(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "field": field}


def _flatten(detail: Any, path: str | None) -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        items: list[dict[str, Any]] = []
        for key, value in detail.items():
            sub = None if key == "non_field_errors" else str(key)
            items += _flatten(value, f"{path}.{sub}" if path and sub else (sub or path))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                items += _flatten(value, f"{path}.{index}" if path else str(index))
            else:
                items += _flatten(value, path)
        return items
    code = getattr(detail, "code", None) or "invalid"
    return [error_item(str(code), str(detail), path)]


@contextmanager
def service_fields_renamed(mapping: dict[str, str]) -> Iterator[None]:
    """Report a service's field names as this operation's body calls them."""
    try:
        yield
    except core_errors.ServiceError as exc:
        exc.field = mapping.get(exc.field or "", exc.field)
        raise


def service_error_status(exc: core_errors.ServiceError) -> int:
    if isinstance(exc, core_errors.PermissionDenied):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, core_errors.NotFound):
        return status.HTTP_404_NOT_FOUND
    if exc.code == "duplicate":
        return status.HTTP_409_CONFLICT
    if exc.code == "too_large":
        return status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    return status.HTTP_400_BAD_REQUEST


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, core_errors.ServiceError):
        return Response(
            {"errors": [error_item(exc.code, exc.message, exc.field)]},
            status=service_error_status(exc),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django's 500 handling and logging see it
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, dict | list):
        items = _flatten(detail, None)
    else:
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        items = [error_item(str(code), str(detail))]
    response.data = {"errors": items or [error_item("invalid", "Invalid request.")]}
    return response

"""Site-wide pages: the landing page and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from insignia.issuers.selectors import issuers_for_user


def home(request: HttpRequest) -> HttpResponse:
    issuers = issuers_for_user(user=request.user) if request.user.is_authenticated else []
    return render(request, "core/home.html", {"issuers": issuers})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

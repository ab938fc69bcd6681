"""Developer settings in the issuer UI (``/manage/<issuer>/developers/``): API tokens and OAuth
clients, created and revoked through ``insignia.api.services``.

A new token's or client's secret is shown once, in the response to the POST that created it,
and never stored in the session or a message: only its hash exists after that page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from insignia.api.forms import ClientCreateForm, TokenCreateForm
from insignia.api.models import ApiClient, ApiToken
from insignia.api.selectors import api_clients, api_tokens
from insignia.api.services import (
    api_client_create,
    api_client_revoke,
    api_token_create,
    api_token_revoke,
)
from insignia.core.errors import ServiceError
from insignia.issuers.permissions import Capability
from insignia.issuers.views import IssuerAccess, _render, issuer_view


def _page(
    request: HttpRequest,
    access: IssuerAccess,
    *,
    token_form: TokenCreateForm | None = None,
    client_form: ClientCreateForm | None = None,
    shown_once: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    response = _render(
        request,
        "api/developers.html",
        access,
        "developers",
        {
            "tokens": api_tokens(issuer=access.issuer),
            "clients": api_clients(issuer=access.issuer),
            "token_form": token_form or TokenCreateForm(),
            "client_form": client_form or ClientCreateForm(),
            "shown_once": shown_once,
            "now": timezone.now(),
            "docs_url": request.build_absolute_uri(reverse("api:docs")),
            "token_url": request.build_absolute_uri(reverse("api:token")),
        },
        status=status,
    )
    if shown_once:
        # The page carries a live secret: no cache (browser or proxy) may keep a copy.
        response["Cache-Control"] = "no-store"
    return response


@issuer_view(Capability.MANAGE_API)
def developers(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    return _page(request, access)


@issuer_view(Capability.MANAGE_API, methods=("POST",))
def token_create(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            issued = api_token_create(
                actor=access.actor,
                issuer=access.issuer,
                name=form.cleaned_data["name"],
                scopes=form.scope_string(),
                expires_at=form.expires_at(timezone.now()),
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            shown = {"kind": "token", "name": issued.token.name, "secret": issued.raw}
            return _page(request, access, shown_once=shown)
    return _page(request, access, token_form=form, status=400)


@issuer_view(Capability.MANAGE_API, methods=("POST",))
def client_create(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    form = ClientCreateForm(request.POST)
    if form.is_valid():
        try:
            creds = api_client_create(
                actor=access.actor,
                issuer=access.issuer,
                name=form.cleaned_data["name"],
                scopes=form.scope_string(),
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            shown = {
                "kind": "client",
                "name": creds.client.name,
                "client_id": creds.client_id,
                "secret": creds.client_secret,
            }
            return _page(request, access, shown_once=shown)
    return _page(request, access, client_form=form, status=400)


def _confirm(
    request: HttpRequest, access: IssuerAccess, *, what: str, name: str, consequence: str
) -> HttpResponse:
    return _render(
        request,
        "api/confirm_revoke.html",
        access,
        "developers",
        {"what": what, "name": name, "consequence": consequence},
    )


@issuer_view(Capability.MANAGE_API, methods=("GET", "POST"))
def token_revoke(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    token = get_object_or_404(ApiToken, issuer=access.issuer, public_id=public_id)
    if request.method == "GET":
        return _confirm(
            request,
            access,
            what=_("API token"),
            name=f"{token.name} ({token.prefix}…)",
            consequence=_("Every request made with it is refused from now on."),
        )
    api_token_revoke(actor=access.actor, token=token)
    messages.success(request, _("Token “%s” revoked.") % token.name)
    return redirect("issuer_ui:developers", access.issuer.slug)


@issuer_view(Capability.MANAGE_API, methods=("GET", "POST"))
def client_revoke(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    client = get_object_or_404(ApiClient, issuer=access.issuer, public_id=public_id)
    if request.method == "GET":
        return _confirm(
            request,
            access,
            what=_("OAuth client"),
            name=client.name,
            consequence=_("Its access tokens stop working at once and it gets no new ones."),
        )
    api_client_revoke(actor=access.actor, client=client)
    messages.success(request, _("OAuth client “%s” revoked.") % client.name)
    return redirect("issuer_ui:developers", access.issuer.slug)

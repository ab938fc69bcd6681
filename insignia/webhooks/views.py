"""Issuer UI for webhooks under ``/manage/<issuer>/webhooks/``: endpoints, their secret, the
delivery log with attempts, replay and a test event. Admins and owners only (services.MANAGE).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from insignia.core.errors import ServiceError
from insignia.issuers.views import IssuerAccess, _paginate, _render, issuer_view
from insignia.webhooks import selectors, services
from insignia.webhooks.forms import EndpointForm
from insignia.webhooks.models import WebhookDelivery, WebhookEndpoint

MANAGE = services.MANAGE


def _endpoint_or_404(access: IssuerAccess, public_id: str) -> WebhookEndpoint:
    endpoint = selectors.endpoint_get(issuer=access.issuer, public_id=public_id)
    if endpoint is None:
        raise Http404
    return endpoint


def _delivery_or_404(endpoint: WebhookEndpoint, public_id: str) -> WebhookDelivery:
    delivery = selectors.delivery_get(endpoint=endpoint, public_id=public_id)
    if delivery is None:
        raise Http404
    return delivery


@issuer_view(MANAGE)
def webhook_list(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    endpoints = selectors.endpoint_list(issuer=access.issuer)
    return _render(request, "webhooks/list.html", access, "webhooks", {"endpoints": endpoints})


@issuer_view(MANAGE, methods=("GET", "POST"))
def webhook_create(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.endpoint_create(
                actor=access.actor,
                issuer=access.issuer,
                url=form.cleaned_data["url"],
                events_chosen=form.cleaned_data["events_chosen"],
                description=form.cleaned_data["description"],
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            messages.success(
                request, _("Endpoint added. Copy its signing secret below into your receiver.")
            )
            return redirect(
                "issuer_ui:webhook_detail", access.issuer.slug, created.endpoint.public_id
            )
    status = 400 if form.errors else 200
    return _render(
        request, "webhooks/form.html", access, "webhooks", {"form": form, "endpoint": None}, status
    )


@issuer_view(MANAGE, methods=("GET", "POST"))
def webhook_detail(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(access, public_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events_chosen": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                actor=access.actor,
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                events_chosen=form.cleaned_data["events_chosen"],
                description=form.cleaned_data["description"],
                is_active=form.cleaned_data["is_active"],
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("issuer_ui:webhook_detail", access.issuer.slug, endpoint.public_id)
    try:
        secret = services.endpoint_secret(endpoint)
    except ValueError as exc:
        secret = str(exc)
    return _render(
        request,
        "webhooks/detail.html",
        access,
        "webhooks",
        {
            "endpoint": endpoint,
            "form": form,
            "secret": secret,
            "deliveries": _paginate(request, selectors.delivery_list(endpoint=endpoint)),
        },
        400 if form.errors else 200,
    )


@issuer_view(MANAGE, methods=("POST",))
def webhook_rotate(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(access, public_id)
    services.endpoint_rotate_secret(actor=access.actor, endpoint=endpoint)
    messages.success(request, _("New secret made; requests are signed with it from now on."))
    return redirect("issuer_ui:webhook_detail", access.issuer.slug, endpoint.public_id)


@issuer_view(MANAGE, methods=("POST",))
def webhook_delete(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(access, public_id)
    services.endpoint_delete(actor=access.actor, endpoint=endpoint)
    messages.success(request, _("Endpoint deleted."))
    return redirect("issuer_ui:webhook_list", access.issuer.slug)


@issuer_view(MANAGE, methods=("POST",))
def webhook_ping(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(access, public_id)
    services.endpoint_ping(actor=access.actor, endpoint=endpoint)
    messages.success(request, _("Test event queued; its result appears in the log below."))
    return redirect("issuer_ui:webhook_detail", access.issuer.slug, endpoint.public_id)


@issuer_view(MANAGE, methods=("POST",))
def webhook_replay(
    request: HttpRequest, access: IssuerAccess, public_id: str, delivery_id: str
) -> HttpResponse:
    endpoint = _endpoint_or_404(access, public_id)
    delivery = _delivery_or_404(endpoint, delivery_id)
    try:
        services.delivery_replay(actor=access.actor, delivery=delivery)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Delivery queued to be sent again."))
    return redirect("issuer_ui:webhook_detail", access.issuer.slug, endpoint.public_id)

"""Reads about webhooks for the issuer UI and the API."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from insignia.issuers.models import Issuer
from insignia.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, issuer: Issuer) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.filter(issuer=issuer)
        .annotate(
            failed_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
            pending_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        )
        .order_by("created_at", "id")
    )


def endpoint_get(*, issuer: Issuer, public_id: str) -> WebhookEndpoint | None:
    return (
        WebhookEndpoint.objects.filter(issuer=issuer, public_id=public_id)
        .select_related("issuer")
        .first()
    )


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its attempts (newest first)."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("endpoint__issuer")
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-number"))
        )
        .order_by("-created_at", "-id")
    )


def delivery_get(*, endpoint: WebhookEndpoint, public_id: str) -> WebhookDelivery | None:
    return delivery_list(endpoint=endpoint).filter(public_id=public_id).first()

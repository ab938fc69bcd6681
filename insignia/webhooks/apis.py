"""Webhooks in the issuer API v1: endpoints CRUD, the delivery log and replay.

Mounted by insignia/api/urls.py; follows insignia/api/apis.py (one class per operation, a
``write`` scope for every write). The signing secret is returned once, when the endpoint is
created; the issuer UI shows it again to admins.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from insignia.api.apis import ERRORS, ApiView, parse
from insignia.api.permissions import principal
from insignia.api.serializers import StrictSerializer, Text, envelope
from insignia.core.errors import NotFound
from insignia.issuers.models import Issuer
from insignia.webhooks import selectors, services
from insignia.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint


# --- Bodies -----------------------------------------------------------------------------------
class EndpointIn(StrictSerializer):
    url = Text(max_length=2000)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, max_length=20
    )
    description = Text(max_length=200, required=False, default="", allow_blank=True)


class EndpointPatchIn(StrictSerializer):
    url = Text(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=20,
        required=False,
    )
    description = Text(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class EndpointOut(serializers.ModelSerializer):
    id = Text(source="public_id")
    events = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "created_at", "updated_at"]


class EndpointCreatedOut(EndpointOut):
    secret = serializers.SerializerMethodField(
        help_text="The signing secret; shown only in this response."
    )

    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "secret"]

    def get_secret(self, obj: WebhookEndpoint) -> str:
        return str(self.context["secret"])


class AttemptOut(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


class DeliveryOut(serializers.ModelSerializer):
    id = Text(source="public_id")
    attempt_log = AttemptOut(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_type",
            "state",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]


EndpointEnvelope = envelope(EndpointOut, "WebhookEndpointEnvelope")
EndpointCreatedEnvelope = envelope(EndpointCreatedOut, "WebhookEndpointCreatedEnvelope")
DeliveryEnvelope = envelope(DeliveryOut, "WebhookDeliveryEnvelope")
PAGING = [OpenApiParameter("page", int), OpenApiParameter("per", int)]


def _endpoint(issuer: Issuer, public_id: str) -> WebhookEndpoint:
    endpoint = selectors.endpoint_get(issuer=issuer, public_id=public_id)
    if endpoint is None:
        raise NotFound("No webhook endpoint of yours has this id.")
    return endpoint


# --- Operations -------------------------------------------------------------------------------
class WebhookListApi(ApiView):
    @extend_schema(
        operation_id="webhooks_list",
        summary="List webhook endpoints",
        parameters=PAGING,
        responses={200: EndpointOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return self.page(EndpointOut, selectors.endpoint_list(issuer=principal(request).issuer))


class WebhookCreateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="webhooks_create",
        summary="Register a webhook endpoint",
        description=(
            "Events after this moment are POSTed to `url`, signed with the returned `secret` "
            "(header `Insignia-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "
            '"t.body")>`). Nothing that happened before is sent.'
        ),
        request=EndpointIn,
        responses={201: EndpointCreatedEnvelope, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        p = principal(request)
        data = parse(EndpointIn, request.data)
        created = services.endpoint_create(
            actor=p.actor,
            issuer=p.issuer,
            url=data["url"],
            events_chosen=data["events"],
            description=data["description"],
        )
        body = EndpointCreatedOut(created.endpoint, context={"secret": created.secret}).data
        return Response({"data": body}, status=status.HTTP_201_CREATED)


class WebhookGetApi(ApiView):
    @extend_schema(
        operation_id="webhooks_get",
        summary="Get a webhook endpoint",
        responses={200: EndpointEnvelope, **ERRORS},
    )
    def get(self, request: Request, public_id: str) -> Response:
        return self.one(EndpointOut, _endpoint(principal(request).issuer, public_id))


class WebhookUpdateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"PATCH": "write"}

    @extend_schema(
        operation_id="webhooks_update",
        summary="Change a webhook endpoint (URL, events, description, active)",
        request=EndpointPatchIn,
        responses={200: EndpointEnvelope, **ERRORS},
    )
    def patch(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        endpoint = _endpoint(p.issuer, public_id)
        data = parse(EndpointPatchIn, request.data)
        changes: dict[str, Any] = {k: v for k, v in data.items() if k != "events"}
        if "events" in data:
            changes["events_chosen"] = data["events"]
        endpoint = services.endpoint_update(actor=p.actor, endpoint=endpoint, **changes)
        return self.one(EndpointOut, endpoint)


class WebhookDeleteApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"DELETE": "write"}

    @extend_schema(
        operation_id="webhooks_delete",
        summary="Delete a webhook endpoint and its delivery log",
        responses={204: None, **ERRORS},
    )
    def delete(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        services.endpoint_delete(actor=p.actor, endpoint=_endpoint(p.issuer, public_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListApi(ApiView):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="An endpoint's deliveries, newest first, with their attempts",
        parameters=PAGING,
        responses={200: DeliveryOut(many=True), **ERRORS},
    )
    def get(self, request: Request, public_id: str) -> Response:
        endpoint = _endpoint(principal(request).issuer, public_id)
        return self.page(DeliveryOut, selectors.delivery_list(endpoint=endpoint))


class WebhookDeliveryReplayApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="webhooks_deliveries_replay",
        summary="Send a delivery again (same id and body, fresh signature)",
        request=None,
        responses={202: DeliveryEnvelope, **ERRORS},
    )
    def post(self, request: Request, public_id: str, delivery_id: str) -> Response:
        p = principal(request)
        endpoint = _endpoint(p.issuer, public_id)
        delivery = selectors.delivery_get(endpoint=endpoint, public_id=delivery_id)
        if delivery is None:
            raise NotFound("This endpoint has no delivery with this id.")
        services.delivery_replay(actor=p.actor, delivery=delivery)
        delivery = selectors.delivery_get(endpoint=endpoint, public_id=delivery_id)
        return self.one(DeliveryOut, delivery, status.HTTP_202_ACCEPTED)

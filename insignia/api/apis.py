"""Issuer API v1 views: one class per operation, combined per URL by ``route``.

Views parse input, call a selector or a service, and shape the output; nothing else. Every
write passes the client's actor (``api:<name>``) to the service, which writes the audit row.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import IntegrityError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insignia.api import selectors
from insignia.api.authentication import ApiAuthentication
from insignia.api.errors import api_exception_handler
from insignia.api.pagination import ApiPagination
from insignia.api.permissions import HasScope, principal
from insignia.api.serializers import (
    AwardCreateIn,
    AwardFilterIn,
    AwardOut,
    AwardReplaceIn,
    AwardRevokeIn,
    ErrorBody,
    EventFilterIn,
    EventOut,
    ProgrammeOut,
    TemplateIn,
    TemplateOut,
    TemplateUpdateIn,
    envelope,
)
from insignia.api.services import award_replace
from insignia.api.throttling import ApiClientThrottle
from insignia.awards.models import Award, AwardSource
from insignia.awards.services import EvidenceInput, award_issue, award_revoke
from insignia.badges.models import TemplateState
from insignia.badges.services import (
    AlignmentInput,
    ImageUpload,
    TemplateInput,
    template_create,
    template_set_state,
    template_update,
)
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer
from insignia.notifications.services import award_resend_notification

ERRORS = {
    400: OpenApiResponse(ErrorBody, description="Invalid request"),
    401: OpenApiResponse(ErrorBody, description="Missing or invalid token"),
    403: OpenApiResponse(ErrorBody, description="The token lacks the scope"),
    404: OpenApiResponse(ErrorBody, description="Not found (or another issuer's)"),
    429: OpenApiResponse(ErrorBody, description="Rate limited"),
}
TemplateEnvelope = envelope(TemplateOut, "TemplateEnvelope")
AwardEnvelope = envelope(AwardOut, "AwardEnvelope")
ProgrammeEnvelope = envelope(ProgrammeOut, "ProgrammeEnvelope")


class ApiView(APIView):
    authentication_classes = [ApiAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiClientThrottle]
    # HTTP method → scope it needs; anything not listed needs "read".
    required_scopes: ClassVar[dict[str, str]] = {}

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def one(self, serializer: type[serializers.Serializer], obj: Any, code: int = 200) -> Response:
        return Response(
            {"data": serializer(obj, context={"request": self.request}).data}, status=code
        )

    def page(self, serializer: type[serializers.Serializer], qs: Any) -> Response:
        paginator = ApiPagination()
        items = paginator.paginate_queryset(qs, self.request, view=self)
        data = serializer(items, many=True, context={"request": self.request}).data
        return paginator.get_paginated_response(data)


def parse(serializer: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = serializer(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def route(*operations: type[ApiView]) -> Any:
    """One Django view for several operations on the same URL (GET list + POST create…)."""
    scopes: dict[str, str] = {}
    for op in operations:
        scopes |= op.required_scopes
    name = "".join(op.__name__.removesuffix("Api") for op in operations) + "Route"
    view_class: type[ApiView] = type(name, operations, {"required_scopes": scopes})
    return view_class.as_view()


# --- Whoami (also the benchmark's authenticated baseline) ----------------------------------
class WhoamiOut(serializers.Serializer):
    issuer_id = serializers.CharField()
    issuer_name = serializers.CharField()
    client = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())


class WhoamiApi(ApiView):
    @extend_schema(
        operation_id="whoami",
        summary="The issuer and scopes this token acts with",
        responses={200: envelope(WhoamiOut, "WhoamiEnvelope"), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        p = principal(request)
        body = {
            "issuer_id": p.issuer.public_id,
            "issuer_name": p.issuer.name,
            "client": p.label.removeprefix("api:"),
            "scopes": sorted(p.scopes),
        }
        return Response({"data": body})


# --- Templates -----------------------------------------------------------------------------
def _template_input(data: dict[str, Any], issuer: Issuer) -> TemplateInput:
    programme = None
    if data.get("programme_id"):
        programme = (
            selectors.api_programmes(issuer=issuer).filter(public_id=data["programme_id"]).first()
        )
        if programme is None:
            raise ServiceError("No programme of yours has this id.", field="programme_id")
    return TemplateInput(
        name=data["name"],
        description=data["description"],
        skills=data["skills"],
        criteria_url=data["criteria_url"],
        criteria_markdown=data["criteria_markdown"],
        alignments=[AlignmentInput(**a) for a in data.get("alignments", [])],
        achievement_type=data["achievement_type"],
        validity_days=data["validity_days"],
        duplicate_policy=data["duplicate_policy"],
        programme=programme,
        earn_again_url=data["earn_again_url"],
        slug=data["slug"],
    )


def _image(data: bytes | None) -> ImageUpload | None:
    if data is None:
        return None
    # The bytes decide the kind; the name only has to agree with them.
    return ImageUpload(data=data, filename="badge.png" if data[:4] == b"\x89PNG" else "badge.svg")


class TemplateListApi(ApiView):
    @extend_schema(
        operation_id="templates_list",
        summary="List badge templates",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("per", int)],
        responses={200: TemplateOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return self.page(TemplateOut, selectors.api_templates(issuer=principal(request).issuer))


class TemplateCreateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="templates_create",
        summary="Create a badge template",
        request=TemplateIn,
        responses={201: TemplateEnvelope, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        p = principal(request)
        data = parse(TemplateIn, request.data)
        image = _image(data["image"])
        assert image is not None
        template = template_create(
            actor=p.actor,
            issuer=p.issuer,
            data=_template_input(data, p.issuer),
            image=image,
            state=data["state"],
        )
        return self.one(TemplateOut, template, status.HTTP_201_CREATED)


class TemplateGetApi(ApiView):
    @extend_schema(
        operation_id="templates_get",
        summary="Get a badge template",
        responses={200: TemplateEnvelope, **ERRORS},
    )
    def get(self, request: Request, public_id: str) -> Response:
        template = selectors.api_template_get(issuer=principal(request).issuer, public_id=public_id)
        return self.one(TemplateOut, template)


class TemplateUpdateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"PUT": "write"}

    @extend_schema(
        operation_id="templates_update",
        summary="Replace a badge template's fields (and optionally its state)",
        request=TemplateUpdateIn,
        responses={200: TemplateEnvelope, **ERRORS},
    )
    def put(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        template = selectors.api_template_get(issuer=p.issuer, public_id=public_id)
        data = parse(TemplateUpdateIn, request.data)
        state = data.get("state")
        if state == TemplateState.ARCHIVED:
            template = template_set_state(actor=p.actor, template=template, state=state)
        else:
            if template.state == TemplateState.ARCHIVED and state == TemplateState.ACTIVE:
                template = template_set_state(actor=p.actor, template=template, state=state)
            template = template_update(
                actor=p.actor,
                template=template,
                data=_template_input(data, p.issuer),
                image=_image(data.get("image")),
            )
            if state and state != template.state:
                template = template_set_state(actor=p.actor, template=template, state=state)
        template = selectors.api_template_get(issuer=p.issuer, public_id=public_id)
        return self.one(TemplateOut, template)


class TemplateArchiveApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"DELETE": "write"}

    @extend_schema(
        operation_id="templates_archive",
        summary="Archive a badge template (templates are never deleted: issued badges cite them)",
        responses={200: TemplateEnvelope, **ERRORS},
    )
    def delete(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        template = selectors.api_template_get(issuer=p.issuer, public_id=public_id)
        template_set_state(actor=p.actor, template=template, state=TemplateState.ARCHIVED)
        template = selectors.api_template_get(issuer=p.issuer, public_id=public_id)
        return self.one(TemplateOut, template)


# --- Awards --------------------------------------------------------------------------------
class AwardListApi(ApiView):
    @extend_schema(
        operation_id="awards_list",
        summary="List awards, newest first",
        parameters=[
            AwardFilterIn,
            OpenApiParameter("page", int),
            OpenApiParameter("per", int),
        ],
        responses={200: AwardOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = parse(AwardFilterIn, request.query_params)
        return self.page(
            AwardOut, selectors.api_awards(issuer=principal(request).issuer, filters=filters)
        )


class AwardCreateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="awards_create",
        summary="Issue a badge to one person",
        description=(
            "Send an `Idempotency-Key` header to make retries safe: a repeat with the same key "
            "returns the first award (200, `Idempotent-Replayed: true`) instead of a new one. "
            "The template's duplicate policy applies: `deny` answers 409 when the person "
            "already holds the badge, `replace` revokes the earlier one."
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
            )
        ],
        request=AwardCreateIn,
        responses={
            201: AwardEnvelope,
            200: OpenApiResponse(AwardEnvelope, description="Replay of an earlier request"),
            409: OpenApiResponse(ErrorBody, description="Duplicate refused by the policy"),
            **ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        p = principal(request)
        data = parse(AwardCreateIn, request.data)
        template = selectors.api_template_for_issue(issuer=p.issuer, public_id=data["template_id"])
        key = request.headers.get("Idempotency-Key", "").strip()
        kwargs: dict[str, Any] = {}
        if "issued_on" in data:
            kwargs["issued_on"] = data["issued_on"]
        if "expires_at" in data:
            kwargs["expires_at"] = data["expires_at"]
        try:
            result = award_issue(
                actor=p.actor,
                template=template,
                recipient_email=data["recipient_email"],
                recipient_name=data["recipient_name"],
                evidence=[EvidenceInput(**e) for e in data.get("evidence", [])],
                narrative=data["narrative"],
                external_id=data["external_id"],
                source=AwardSource.API,
                idempotency_key=key,
                suppress_notifications=data["suppress_notifications"],
                **kwargs,
            )
            award, created = result.award, result.created
        except (ServiceError, IntegrityError):
            # A concurrent twin with the same key may have committed while we waited on the
            # template lock; then our "duplicate" is really a replay of its award.
            replay = (
                Award.objects.filter(issuer=p.issuer, idempotency_key=key).first() if key else None
            )
            if replay is None:
                raise
            award, created = replay, False
        response = self.one(AwardOut, award, 201 if created else 200)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


class AwardGetApi(ApiView):
    @extend_schema(
        operation_id="awards_get",
        summary="Get an award",
        responses={200: AwardEnvelope, **ERRORS},
    )
    def get(self, request: Request, public_id: str) -> Response:
        award = selectors.api_award_get(issuer=principal(request).issuer, public_id=public_id)
        return self.one(AwardOut, award)


class AwardRevokeApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="awards_revoke",
        summary="Revoke an award",
        request=AwardRevokeIn,
        responses={200: AwardEnvelope, **ERRORS},
    )
    def post(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        award = selectors.api_award_get(issuer=p.issuer, public_id=public_id)
        data = parse(AwardRevokeIn, request.data)
        award_revoke(actor=p.actor, award=award, reason=data["reason"])
        return self.one(AwardOut, selectors.api_award_get(issuer=p.issuer, public_id=public_id))


class AwardReplaceApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="awards_replace",
        summary="Re-issue an award to a corrected email address",
        description=(
            "Revokes this award and issues a copy (same template, dates, evidence) to the new "
            "address, with a new id and claim link. Returns the new award; the old one's "
            "`replaced_by_id` points at it."
        ),
        request=AwardReplaceIn,
        responses={201: AwardEnvelope, **ERRORS},
    )
    def post(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        award = selectors.api_award_get(issuer=p.issuer, public_id=public_id)
        data = parse(AwardReplaceIn, request.data)
        new = award_replace(
            actor=p.actor,
            award=award,
            recipient_email=data["recipient_email"],
            recipient_name=data["recipient_name"],
            reason=data["reason"],
            suppress_notifications=data["suppress_notifications"],
        )
        return self.one(AwardOut, new, status.HTTP_201_CREATED)


class AwardResendApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="awards_resend_notification",
        summary="Send the award's email again (a pending badge gets a fresh claim link)",
        request=None,
        responses={202: AwardEnvelope, **ERRORS},
    )
    def post(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        award = selectors.api_award_get(issuer=p.issuer, public_id=public_id)
        award_resend_notification(actor=p.actor, award=award)
        return self.one(AwardOut, award, status.HTTP_202_ACCEPTED)


# --- Programmes and events -----------------------------------------------------------------
class ProgrammeListApi(ApiView):
    @extend_schema(
        operation_id="programmes_list",
        summary="List programmes",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("per", int)],
        responses={200: ProgrammeOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return self.page(ProgrammeOut, selectors.api_programmes(issuer=principal(request).issuer))


class ProgrammeGetApi(ApiView):
    @extend_schema(
        operation_id="programmes_get",
        summary="Get a programme",
        responses={200: ProgrammeEnvelope, **ERRORS},
    )
    def get(self, request: Request, public_id: str) -> Response:
        programme = selectors.api_programme_get(
            issuer=principal(request).issuer, public_id=public_id
        )
        return self.one(ProgrammeOut, programme)


class EventListApi(ApiView):
    @extend_schema(
        operation_id="events_list",
        summary="The issuer's event feed (audit trail), oldest first",
        description="Poll with `after_id` set to the last `id` you processed.",
        parameters=[EventFilterIn, OpenApiParameter("page", int), OpenApiParameter("per", int)],
        responses={200: EventOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = parse(EventFilterIn, request.query_params)
        return self.page(
            EventOut, selectors.api_events(issuer=principal(request).issuer, filters=filters)
        )

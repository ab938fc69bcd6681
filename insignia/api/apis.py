"""Issuer API v1 views: one class per operation, combined per URL by ``route``.

Views parse input, call a selector or a service, and shape the output; nothing else. Every
write passes the client's actor (``api:<name>``) to the service, which writes the audit row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import IntegrityError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insignia.api import selectors
from insignia.api.authentication import ApiAuthentication
from insignia.api.errors import api_exception_handler, service_fields_renamed
from insignia.api.pagination import ApiPagination
from insignia.api.parsers import CsvBodyParser
from insignia.api.permissions import HasScope, principal
from insignia.api.renderers import CsvRenderer
from insignia.api.serializers import (
    AwardCreateIn,
    AwardFilterIn,
    AwardOut,
    AwardReplaceIn,
    AwardRevokeIn,
    BulkErrorOut,
    BulkJobJsonIn,
    BulkJobOut,
    BulkJobQueryIn,
    BulkJobUploadIn,
    ErrorBody,
    EventFilterIn,
    EventOut,
    ProgrammeCreateIn,
    ProgrammeOut,
    ProgrammeUpdateIn,
    TemplateIn,
    TemplateOut,
    TemplateUpdateIn,
    envelope,
)
from insignia.api.services import award_replace
from insignia.api.throttling import ApiClientThrottle
from insignia.awards.models import Award, AwardSource
from insignia.awards.services import EvidenceInput, award_issue, award_revoke
from insignia.badges.models import BadgeTemplate, TemplateState
from insignia.badges.services import (
    AlignmentInput,
    ImageUpload,
    TemplateInput,
    programme_create,
    programme_update,
    template_create,
    template_set_state,
    template_update,
)
from insignia.bulk.models import JobKind
from insignia.bulk.selectors import bulk_job_error_rows, bulk_job_errors_csv
from insignia.bulk.services import bulk_job_create, check_size
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
    # Read by the schema generator only (views paginate explicitly): it documents list
    # responses in the envelope they are really sent in.
    pagination_class = ApiPagination
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
        description=(
            "The earner is emailed the reason and a link to the badge page (which now shows "
            "the badge as revoked), unless `suppress_notification` is true or the award's "
            "emails were suppressed when it was issued."
        ),
        request=AwardRevokeIn,
        responses={200: AwardEnvelope, **ERRORS},
    )
    def post(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        award = selectors.api_award_get(issuer=p.issuer, public_id=public_id)
        data = parse(AwardRevokeIn, request.data)
        award_revoke(
            actor=p.actor,
            award=award,
            reason=data["reason"],
            notify_earner=not data["suppress_notification"],
        )
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


# --- Programmes (writes) --------------------------------------------------------------------
def _templates_by_ids(issuer: Issuer, ids: list[str]) -> list[BadgeTemplate]:
    found = {t.public_id: t for t in BadgeTemplate.objects.filter(issuer=issuer, public_id__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ServiceError(
            f"No badge template of yours has the id {missing[0]!r}.", field="template_ids"
        )
    return list(found.values())


class ProgrammeCreateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}

    @extend_schema(
        operation_id="programmes_create",
        summary="Create a programme (pilot or active) and attach badge templates to it",
        request=ProgrammeCreateIn,
        responses={201: ProgrammeEnvelope, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        p = principal(request)
        data = parse(ProgrammeCreateIn, request.data)
        with service_fields_renamed({"templates": "template_ids"}):
            programme = programme_create(
                actor=p.actor,
                issuer=p.issuer,
                name=data["name"],
                slug=data["slug"],
                description=data["description"],
                effective_date=data["effective_date"],
                status=data["status"],
                templates=_templates_by_ids(p.issuer, data["template_ids"]),
            )
        return self.one(ProgrammeOut, programme, status.HTTP_201_CREATED)


class ProgrammeUpdateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"PATCH": "write"}

    @extend_schema(
        operation_id="programmes_update",
        summary="Change a programme: name, description, effective date, templates, status",
        description=(
            "Only the fields sent change. Status moves between `pilot` and `active`; "
            "`terminated` is final, stops new awards and needs a `termination_note`. The "
            "effective date cannot change once terminated, nor move past a badge already "
            "issued under the programme. Programmes have no end date, so there is nothing "
            "to extend."
        ),
        request=ProgrammeUpdateIn,
        responses={200: ProgrammeEnvelope, **ERRORS},
    )
    def patch(self, request: Request, public_id: str) -> Response:
        p = principal(request)
        programme = selectors.api_programme_get(issuer=p.issuer, public_id=public_id)
        data = parse(ProgrammeUpdateIn, request.data)
        ids = data.get("template_ids")
        with service_fields_renamed({"templates": "template_ids"}):
            programme = programme_update(
                actor=p.actor,
                programme=programme,
                name=data.get("name"),
                description=data.get("description"),
                effective_date=data.get("effective_date"),
                templates=None if ids is None else _templates_by_ids(p.issuer, ids),
                status=data.get("status"),
                termination_note=data["termination_note"],
            )
        return self.one(ProgrammeOut, programme)


# --- Bulk jobs ------------------------------------------------------------------------------
BulkJobEnvelope = envelope(BulkJobOut, "BulkJobEnvelope")
_KINDS = {"issue": JobKind.BULK, "backfill": JobKind.BACKFILL}
# Multipart framing around the file: boundaries, part headers and the small form fields.
_MULTIPART_SLACK = 64 * 1024


class BulkJobListApi(ApiView):
    @extend_schema(
        operation_id="bulk_jobs_list",
        summary="List bulk and backfill jobs, newest first, with their progress",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("per", int)],
        responses={200: BulkJobOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        paginator = ApiPagination()
        jobs = paginator.paginate_queryset(
            selectors.api_bulk_jobs(issuer=principal(request).issuer), request, view=self
        )
        data = [
            selectors.api_bulk_job_out(job, build_uri=request.build_absolute_uri) for job in jobs
        ]
        return paginator.get_paginated_response(BulkJobOut(data, many=True).data)


class BulkJobCreateApi(ApiView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": "write"}
    parser_classes = [JSONParser, MultiPartParser, CsvBodyParser]

    @extend_schema(
        operation_id="bulk_jobs_create",
        summary="Submit a bulk issue or a programme backfill (CSV file or JSON rows)",
        description=(
            "Three ways to send the rows: a multipart form with `file` (CSV or JSON array), a "
            "`text/csv` body (then `kind` and `programme_id` are query parameters), or JSON "
            "`{kind, programme_id, rows: [...]}` (a bare JSON array of rows also works). CSV "
            "columns: Badge Template ID, Recipient Email, First Name, Last Name (or Recipient "
            "Name), Issued At; optional Expires At, Issuer Earner ID, Evidence URL, Locale.\n\n"
            "Every row is validated before anything is awarded; the answer (202) says how many "
            "rows are valid and where to follow progress. Rows with bad values do not fail the "
            "request: they are listed at `errors_url` with row number, column and message. In "
            "that report a JSON row's number is its **1-based position in the array**; a CSV "
            "row's is its spreadsheet row (the header is row 1). Wrong JSON types or unknown "
            "fields in a row are a 400 naming `rows.<0-based index>.<field>`.\n\n"
            "`kind=backfill` needs `programme_id`: rows before the programme's effective date "
            "are refused, and valid rows are awarded still-active certifications first, then "
            "newest first, with emails throttled.\n\n"
            "Sending the same rows again is safe: each award is keyed by issuer, template, "
            "email and issue date, so a repeat job awards nothing new (its rows count as "
            "`existing`). Larger than the size limit: 413."
        ),
        parameters=[
            OpenApiParameter("kind", str, enum=["issue", "backfill"], description="text/csv only"),
            OpenApiParameter("programme_id", str, description="text/csv only"),
        ],
        request={
            "application/json": BulkJobJsonIn,
            "multipart/form-data": BulkJobUploadIn,
            "text/csv": OpenApiTypes.BINARY,
        },
        responses={
            202: BulkJobEnvelope,
            413: OpenApiResponse(ErrorBody, description="The upload is over the size limit"),
            415: OpenApiResponse(ErrorBody, description="Send JSON, multipart or text/csv"),
            **ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        p = principal(request)
        upload = _read_bulk_request(request)
        kind = _KINDS[upload.kind]
        programme = None
        if upload.programme_id:
            programme = (
                selectors.api_programmes(issuer=p.issuer)
                .filter(public_id=upload.programme_id)
                .first()
            )
            if programme is None:
                raise ServiceError("No programme of yours has this id.", field="programme_id")
        elif kind == JobKind.BACKFILL:
            raise ServiceError("A backfill needs the programme's id.", field="programme_id")
        with service_fields_renamed({"file": upload.field, "programme": "programme_id"}):
            job = bulk_job_create(
                actor=p.actor,
                issuer=p.issuer,
                file_bytes=upload.data,
                filename=upload.filename,
                kind=kind,
                programme=programme,
            )
        data = selectors.api_bulk_job_out(job, build_uri=request.build_absolute_uri)
        response = Response({"data": BulkJobOut(data).data}, status=status.HTTP_202_ACCEPTED)
        response["Location"] = data["progress_url"]
        return response


@dataclass(frozen=True)
class _BulkUpload:
    data: bytes
    filename: str
    field: str  # where a file-level error points the client
    kind: str
    programme_id: str | None


def _read_bulk_request(request: Request) -> _BulkUpload:
    """The rows, however they were sent, as the bytes of a file for ``bulk_job_create``."""
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    # Refuse before reading: the limit is about not holding 50 MB in a web worker.
    check_size(declared - _MULTIPART_SLACK if media_type.startswith("multipart/") else declared)
    if media_type == "text/csv":
        options = parse(BulkJobQueryIn, request.query_params)
        data, filename, field = request.data or b"", "upload.csv", "file"
    elif media_type.startswith("multipart/"):
        options = parse(BulkJobUploadIn, request.data)
        check_size(options["file"].size or 0)
        data, filename, field = options["file"].read(), options["file"].name, "file"
    else:
        body = request.data
        if isinstance(body, list):
            query = request.query_params
            body = {"rows": body} | {k: query[k] for k in ("kind", "programme_id") if k in query}
        options = parse(BulkJobJsonIn, body)
        # The same validation path as an uploaded JSON file: row numbers are array positions,
        # and the same rows make the same award keys as the same rows in a CSV.
        data = json.dumps(options["rows"], ensure_ascii=False, separators=(",", ":")).encode()
        filename, field = "rows.json", "rows"
    if not data:
        raise ServiceError("The body is empty; send the CSV.", field=field, code="empty")
    return _BulkUpload(
        data=data,
        filename=filename or "upload.csv",
        field=field,
        kind=options.get("kind") or "issue",
        programme_id=options.get("programme_id") or None,
    )


class BulkJobGetApi(ApiView):
    @extend_schema(
        operation_id="bulk_jobs_get",
        summary="A bulk job's progress: counts, percent, state",
        responses={200: BulkJobEnvelope, **ERRORS},
    )
    def get(self, request: Request, public_id: str) -> Response:
        job = selectors.api_bulk_job_get(issuer=principal(request).issuer, public_id=public_id)
        data = selectors.api_bulk_job_out(job, build_uri=request.build_absolute_uri)
        return Response({"data": BulkJobOut(data).data})


class BulkJobErrorsApi(ApiView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="bulk_jobs_errors",
        summary="The rows a bulk job refused: JSON (paginated by row) or CSV",
        description=(
            "JSON by default: one item per error, `row`, `column`, `message`; a page holds "
            "the errors of `per` rows. With `Accept: text/csv`: the whole report as a CSV "
            "(Row, Column, Message and the row's own cells), every cell neutralised against "
            "spreadsheet formulas."
        ),
        parameters=[OpenApiParameter("page", int), OpenApiParameter("per", int)],
        responses={
            (200, "application/json"): BulkErrorOut(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **ERRORS,
        },
    )
    def get(self, request: Request, public_id: str) -> Response:
        job = selectors.api_bulk_job_get(issuer=principal(request).issuer, public_id=public_id)
        if request.accepted_renderer.format == "csv":
            response = Response(bulk_job_errors_csv(job))
            response["Content-Disposition"] = (
                f'attachment; filename="invalid-rows-{job.public_id}.csv"'
            )
            return response
        paginator = ApiPagination()
        rows = paginator.paginate_queryset(bulk_job_error_rows(job), request, view=self)
        data = BulkErrorOut(selectors.api_bulk_job_errors(rows), many=True).data
        return paginator.get_paginated_response(data)

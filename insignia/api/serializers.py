"""Request and response bodies, one input serializer per operation.

Inputs refuse fields they do not know: a typo (``recipent_email``) must fail loudly rather
than issue a badge without the value the caller meant to send.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from insignia.awards.models import Award
from insignia.badges.models import AchievementType, BadgeTemplate, DuplicatePolicy, Programme
from insignia.core.models import AuditEvent


class Text(serializers.CharField):
    """A JSON string. DRF's CharField turns 12 into "12"; a number where a name belongs is
    more likely a mapping bug in the caller than a name, so it is refused."""

    default_error_messages = {"invalid": "Send a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


def unknown_field_message(accepted: Iterable[str]) -> str:
    return f"Unknown field; this operation accepts: {', '.join(sorted(accepted))}."


class StrictSerializer(serializers.Serializer):
    """Refuses unknown keys with one error per key."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in set(data) - set(self.fields))
            if unknown:
                # Naming what is accepted turns a typo into a one-glance fix.
                message = unknown_field_message(self.fields)
                raise serializers.ValidationError(
                    {key: serializers.ErrorDetail(message, code="unknown_field") for key in unknown}
                )
        return super().to_internal_value(data)


# --- Inputs ---------------------------------------------------------------------------------
class EvidenceIn(StrictSerializer):
    url = Text(max_length=2000, required=False, default="", allow_blank=True)
    name = Text(max_length=200, required=False, default="", allow_blank=True)
    narrative = Text(max_length=5000, required=False, default="", allow_blank=True)


class AwardCreateIn(StrictSerializer):
    template_id = Text(max_length=64)
    recipient_email = Text(max_length=254)
    recipient_name = Text(max_length=200)
    issued_on = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Left out: the template's validity. null: never expires.",
    )
    evidence = EvidenceIn(many=True, required=False)
    narrative = Text(max_length=5000, required=False, default="", allow_blank=True)
    external_id = Text(max_length=200, required=False, default="", allow_blank=True)
    suppress_notifications = serializers.BooleanField(required=False, default=False)


class AwardRevokeIn(StrictSerializer):
    reason = Text(max_length=500, help_text="Shown to verifiers and, by email, to the earner.")
    suppress_notification = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: revoke without emailing the earner.",
    )


class AwardReplaceIn(StrictSerializer):
    recipient_email = Text(max_length=254)
    recipient_name = Text(max_length=200, required=False, default="", allow_blank=True)
    reason = Text(max_length=500, required=False, default="", allow_blank=True)
    suppress_notifications = serializers.BooleanField(required=False, default=False)


class AlignmentIn(StrictSerializer):
    target_name = Text(max_length=200)
    target_url = serializers.URLField(max_length=200)
    target_description = Text(required=False, default="", allow_blank=True)
    target_framework = Text(max_length=200, required=False, default="", allow_blank=True)
    target_code = Text(max_length=100, required=False, default="", allow_blank=True)


@extend_schema_field({"type": "string", "format": "byte"})
class Base64Field(serializers.Field):
    default_error_messages = {"invalid": "Send the image as base64-encoded PNG or SVG bytes."}

    def to_internal_value(self, data: Any) -> bytes:
        try:
            if isinstance(data, str):
                return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            pass
        raise serializers.ValidationError(self.error_messages["invalid"], code="invalid")

    def to_representation(self, value: Any) -> str:
        return base64.b64encode(value).decode()


class TemplateIn(StrictSerializer):
    name = Text(max_length=200)
    description = Text(max_length=10000)
    skills = serializers.ListField(child=Text(max_length=120), min_length=1, max_length=50)
    criteria_url = serializers.URLField(
        max_length=200, required=False, default="", allow_blank=True
    )
    criteria_markdown = Text(max_length=20000, required=False, default="", allow_blank=True)
    alignments = AlignmentIn(many=True, required=False)
    achievement_type = serializers.ChoiceField(
        choices=AchievementType.choices, required=False, default=AchievementType.BADGE
    )
    validity_days = serializers.IntegerField(
        min_value=1, max_value=36500, required=False, allow_null=True, default=None
    )
    duplicate_policy = serializers.ChoiceField(
        choices=DuplicatePolicy.choices, required=False, default=DuplicatePolicy.DENY
    )
    programme_id = Text(max_length=64, required=False, allow_null=True, default=None)
    earn_again_url = serializers.URLField(
        max_length=200, required=False, default="", allow_blank=True
    )
    slug = serializers.SlugField(max_length=80, required=False, default="", allow_blank=True)
    image = Base64Field(help_text="PNG or SVG, base64-encoded.")
    state = serializers.ChoiceField(
        choices=[("draft", "draft"), ("active", "active")], required=False, default="draft"
    )


class TemplateUpdateIn(TemplateIn):
    """A full replacement of the template's fields; ``image`` left out keeps the current one."""

    image = Base64Field(required=False, help_text="PNG or SVG, base64-encoded.")
    state = serializers.ChoiceField(
        choices=[("draft", "draft"), ("active", "active"), ("archived", "archived")],
        required=False,
    )


class ProgrammeCreateIn(StrictSerializer):
    name = Text(max_length=200)
    slug = serializers.SlugField(max_length=80, required=False, default="", allow_blank=True)
    description = Text(max_length=10000, required=False, default="", allow_blank=True)
    effective_date = serializers.DateField(
        help_text="No badge of the programme is issued (or backfilled) before this day."
    )
    status = serializers.ChoiceField(
        choices=[("pilot", "pilot"), ("active", "active")], required=False, default="pilot"
    )
    template_ids = serializers.ListField(
        child=Text(max_length=64),
        required=False,
        default=list,
        max_length=500,
        help_text="Badge templates of yours that belong to the programme.",
    )


class ProgrammeUpdateIn(StrictSerializer):
    """A partial update: only the fields sent change."""

    name = Text(max_length=200, required=False)
    description = Text(max_length=10000, required=False, allow_blank=True)
    effective_date = serializers.DateField(
        required=False, help_text="Cannot change once the programme is terminated."
    )
    status = serializers.ChoiceField(
        choices=[("pilot", "pilot"), ("active", "active"), ("terminated", "terminated")],
        required=False,
        help_text="Terminating is final and needs `termination_note`.",
    )
    termination_note = Text(
        max_length=5000,
        required=False,
        default="",
        allow_blank=True,
        help_text="What happens to badges already issued; shown to earners.",
    )
    template_ids = serializers.ListField(
        child=Text(max_length=64),
        required=False,
        max_length=500,
        help_text="Replaces the programme's set of badge templates.",
    )


# The row fields of a bulk job: the JSON names of the CSV columns (a CSV file uses the headers
# in the README's "Bulk and backfill"; a JSON row uses these names, which the same reader maps).
class BulkRowIn(StrictSerializer):
    template_id = Text(max_length=64, help_text="Badge template id (or slug).")
    recipient_email = Text(max_length=254)
    first_name = Text(max_length=200, required=False, allow_blank=True)
    last_name = Text(max_length=200, required=False, allow_blank=True)
    recipient_name = Text(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Instead of first_name and last_name.",
    )
    issued_on = Text(max_length=40, help_text="YYYY-MM-DD, an ISO 8601 date-time, or MM/DD/YYYY.")
    expires_at = Text(max_length=40, required=False, allow_blank=True, allow_null=True)
    external_id = Text(max_length=200, required=False, allow_blank=True)
    evidence_url = Text(max_length=2000, required=False, allow_blank=True)
    locale = Text(max_length=35, required=False, allow_blank=True)


@extend_schema_field(BulkRowIn(many=True))
class BulkRowsField(serializers.Field):
    """The rows of a JSON bulk job, checked for shape only: objects of known string fields.

    Deliberately not ``BulkRowIn(many=True)``: a serializer per row costs seconds for 100,000
    rows, and the values themselves (emails, dates, templates) are checked by the bulk job's
    own validation, which reports them per row like a CSV file's.
    """

    default_error_messages = {
        "not_a_list": "Send the rows as an array of objects.",
        "empty": "The array of rows is empty.",
        "not_an_object": "Each row is an object.",
        "not_a_string": "Send a string (or null).",
    }
    _fields = frozenset(BulkRowIn().fields)
    default_error_messages["unknown_field"] = unknown_field_message(_fields)
    _max_reported = 100  # enough to fix a mapping bug without a megabyte of errors

    def to_internal_value(self, data: Any) -> list[dict[str, str | None]]:
        if not isinstance(data, list):
            self.fail("not_a_list")
        if not data:
            self.fail("empty")
        errors: dict[str, Any] = {}
        for index, row in enumerate(data):
            if len(errors) >= self._max_reported:
                break
            if not isinstance(row, dict):
                errors[str(index)] = [self._error("not_an_object")]
                continue
            row_errors = {
                str(key): [self._error("not_a_string" if key in self._fields else "unknown_field")]
                for key, value in row.items()
                if key not in self._fields or not (value is None or isinstance(value, str))
            }
            if row_errors:
                errors[str(index)] = row_errors
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def to_representation(self, value: Any) -> Any:
        return value

    def _error(self, key: str) -> serializers.ErrorDetail:
        return serializers.ErrorDetail(self.error_messages[key], code=key)


class BulkJobJsonIn(StrictSerializer):
    kind = serializers.ChoiceField(
        choices=[("issue", "issue"), ("backfill", "backfill")], required=False, default="issue"
    )
    programme_id = Text(
        max_length=64, required=False, allow_null=True, default=None, help_text="For a backfill."
    )
    rows = BulkRowsField(
        help_text="One object per badge. Row numbers in the job's error report are the 1-based "
        "position in this array.",
    )


class BulkJobUploadIn(StrictSerializer):
    file = serializers.FileField(help_text="CSV (any delimiter, UTF-8 or Latin-1) or JSON array.")
    kind = serializers.ChoiceField(
        choices=[("issue", "issue"), ("backfill", "backfill")], required=False, default="issue"
    )
    programme_id = Text(max_length=64, required=False, allow_null=True, default=None)


class BulkJobQueryIn(serializers.Serializer):
    """For a ``text/csv`` body, which has no room for them."""

    kind = serializers.ChoiceField(
        choices=[("issue", "issue"), ("backfill", "backfill")], required=False, default="issue"
    )
    programme_id = Text(max_length=64, required=False)


class AwardFilterIn(serializers.Serializer):
    template = Text(max_length=64, required=False)
    state = serializers.ChoiceField(
        choices=["pending", "accepted", "rejected", "revoked", "expired", "valid"],
        required=False,
    )
    email = Text(max_length=254, required=False)
    issued_after = serializers.DateTimeField(required=False)
    issued_before = serializers.DateTimeField(required=False)


class EventFilterIn(serializers.Serializer):
    after_id = serializers.IntegerField(min_value=0, required=False)
    verb = Text(max_length=64, required=False)
    object_type = Text(max_length=64, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


# --- Outputs --------------------------------------------------------------------------------
class ProgrammeOut(serializers.ModelSerializer):
    id = Text(source="public_id")

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "effective_date",
            "status",
            "terminated_at",
            "termination_note",
            "created_at",
            "updated_at",
        ]


class BulkJobOut(serializers.Serializer):
    id = Text()
    kind = serializers.ChoiceField(choices=["issue", "backfill"])
    state = serializers.ChoiceField(choices=["queued", "running", "done"])
    filename = Text()
    programme_id = Text(allow_null=True)
    total_rows = serializers.IntegerField(help_text="Data rows in the upload.")
    valid_rows = serializers.IntegerField()
    invalid_rows = serializers.IntegerField(help_text="Refused at validation; see /errors.")
    processed_rows = serializers.IntegerField(help_text="Valid rows handled so far.")
    awarded = serializers.IntegerField(help_text="New awards made.")
    existing = serializers.IntegerField(
        help_text="Rows whose award existed already (e.g. the same file sent again)."
    )
    refused = serializers.IntegerField(help_text="Valid rows refused when awarding.")
    percent = serializers.IntegerField()
    created_at = serializers.DateTimeField(help_text="Submitted; the job is queued at once.")
    finished_at = serializers.DateTimeField(allow_null=True)
    progress_url = serializers.URLField()
    errors_url = serializers.URLField()


class BulkErrorOut(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="Spreadsheet row number (the header is row 1) or 1-based JSON array index."
    )
    column = Text(help_text="The column (or JSON field) at fault; empty for the whole row.")
    message = Text()


class AlignmentOut(serializers.Serializer):
    target_name = Text()
    target_url = Text()
    target_description = Text()
    target_framework = Text()
    target_code = Text()


class TemplateOut(serializers.ModelSerializer):
    id = Text(source="public_id")
    skills = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    alignments = AlignmentOut(many=True, read_only=True)
    programme_id = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = BadgeTemplate
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "image_url",
            "criteria_url",
            "criteria_markdown",
            "skills",
            "alignments",
            "achievement_type",
            "validity_days",
            "state",
            "duplicate_policy",
            "programme_id",
            "earn_again_url",
            "public_url",
            "created_at",
            "updated_at",
        ]

    def get_programme_id(self, obj: BadgeTemplate) -> str | None:
        return obj.programme.public_id if obj.programme_id and obj.programme else None

    def get_image_url(self, obj: BadgeTemplate) -> str:
        request = self.context.get("request")
        url = obj.image.url if obj.image else ""
        return request.build_absolute_uri(url) if request and url else url

    def get_public_url(self, obj: BadgeTemplate) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class EvidenceOut(serializers.Serializer):
    url = Text(required=False)
    name = Text(required=False)
    narrative = Text(required=False)


class AwardOut(serializers.ModelSerializer):
    id = Text(source="public_id")
    template_id = Text(source="template.public_id")
    status = serializers.SerializerMethodField(
        help_text="What a verifier sees: valid, expired or revoked."
    )
    replaced_by_id = serializers.SerializerMethodField()
    evidence = EvidenceOut(many=True)
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Award
        fields = [
            "id",
            "template_id",
            "recipient_email",
            "recipient_name",
            "external_id",
            "issued_on",
            "expires_at",
            "state",
            "status",
            "revoked_at",
            "revocation_reason",
            "replaced_by_id",
            "evidence",
            "narrative",
            "source",
            "suppress_notifications",
            "public_url",
            "created_at",
            "updated_at",
        ]

    def get_status(self, obj: Award) -> str:
        return str(obj.status(timezone.now()))

    def get_replaced_by_id(self, obj: Award) -> str | None:
        return obj.replaced_by.public_id if obj.replaced_by_id and obj.replaced_by else None

    def get_public_url(self, obj: Award) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class EventOut(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    before = serializers.DictField()
    after = serializers.DictField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "verb",
            "object_type",
            "object_id",
            "actor",
            "before",
            "after",
            "created_at",
        ]

    def get_actor(self, obj: AuditEvent) -> str:
        # Staff are named by role, not email: the feed goes to machines outside the org.
        return obj.actor_label or ("staff" if obj.actor_id else "system")


def envelope(inner: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), {"data": inner()})


class ErrorItem(serializers.Serializer):
    code = Text()
    message = Text()
    field = Text(allow_null=True)


class ErrorBody(serializers.Serializer):
    errors = ErrorItem(many=True)

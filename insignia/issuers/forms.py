"""Forms of the issuer web UI.

They parse and check the *shape* of what was typed (types, lengths, dates, choices) and turn it
into the inputs the services take; the rules themselves (who may, which states, duplicate
policy, image safety) live in the services, whose ``ServiceError`` a view hands back to
``attach_service_error`` so it shows beside the field it concerns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insignia.awards.models import AwardState, Status
from insignia.awards.selectors import AwardFilters
from insignia.awards.services import EvidenceInput
from insignia.badges.images import image_size_error
from insignia.badges.models import (
    AchievementType,
    Alignment,
    BadgeTemplate,
    DuplicatePolicy,
    Programme,
    ProgrammeStatus,
    TemplateState,
)
from insignia.badges.services import AlignmentInput, ImageUpload, TemplateInput
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ServiceForm(forms.Form):
    """A form that can show a service's refusal beside the field it names."""

    # Service field name -> form field name, where the two differ.
    service_field_aliases: dict[str, str] = {}

    def attach_service_error(self, exc: ServiceError) -> None:
        name = self.service_field_aliases.get(exc.field or "", exc.field)
        self.add_error(name if name in self.fields else None, exc.message)


def split_skills(raw: str) -> list[str]:
    """``"Cloud, Networking\\nSecurity"`` -> ``["Cloud", "Networking", "Security"]``."""
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def day_start(day: dt.date) -> dt.datetime:
    """Midnight UTC of ``day``: form dates become aware datetimes the same way everywhere."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


# --- Badge templates ------------------------------------------------------------------------


class TemplateForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=80,
        required=False,
        help_text=_(
            "Short id used in exports and the CLI. Leave empty to derive it from the name."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the badge says about the person who holds it."),
    )
    image = forms.FileField(
        label=_("Image"),
        help_text=_(
            "PNG or SVG, square, at least 16×16 pixels. SVGs may not contain scripts or links."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.svg,image/png,image/svg+xml"}),
    )
    criteria_url = forms.URLField(
        label=_("Criteria URL"), required=False, max_length=200, assume_scheme="https"
    )
    criteria_markdown = forms.CharField(
        label=_("Criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the badge is earned, in Markdown. Give this, a criteria URL, or both."),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_("Comma-separated, e.g. “Cloud computing, Networking”. At least one."),
    )
    achievement_type = forms.ChoiceField(
        label=_("Achievement type"), choices=AchievementType.choices, initial=AchievementType.BADGE
    )
    validity_days = forms.IntegerField(
        label=_("Validity (days)"),
        required=False,
        min_value=1,
        help_text=_("Badges expire this many days after issue. Empty: they never expire."),
    )
    duplicate_policy = forms.ChoiceField(label=_("Duplicates"), choices=DuplicatePolicy.choices)
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label=_("(none)"),
    )
    earn_again_url = forms.URLField(
        label=_("“Earn it again” URL"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Where an earner whose badge expired can renew it."),
    )
    state = forms.ChoiceField(
        label=_("Start as"),
        choices=[
            (TemplateState.DRAFT, _("Draft – not issuable yet")),
            (TemplateState.ACTIVE, _("Active – ready to issue")),
        ],
        initial=TemplateState.DRAFT,
    )

    def __init__(
        self, *args: Any, issuer: Issuer, instance: BadgeTemplate | None = None, **kwargs: Any
    ) -> None:
        if instance is not None:
            kwargs.setdefault("initial", _template_initial(instance))
        super().__init__(*args, **kwargs)
        self.instance = instance
        programmes = Programme.objects.filter(issuer=issuer).exclude(
            status=ProgrammeStatus.TERMINATED
        )
        if instance is not None and instance.programme_id is not None:
            programmes = Programme.objects.filter(issuer=issuer).filter(
                pk__in=[*programmes.values_list("pk", flat=True), instance.programme_id]
            )
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        if instance is not None:
            # Editing: a new image is optional and the state moves through its own buttons.
            self.fields["image"].required = False
            self.fields["image"].help_text = _("Leave empty to keep the current image.")
            del self.fields["state"]

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        # Refuse oversized uploads before reading them into memory; the service checks the
        # bytes themselves.
        if upload and (message := image_size_error(upload.size)):
            raise ValidationError(message)
        return upload

    def template_input(self, alignments: list[AlignmentInput]) -> TemplateInput:
        data = self.cleaned_data
        return TemplateInput(
            name=data["name"],
            slug=data["slug"],
            description=data["description"],
            skills=split_skills(data["skills"]),
            criteria_url=data["criteria_url"],
            criteria_markdown=data["criteria_markdown"],
            alignments=alignments,
            achievement_type=data["achievement_type"],
            validity_days=data["validity_days"],
            duplicate_policy=data["duplicate_policy"],
            programme=data["programme"],
            earn_again_url=data["earn_again_url"],
        )

    def image_upload(self) -> ImageUpload | None:
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        upload.seek(0)
        return ImageUpload(data=upload.read(), filename=upload.name or "")


def _template_initial(template: BadgeTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "slug": template.slug,
        "description": template.description,
        "criteria_url": template.criteria_url,
        "criteria_markdown": template.criteria_markdown,
        "skills": ", ".join(skill.name for skill in template.skills.all()),
        "achievement_type": template.achievement_type,
        "validity_days": template.validity_days,
        "duplicate_policy": template.duplicate_policy,
        "programme": template.programme.public_id if template.programme else None,
        "earn_again_url": template.earn_again_url,
    }


class AlignmentForm(forms.Form):
    target_name = forms.CharField(label=_("Target name"), max_length=200)
    target_url = forms.URLField(label=_("Target URL"), max_length=200, assume_scheme="https")
    target_framework = forms.CharField(label=_("Framework"), max_length=200, required=False)
    target_code = forms.CharField(label=_("Code"), max_length=100, required=False)
    target_description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BaseAlignmentFormSet(forms.BaseFormSet):
    def alignment_inputs(self) -> list[AlignmentInput]:
        return [
            AlignmentInput(
                target_name=form.cleaned_data["target_name"],
                target_url=form.cleaned_data["target_url"],
                target_framework=form.cleaned_data["target_framework"],
                target_code=form.cleaned_data["target_code"],
                target_description=form.cleaned_data["target_description"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


AlignmentFormSet = cast(
    type[BaseAlignmentFormSet],
    forms.formset_factory(
        AlignmentForm, formset=BaseAlignmentFormSet, extra=1, can_delete=True, max_num=20
    ),
)


def alignment_initial(alignments: list[Alignment]) -> list[dict[str, str]]:
    return [
        {
            "target_name": a.target_name,
            "target_url": a.target_url,
            "target_framework": a.target_framework,
            "target_code": a.target_code,
            "target_description": a.target_description,
        }
        for a in alignments
    ]


class TemplateFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *TemplateState.choices]
    )


# --- Programmes -----------------------------------------------------------------------------


class ProgrammeForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    effective_date = forms.DateField(
        label=_("Effective date"),
        widget=DATE_INPUT,
        help_text=_("No badge of this programme can be issued before this date."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(ProgrammeStatus.PILOT, _("Pilot")), (ProgrammeStatus.ACTIVE, _("Active"))],
        initial=ProgrammeStatus.PILOT,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProgrammeStatusForm(ServiceForm):
    status = forms.ChoiceField(label=_("Status"), choices=ProgrammeStatus.choices)
    termination_note = forms.CharField(
        label=_("Note to earners"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to terminate: what happens to the badges already issued."),
    )


# --- Awards ---------------------------------------------------------------------------------


class IssueForm(ServiceForm):
    service_field_aliases = {"evidence": "evidence_url"}

    template = forms.ModelChoiceField(
        label=_("Badge"), queryset=BadgeTemplate.objects.none(), to_field_name="public_id"
    )
    # A plain text field: the service validates the address, with its own message.
    recipient_email = forms.CharField(
        label=_("Recipient email"), max_length=254, widget=forms.EmailInput
    )
    recipient_name = forms.CharField(
        label=_("Recipient name"), max_length=200, help_text=_("As it should appear on the badge.")
    )
    external_id = forms.CharField(
        label=_("Your id for this person"),
        max_length=200,
        required=False,
        help_text=_("Optional: a candidate or student number, searchable later."),
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Empty: now. Use an earlier date when recording a past result."),
    )
    expires_at = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Empty: the badge's default validity."),
    )
    evidence_url = forms.URLField(
        label=_("Evidence URL"), required=False, max_length=500, assume_scheme="https"
    )
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the person did to earn it, shown on the badge page."),
    )
    accepted = forms.BooleanField(
        label=_("Mark as already accepted"),
        required=False,
        help_text=_(
            "Only when migrating badges the person already accepted elsewhere; "
            "otherwise they accept it themselves."
        ),
    )
    suppress_notifications = forms.BooleanField(
        label=_("Send no emails"),
        required=False,
        help_text=_("No notification and no reminders for this badge (you can still resend)."),
    )

    def __init__(self, *args: Any, issuer: Issuer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["template"])
        # Validate against all of this issuer's templates, so one archived since the page was
        # loaded gets the service's explanation, but offer only the active ones.
        field.queryset = BadgeTemplate.objects.filter(issuer=issuer)
        active = BadgeTemplate.objects.filter(issuer=issuer, state=TemplateState.ACTIVE)
        field.widget.choices = [
            ("", _("Choose a badge…")),
            *((t.public_id, t.name) for t in active.order_by("name")),
        ]

    def issue_kwargs(self, *, now: dt.datetime) -> dict[str, Any]:
        """Keyword arguments for ``award_issue`` (without actor and source)."""
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "template": data["template"],
            "recipient_email": data["recipient_email"],
            "recipient_name": data["recipient_name"],
            "external_id": data["external_id"],
            "narrative": data["narrative"],
            "accepted": data["accepted"],
            "suppress_notifications": data["suppress_notifications"],
            "evidence": [EvidenceInput(url=data["evidence_url"])] if data["evidence_url"] else [],
            "now": now,
        }
        issued_on: dt.date | None = data["issued_on"]
        if issued_on is not None and issued_on != timezone.localdate(now):
            kwargs["issued_on"] = day_start(issued_on)
        expires_on: dt.date | None = data["expires_at"]
        if expires_on is not None:
            kwargs["expires_at"] = day_start(expires_on)
        return kwargs


class RevokeForm(ServiceForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to verifiers and to the earner."),
    )
    suppress_notification = forms.BooleanField(
        label=_("Do not email the earner"),
        required=False,
        help_text=_("By default the earner is told by email, with the reason."),
    )


class AwardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Email, name or id")}),
    )
    template = forms.ChoiceField(label=_("Badge"), required=False)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *AwardState.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    issued_from = forms.DateField(label=_("Issued from"), required=False, widget=DATE_INPUT)
    issued_to = forms.DateField(label=_("Issued to"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, issuer: Issuer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        templates = BadgeTemplate.objects.filter(issuer=issuer).order_by("name")
        self.fields["template"].choices = [  # type: ignore[attr-defined]
            ("", _("All badges")),
            *templates.values_list("public_id", "name"),
        ]

    def filters(self) -> AwardFilters:
        """The filters that were valid; an invalid one is ignored (and shown as an error)."""
        self.is_valid()
        data = self.cleaned_data
        return AwardFilters(
            q=(data.get("q") or "").strip(),
            template=data.get("template") or "",
            state=data.get("state") or "",
            status=data.get("status") or "",
            issued_from=data.get("issued_from"),
            issued_to=data.get("issued_to"),
        )

"""Forms for search, applying and posting a job: they parse input, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from insignia.awards.models import Award
from insignia.insights.models import SalaryPeriod


class JobSearchForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    skill = forms.CharField(label=_("Skill"), required=False, max_length=140)
    template = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    location = forms.CharField(label=_("Location"), required=False, max_length=100)
    remote = forms.BooleanField(label=_("Remote only"), required=False)
    salary_floor = forms.DecimalField(
        label=_("Salary at least (per year)"), required=False, min_value=0, max_digits=12
    )


class BadgeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        award: Award = obj
        return f"{award.template.name} · {award.issuer.name}"


class ApplyForm(forms.Form):
    message = forms.CharField(
        label=_("A short message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    badges = BadgeChoiceField(
        label=_("Badges to send"),
        queryset=Award.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, badges: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["badges"].queryset = badges  # type: ignore[attr-defined]


class JobForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description_markdown = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown."),
    )
    city = forms.CharField(label=_("City"), required=False, max_length=120)
    region = forms.CharField(label=_("Region"), required=False, max_length=120)
    country = forms.CharField(label=_("Country"), required=False, max_length=120)
    remote = forms.BooleanField(label=_("Remote"), required=False)
    salary_min = forms.DecimalField(label=_("Salary from"), required=False, max_digits=12)
    salary_max = forms.DecimalField(label=_("Salary to"), required=False, max_digits=12)
    salary_currency = forms.CharField(
        label=_("Currency"), required=False, max_length=3, initial="USD"
    )
    salary_period = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("", "—"), *SalaryPeriod.choices],
        initial="year",
    )
    required_skills = forms.CharField(
        label=_("Required skills"), required=False, help_text=_("Skill slugs, comma-separated.")
    )
    preferred_skills = forms.CharField(
        label=_("Preferred skills"), required=False, help_text=_("Skill slugs, comma-separated.")
    )
    apply_url = forms.URLField(
        label=_("Apply URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty to receive applications here."),
    )
    expires_at = forms.DateTimeField(label=_("Closes"), required=False)

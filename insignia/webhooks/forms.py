"""The endpoint form: shape only; the URL and event rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from insignia.issuers.forms import ServiceForm
from insignia.webhooks.models import EventType


class EndpointForm(ServiceForm):
    service_field_aliases = {"events": "events_chosen"}

    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/insignia/webhooks"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events_chosen = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(EventType.values),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

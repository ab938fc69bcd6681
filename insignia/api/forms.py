"""Forms of the developer settings pages (the issuer UI's API tokens and OAuth clients)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from insignia.api.models import Scope
from insignia.issuers.forms import ServiceForm

EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
    ("never", _("Never (revoke it by hand)")),
]


class _CredentialForm(ServiceForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("What uses it, e.g. “Exam system”. Audit rows show it as api:<name>."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        initial=[Scope.READ],
        widget=forms.CheckboxSelectMultiple,
    )

    def scope_string(self) -> str:
        return " ".join(self.cleaned_data["scopes"])


class TokenCreateForm(_CredentialForm):
    expires_in = forms.ChoiceField(label=_("Expires after"), choices=EXPIRY_CHOICES, initial="90")

    def expires_at(self, now: dt.datetime) -> dt.datetime | None:
        value = self.cleaned_data["expires_in"]
        return None if value == "never" else now + dt.timedelta(days=int(value))


class ClientCreateForm(_CredentialForm):
    pass

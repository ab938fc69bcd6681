"""Forms for the earner's pages. They only shape input; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from insignia.awards.models import Visibility


class SettingsForm(forms.Form):
    profile_public = forms.TypedChoiceField(
        label=_("Profile"),
        choices=[
            ("1", _("Public: anyone with the link sees my profile and public badges")),
            ("0", _("Private: only I can see my profile")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    default_visibility = forms.ChoiceField(
        label=_("New badges are"),
        choices=[
            (Visibility.PUBLIC, _("Public: shown on my profile, verifiable by anyone")),
            (Visibility.PRIVATE, _("Private: only I and the issuer can see them")),
        ],
        widget=forms.RadioSelect,
    )
    auto_accept_all = forms.BooleanField(
        label=_("Accept new badges from every issuer automatically"), required=False
    )
    auto_accept_issuers = forms.TypedMultipleChoiceField(
        label=_("…or only from these issuers"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    reminders_opt_out = forms.BooleanField(
        label=_("Stop reminder emails (badges waiting for me, badges about to expire)"),
        required=False,
    )

    def __init__(self, *args: object, issuers: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["auto_accept_issuers"].choices = issuers  # type: ignore[attr-defined]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    headline = forms.CharField(
        label=_("Headline"),
        max_length=140,
        required=False,
        help_text=_("One line, e.g. “Cloud engineer at Contoso”."),
    )
    location = forms.CharField(label=_("Location"), max_length=100, required=False)
    website = forms.CharField(
        label=_("Website"),
        max_length=200,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    bio = forms.CharField(
        label=_("About you"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, [links](https://…), lists."),
    )
    slug = forms.CharField(
        label=_("Profile address"),
        max_length=40,
        help_text=_(
            "3–40 lowercase letters, digits and hyphens. The old address keeps working "
            "for a while after a change."
        ),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 2 MB. We crop it square and remove its metadata."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

"""What belongs to an earner beyond the user row: settings, the public profile, slug history.

Awards themselves stay in ``awards``; the one per-award fact kept here is which claim tokens
were spent, so a reused link can say "already used" instead of "invalid" (the award row only
holds the current token's hash, which is cleared on use).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from insignia.awards.models import Award, Visibility
from insignia.issuers.models import Issuer


class EarnerSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="earner_settings"
    )
    profile_public = models.BooleanField(
        _("public profile"),
        default=True,
        help_text=_("Anyone with the link can see your profile and your public badges."),
    )
    default_visibility = models.CharField(
        _("new badges are"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    auto_accept_all = models.BooleanField(
        _("accept badges from every issuer automatically"), default=False
    )
    # Mirrored into the notifications app's per-address opt-out list, which the reminder
    # sweep reads (it also serves people without an account).
    reminders_opt_out = models.BooleanField(
        _("no reminder emails (badges waiting for me, badges about to expire)"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "earner settings"

    def __str__(self) -> str:
        return f"settings of {self.user}"


class IssuerAutoAccept(models.Model):
    """An earner accepts every badge from this issuer without being asked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auto_accept_issuers"
    )
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "issuer"], name="uniq_auto_accept_user_issuer")
        ]

    def __str__(self) -> str:
        return f"{self.user} auto-accepts {self.issuer}"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    slug = models.CharField(_("profile address"), max_length=40, unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    photo = models.ImageField(_("photo"), upload_to="profiles/", blank=True)
    headline = models.CharField(_("headline"), max_length=140, blank=True)
    bio = models.TextField(_("about you"), blank=True, help_text=_("Markdown."))
    location = models.CharField(_("location"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("earners:profile", args=[self.slug])


class SlugRedirect(models.Model):
    """A profile's former address, which redirects to the current one until ``expires_at``."""

    old_slug = models.CharField(max_length=40, unique=True)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="old_slugs")
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.profile.slug}"


class SpentClaimToken(models.Model):
    """The hash of a claim token that was used (accept or reject): single use, told apart."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"spent token of {self.award_id}"

"""Share analytics: one counter row per award, day and event kind (issue 6 §2).

Nothing about the visitor is stored: no IP address, no user agent, no user id. The template is
denormalised onto each row so that issuer reports sum per template without joining awards.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from insignia.awards.models import Award
from insignia.badges.models import BadgeTemplate
from insignia.earners.models import Profile

# Kinds are "page_view", "embed_view", "oembed", "share_click:<network>", "download:<kind>".
KIND_MAX_LENGTH = 40


class ShareCounter(models.Model):
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="share_counters")
    template = models.ForeignKey(
        BadgeTemplate, on_delete=models.CASCADE, related_name="share_counters"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("event kind"), max_length=KIND_MAX_LENGTH)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["award", "day", "kind"], name="uniq_sharecounter_award_day_kind"
            )
        ]
        indexes = [models.Index(fields=["template", "day", "kind"])]

    def __str__(self) -> str:
        return f"{self.award_id} {self.day} {self.kind}={self.count}"


class ProfileShareCounter(models.Model):
    """Share clicks from a public profile's share panel, per profile, day and network.

    As for badges, nothing about the visitor is kept; the profile is the earner's own page."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="share_counters")
    day = models.DateField(_("day"))
    kind = models.CharField(_("event kind"), max_length=KIND_MAX_LENGTH)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "day", "kind"], name="uniq_profilesharecounter_profile_day_kind"
            )
        ]

    def __str__(self) -> str:
        return f"profile {self.profile_id} {self.day} {self.kind}={self.count}"

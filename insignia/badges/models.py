"""Badge templates and what hangs off them: skills, alignments and programmes."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from insignia.core.models import BaseModel
from insignia.issuers.models import Issuer


class Skill(models.Model):
    """A skill from the shared taxonomy; templates of every issuer link to the same rows."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgrammeStatus(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class Programme(BaseModel):
    """A set of templates run together, e.g. a certification track with a launch date."""

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="programmes")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    effective_date = models.DateField(
        help_text=_("No badge of this programme can be issued before this date.")
    )
    status = models.CharField(
        max_length=16, choices=ProgrammeStatus.choices, default=ProgrammeStatus.PILOT
    )
    terminated_at = models.DateTimeField(null=True, blank=True)
    termination_note = models.TextField(
        blank=True, help_text=_("What happens to badges already issued; shown to earners.")
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "slug"], name="uniq_programme_issuer_slug")
        ]

    def __str__(self) -> str:
        return self.name


class AchievementType(models.TextChoices):
    """A subset of OB 3.0's AchievementType vocabulary; values are the OB 3.0 terms."""

    ASSESSMENT = "Assessment", _("Exam / assessment")
    CERTIFICATION = "Certification", _("Certification")
    CERTIFICATE = "Certificate", _("Certificate")
    COURSE = "Course", _("Course")
    BADGE = "Badge", _("Badge")
    MICROCREDENTIAL = "MicroCredential", _("Micro-credential")
    COMPETENCY = "Competency", _("Competency")
    LICENSE = "License", _("License")
    AWARD = "Award", _("Award")


class TemplateState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class DuplicatePolicy(models.TextChoices):
    DENY = "deny", _("Refuse a second badge to the same person")
    ALLOW = "allow", _("Allow several badges per person")
    REPLACE = "replace", _("Replace the earlier badge (revokes it)")


class ImageKind(models.TextChoices):
    PNG = "png", "PNG"
    SVG = "svg", "SVG"


class BadgeTemplate(BaseModel):
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="templates")
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="templates"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    description = models.TextField(_("description"))
    image = models.FileField(_("image"), upload_to="templates/images/")
    image_kind = models.CharField(max_length=3, choices=ImageKind.choices)
    criteria_url = models.URLField(_("criteria URL"), blank=True)
    criteria_markdown = models.TextField(_("criteria"), blank=True)
    skills = models.ManyToManyField(Skill, related_name="templates")
    achievement_type = models.CharField(
        max_length=32, choices=AchievementType.choices, default=AchievementType.BADGE
    )
    validity_days = models.PositiveIntegerField(
        _("validity (days)"),
        null=True,
        blank=True,
        help_text=_("Badges expire this many days after issue; empty means they never expire."),
    )
    state = models.CharField(
        max_length=16, choices=TemplateState.choices, default=TemplateState.DRAFT
    )
    duplicate_policy = models.CharField(
        max_length=16, choices=DuplicatePolicy.choices, default=DuplicatePolicy.DENY
    )
    earn_again_url = models.URLField(_("earn it again URL"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "slug"], name="uniq_template_issuer_slug")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("verification:template", args=[self.public_id])


class Alignment(models.Model):
    """An OB alignment: the template maps to a competency in some framework."""

    template = models.ForeignKey(BadgeTemplate, on_delete=models.CASCADE, related_name="alignments")
    target_name = models.CharField(max_length=200)
    target_url = models.URLField()
    target_description = models.TextField(blank=True)
    target_framework = models.CharField(max_length=200, blank=True)
    target_code = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.target_name

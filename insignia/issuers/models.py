"""Issuer organisations and the staff who act for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from insignia.core.models import BaseModel


class Issuer(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    url = models.URLField(_("website"))
    email = models.EmailField(_("contact email"))
    description = models.TextField(_("description"), blank=True)
    logo = models.FileField(_("logo"), upload_to="issuers/logos/", blank=True)
    linkedin_organization_id = models.CharField(
        _("LinkedIn organisation id"),
        max_length=32,
        blank=True,
        help_text=_(
            "Numeric id from your LinkedIn company page, so shares name your organisation."
        ),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("verification:issuer", args=[self.public_id])


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    ISSUER = "issuer", _("Issuer")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="issuer_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "user"], name="uniq_membership_issuer_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.issuer}"

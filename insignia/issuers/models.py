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


class KeyAlgorithm(models.TextChoices):
    # Ed25519 signs Data Integrity proofs (eddsa-rdfc-2022); RSA-2048 signs RS256 JWS (VC-JWT
    # and OB 2.0 signed badges).
    ED25519 = "Ed25519", _("Ed25519 (Data Integrity)")
    RSA = "RS256", _("RSA-2048 (RS256)")


class KeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active: signs new credentials")
    RETIRED = "retired", _("Retired: still published, old signatures verify")
    REVOKED = "revoked", _("Revoked: signatures no longer verify")


class SigningKey(BaseModel):
    """One issuer key pair. ``public_id`` is the key id (``kid``) in every published document.

    The private key is stored only encrypted (AES-256-GCM under the key-encryption key from
    ``INSIGNIA_KEY_ENCRYPTION_KEY``; see ``insignia.issuers.keys``). Public keys are never
    deleted: retired keys stay published so that badges signed with them still verify.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="signing_keys")
    algorithm = models.CharField(max_length=16, choices=KeyAlgorithm.choices)
    status = models.CharField(max_length=16, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    public_key_pem = models.TextField()
    private_key_encrypted = models.BinaryField()
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["issuer", "algorithm", "created_at", "id"]
        constraints = [
            # At most one key of each algorithm signs at a time; rotation retires the old one in
            # the same transaction that creates the new one.
            models.UniqueConstraint(
                fields=["issuer", "algorithm"],
                condition=models.Q(status="active"),
                name="uniq_signing_key_active_per_algorithm",
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.algorithm} {self.public_id} ({self.status})"

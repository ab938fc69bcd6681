"""API clients: an OAuth 2 application or a personal token, always acting for one issuer."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from insignia.core.models import BaseModel
from insignia.issuers.models import Issuer


class Scope(models.TextChoices):
    READ = "read", _("Read templates, awards, programmes and events")
    WRITE = "write", _("Issue, revoke and resend awards; manage templates")


def parse_scopes(value: str) -> frozenset[str]:
    return frozenset(s for s in value.split() if s in Scope.values)


class ApiClient(BaseModel):
    """An OAuth 2 client-credentials application bound to one issuer.

    The OAuth application carries the secret (django-oauth-toolkit hashes it); this row says
    which issuer the client acts for and the largest set of scopes its tokens may carry.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="api_clients")
    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="insignia_client"
    )
    name = models.CharField(max_length=200)
    scopes = models.CharField(max_length=64, default="read write")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"


class ApiToken(BaseModel):
    """An issuer API token: shown once, stored as its SHA-256, scoped, expiring, revocable."""

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=200)
    # The raw token is 256 bits of randomness, so a plain SHA-256 (no salt, no stretching) is
    # enough to make the stored value useless and lets us look a token up by its hash.
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text=_("First characters, to recognise it."))
    scopes = models.CharField(max_length=64, default="read")
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

"""The allauth adapter: the one place where account policy meets badges.

When someone confirms an email address, every award sent to it that has no owner yet joins
their account (pending, or accepted if they auto-accept its issuer). If they came through a
claim link (see ``insignia.earners.claims``), that award is accepted and they land on it.
Confirming runs in one transaction with the attaching, so an address is never confirmed
without its badges, nor the other way round.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import ngettext

from insignia.earners import claims
from insignia.earners.services import earner_awards_attach_for_address

# Where the adapter leaves the landing page for the redirect methods allauth calls next.
_LANDING_ATTR = "_insignia_claim_landing"


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        with transaction.atomic():
            confirmed = bool(super().confirm_email(request, email_address))
            if not confirmed:
                return False
            result = earner_awards_attach_for_address(
                user=email_address.user,
                email=email_address.email,
                claim_public_ids=claims.claim_intents(request),
            )
        if result.claimed is not None:
            claims.claim_forget(request, result.claimed.public_id)
            setattr(request, _LANDING_ATTR, result.claimed.get_absolute_url())
            messages.success(request, f"“{result.claimed.template.name}” is now in your account.")
        elif result.attached:
            setattr(request, _LANDING_ATTR, reverse("earners:dashboard"))
        waiting = len(result.attached) - (1 if result.claimed is not None else 0)
        if waiting:
            messages.info(
                request,
                ngettext(
                    "%(n)d more badge sent to %(email)s is in your account.",
                    "%(n)d more badges sent to %(email)s are in your account.",
                    waiting,
                )
                % {"n": waiting, "email": email_address.email},
            )
        return True

    def _landing(self, request: HttpRequest | None) -> str | None:
        return getattr(request, _LANDING_ATTR, None) if request is not None else None

    def get_email_verification_redirect_url(self, email_address: EmailAddress) -> Any:
        return self._landing(self.request) or super().get_email_verification_redirect_url(
            email_address
        )

    def get_login_redirect_url(self, request: HttpRequest) -> Any:
        return self._landing(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> Any:
        return self._landing(request) or super().get_signup_redirect_url(request)

"""Who is calling: an OAuth 2 access token or an issuer API token, both as ``Bearer``.

Either way the request ends up with an ``ApiPrincipal``: the issuer it acts for, the scopes
it holds and a label for audit rows. There is no Django user behind an API call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from insignia.api.models import ApiClient, ApiToken, parse_scopes
from insignia.api.services import TOKEN_PREFIX, token_hash
from insignia.core.audit import Actor
from insignia.issuers.models import Issuer


@dataclass(frozen=True)
class ApiPrincipal:
    issuer: Issuer
    scopes: frozenset[str]
    label: str  # "api:<client name>", written to audit rows
    key: str  # stable per client; the throttle bucket

    @property
    def actor(self) -> Actor:
        return Actor.system(self.label)


class ApiAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiPrincipal] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Bearer <token>'.")
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        if raw.startswith(TOKEN_PREFIX):
            return AnonymousUser(), self._api_token(raw)
        return AnonymousUser(), self._oauth(request)

    def _api_token(self, raw: str) -> ApiPrincipal:
        token = ApiToken.objects.select_related("issuer").filter(token_hash=token_hash(raw)).first()
        now = timezone.now()
        if token is None or not token.is_usable(now):
            raise exceptions.AuthenticationFailed("The token is unknown, expired or revoked.")
        # At most one write a minute per token: "last used" is for humans, not an audit trail.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ApiPrincipal(
            issuer=token.issuer,
            scopes=parse_scopes(token.scopes),
            label=f"api:{token.name}",
            key=f"token:{token.pk}",
        )

    def _oauth(self, request: Request) -> ApiPrincipal:
        result = OAuth2Authentication().authenticate(request)
        if result is None:
            raise exceptions.AuthenticationFailed("The access token is unknown or expired.")
        access_token = result[1]
        client = (
            ApiClient.objects.select_related("issuer")
            .filter(application_id=access_token.application_id, revoked_at__isnull=True)
            .first()
        )
        if client is None:
            raise exceptions.AuthenticationFailed(
                "This OAuth client is not an Insignia API client."
            )
        return ApiPrincipal(
            issuer=client.issuer,
            scopes=parse_scopes(access_token.scope) & parse_scopes(client.scopes),
            label=f"api:{client.name}",
            key=f"client:{client.pk}",
        )

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'

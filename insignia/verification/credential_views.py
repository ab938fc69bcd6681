"""Open Badges 3.0 endpoints: credentials, issuer keys and status lists (ARCHITECTURE §6).

Media types (docs/open-badges.md): a credential with an embedded proof is ``application/vc``
(VC Data Model 2.0 §6.3); a client that asks for ``application/vc+ld+json`` (the VC 2.0 drafts'
and 1EdTech's name) or plain ``application/json`` (or a browser, which would otherwise download
it) gets that label on the same bytes. A VC-JWT is
``application/vc+jwt`` (VC-JOSE-COSE). Privacy is the OB 2.0 endpoints': a pending, rejected or
private award answers 404 to everyone but its earner and the issuer's staff.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_safe

from insignia.awards.models import Award
from insignia.badges.models import ImageKind
from insignia.core.ids import is_public_id
from insignia.issuers import keys
from insignia.issuers.models import Issuer
from insignia.verification import credentials, images, selectors
from insignia.verification.models import StatusList
from insignia.verification.responses import PRIVATE, SVG_CSP, document_response

VC = "application/vc"
VC_LD = "application/vc+ld+json"
VC_JWT = "application/vc+jwt"
JSON = "application/json"
LD_JSON = "application/ld+json"


def _json_type(request: HttpRequest, default: str) -> str:
    accept = request.headers.get("Accept", "")
    if VC_LD in accept:
        return VC_LD
    if request.GET.get("format") == "json" or (
        JSON in accept and default not in accept and LD_JSON not in accept
    ):
        return JSON
    if "text/html" in accept:
        # A browser would download `application/vc`; show it the JSON instead (same bytes).
        return JSON
    return default


def _visible_award(request: HttpRequest, public_id: str) -> Award:
    award = selectors.award_by_public_id(public_id)
    if award is None or not selectors.award_is_visible(award=award, user=request.user):
        raise Http404("No such badge.")
    return award


def _issuer(public_id: str) -> Issuer:
    issuer = selectors.issuer_by_public_id(public_id)
    if issuer is None:
        raise Http404("No such issuer.")
    return issuer


def _last_modified(award: Award) -> object:
    return max(
        selectors.award_last_modified(
            award, selectors.TemplateRef.of(award.template), now=timezone.now()
        ),
        award.template.issuer.updated_at,
    )


# --- credentials ------------------------------------------------------------------------------


@require_safe
def badge_credential(request: HttpRequest, public_id: str, ext: str) -> HttpResponseBase:
    award = _visible_award(request, public_id)
    last_modified = _last_modified(award)
    if ext == "json":
        response = document_response(
            request,
            credentials.credential_json(award),
            content_type=_json_type(request, VC),
            public=award.is_public,
            last_modified=last_modified,  # type: ignore[arg-type]
        )
    elif ext == "jwt":
        response = document_response(
            request,
            credentials.credential_jwt(award),
            content_type=VC_JWT,
            public=award.is_public,
            last_modified=last_modified,  # type: ignore[arg-type]
            negotiated=False,
        )
    elif ext == award.template.image_kind:
        if award.is_revoked:
            # As for the OB 2.0 image: a revoked badge's image is no longer issued. The JSON and
            # JWT stay available: their status list says "revoked" to any verifier.
            return HttpResponse(
                "This badge was revoked; its image is no longer issued.",
                status=410,
                content_type="text/plain; charset=utf-8",
                headers={"Cache-Control": PRIVATE},
            )
        response = document_response(
            request,
            credentials.baked_credential_image(award),
            content_type=images.CONTENT_TYPES[ImageKind(ext)],
            public=award.is_public,
            last_modified=last_modified,  # type: ignore[arg-type]
            negotiated=False,
        )
        response["X-Content-Type-Options"] = "nosniff"
        if ext == ImageKind.SVG:
            response["Content-Security-Policy"] = SVG_CSP
    else:
        raise Http404("This badge's credential is not available in that format.")
    if request.GET.get("download") == "1":
        response["Content-Disposition"] = (
            f'attachment; filename="{award.template.slug}-{award.public_id}-ob3.{ext}"'
        )
    return response


# --- issuer keys ------------------------------------------------------------------------------


def _issuer_response(
    request: HttpRequest, issuer: Issuer, body: bytes, content_type: str
) -> HttpResponseBase:
    changed = keys.keys_changed_at(issuer)
    return document_response(
        request,
        body,
        content_type=content_type,
        public=True,
        last_modified=max(issuer.updated_at, changed) if changed else issuer.updated_at,
        negotiated=content_type != "application/jwk-set+json",
    )


@require_safe
def issuer_profile(request: HttpRequest, public_id: str) -> HttpResponseBase:
    issuer = _issuer(public_id)
    body = credentials.issuer_json(credentials.profile_document(issuer))
    return _issuer_response(request, issuer, body, _json_type(request, LD_JSON))


@require_safe
def issuer_did(request: HttpRequest, public_id: str) -> HttpResponseBase:
    issuer = _issuer(public_id)
    body = credentials.issuer_json(credentials.did_document(issuer))
    content_type = JSON if JSON in request.headers.get("Accept", "") else "application/did+ld+json"
    return _issuer_response(request, issuer, body, content_type)


@require_safe
def issuer_jwks(request: HttpRequest, public_id: str) -> HttpResponseBase:
    issuer = _issuer(public_id)
    body = credentials.issuer_json(credentials.jwks_document(issuer))
    return _issuer_response(request, issuer, body, "application/jwk-set+json")


# --- status lists -----------------------------------------------------------------------------


@require_safe
def status_list(request: HttpRequest, public_id: str) -> HttpResponseBase:
    if not is_public_id(public_id):
        raise Http404("No such status list.")
    try:
        # The 16 KiB bitstring is read only when the signed copy is not cached.
        found = StatusList.objects.select_related("issuer").defer("bits").get(public_id=public_id)
    except StatusList.DoesNotExist:
        raise Http404("No such status list.") from None
    # Short max-age: the list is how revocation reaches verifiers; the ETag changes with every
    # revocation, so a conditional GET stays cheap.
    return document_response(
        request,
        credentials.status_list_json(found),
        content_type=_json_type(request, VC),
        public=True,
        last_modified=found.updated_at,
    )

"""Public badge pages and hosted Open Badges documents (ARCHITECTURE §5.4, §6).

Each URL answers JSON-LD or HTML by content negotiation. Anything that is not public answers
404, never 403, to everyone but the award's earner and the issuer's staff (§8).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from insignia.accounts.models import User
from insignia.awards.models import Award
from insignia.awards.tokens import token_matches
from insignia.badges.models import BadgeTemplate, ImageKind, TemplateState
from insignia.core.errors import ServiceError
from insignia.core.markdown import render_markdown
from insignia.earners import claims
from insignia.earners import selectors as earner_selectors
from insignia.earners import services as earner_services
from insignia.earners.ratelimit import claim_allowed
from insignia.insights.selectors import template_market
from insignia.issuers.models import Issuer
from insignia.openbadges.verify import verify_hosted_assertion
from insignia.openbadges.verify_ob3 import verify_credential
from insignia.sharing import selectors as sharing_selectors
from insignia.sharing import services as sharing_services
from insignia.verification import credentials, documents, images, selectors
from insignia.verification.fetch import fetch_in_process
from insignia.verification.negotiation import Representation, representation_for
from insignia.verification.responses import PRIVATE, SVG_CSP, document_response

HTML = "text/html; charset=utf-8"
IMAGE_MAX_AGE = 24 * 3600


def _visible_award(request: HttpRequest, public_id: str) -> Award:
    award = selectors.award_by_public_id(public_id)
    if award is None or not selectors.award_is_visible(award=award, user=request.user):
        raise Http404("No such badge.")
    return award


def _visible_template(request: HttpRequest, public_id: str) -> BadgeTemplate:
    template = selectors.template_by_public_id(public_id)
    if template is None or not selectors.template_is_visible(template=template, user=request.user):
        raise Http404("No such badge template.")
    return template


def _json_type(representation: Representation) -> str:
    return (
        Representation.JSON.value
        if representation is Representation.JSON
        else Representation.JSON_LD.value
    )


def _page_is_public(request: HttpRequest, *, public: bool) -> bool:
    # Pages name the signed-in user in the header, so only anonymous pages are shareable.
    return public and not request.user.is_authenticated


def _og(*, title: str, description: str, image: str, url: str) -> dict[str, str]:
    return {"title": title, "description": description[:300], "image": image, "url": url}


# --- badges -----------------------------------------------------------------------------------


@require_safe
def badge(request: HttpRequest, public_id: str) -> HttpResponseBase:
    representation = representation_for(request)
    if representation is Representation.HTML:
        award = _visible_award(request, public_id)
        if sharing_selectors.award_is_shareable(award):
            sharing_services.counter_increment(award=award, kind=sharing_services.PAGE_VIEW)
        return _noindex_unless_public(
            document_response(
                request,
                _render_badge_page(request, award, claim=False),
                content_type=HTML,
                public=_page_is_public(request, public=award.is_public),
                last_modified=selectors.award_last_modified(
                    award, selectors.TemplateRef.of(award.template), now=timezone.now()
                ),
            ),
            award,
        )
    found = selectors.award_for_document(public_id)
    if found is None or not selectors.award_is_visible(award=found[0], user=request.user):
        raise Http404("No such badge.")
    award, template_ref = found
    revoked = award.is_revoked
    response = document_response(
        request,
        documents.revoked_assertion_json(award)
        if revoked
        else documents.assertion_json(award, template_ref),
        content_type=_json_type(representation),
        public=award.is_public,
        last_modified=selectors.award_last_modified(award, template_ref, now=timezone.now()),
        status=410 if revoked else 200,
    )
    return _noindex_unless_public(response, award)


def _noindex_unless_public(response: HttpResponseBase, award: Award) -> HttpResponseBase:
    # Only the earner and staff ever get here for a non-public badge; keep it out of indexes
    # even if they paste the link somewhere a crawler follows it (issue 4 §7).
    if not award.is_public:
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render_badge_page(
    request: HttpRequest, award: Award, *, claim: bool, extra: dict[str, object] | None = None
) -> bytes:
    page = selectors.award_page(award, now=timezone.now())
    template_image = documents.template_image_url(page.template)
    og = None
    # Issue 6: a shareable badge previews with its generated share image and offers oEmbed.
    shareable = not claim and sharing_selectors.award_is_shareable(award)
    share_meta = sharing_selectors.badge_page_meta(award) if shareable else None
    if page.is_public and not claim:
        og = _og(
            title=f"{page.template.name} — {award.recipient_name}",
            description=f"{award.recipient_name} earned {page.template.name} from "
            f"{page.issuer.name}. {page.template.description}",
            image=share_meta["share_image"] if share_meta else template_image,
            url=documents.badge_url(award.public_id),
        )
    context = {
        "page": page,
        "award": award,
        "template": page.template,
        "issuer": page.issuer,
        "claim": claim,
        "badge_url": documents.badge_url(award.public_id),
        "image_url": template_image,
        "criteria_html": render_markdown(page.template.criteria_markdown),
        "narrative_html": render_markdown(award.narrative),
        "og": og,
        "is_owner": request.user.is_authenticated and award.earner_id == request.user.pk,
        "share_meta": share_meta,
        **(extra or {}),
    }
    if shareable and context["is_owner"]:
        context["share"] = sharing_selectors.share_panel(award)
    return render_to_string("verification/badge.html", context, request).encode("utf-8")


@require_safe
def badge_image(request: HttpRequest, public_id: str, ext: str) -> HttpResponseBase:
    award = _visible_award(request, public_id)
    if ext != award.template.image_kind:
        raise Http404("This badge's image is in another format.")
    if award.is_revoked:
        return HttpResponse(
            "This badge was revoked; its image is no longer issued.",
            status=410,
            content_type="text/plain; charset=utf-8",
            headers={"Cache-Control": PRIVATE},
        )
    response = document_response(
        request,
        images.baked_award_image(award),
        content_type=images.CONTENT_TYPES[ImageKind(ext)],
        public=award.is_public,
        last_modified=selectors.award_last_modified(
            award, selectors.TemplateRef.of(award.template), now=timezone.now()
        ),
        negotiated=False,
    )
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{award.template.slug}-{award.public_id}.{ext}"'
    )
    return _image_headers(_noindex_unless_public(response, award), ext)


def _image_headers(response: HttpResponseBase, ext: str) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    if ext == ImageKind.SVG:
        # An SVG opened on its own is a document that could run script; forbid all of it.
        response["Content-Security-Policy"] = SVG_CSP
    return response


@require_safe
def badge_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    award = _visible_award(request, public_id)
    email = request.GET.get("email", "").strip().lower()
    report = verify_hosted_assertion(
        documents.badge_url(award.public_id),
        fetch=fetch_in_process,
        now=timezone.now(),
        recipient_email=email or None,
    )
    # OB 3.0: the signed credential as we serve it, checked like any other; its keys and
    # status list are fetched through our public URLs.
    ob3_report = verify_credential(
        credentials.credential_json(award),
        fetch=fetch_in_process,
        now=timezone.now(),
        recipient_email=email or None,
        did_web_scheme=credentials.did_web_scheme(),
    )
    context = {
        "award": award,
        "report": report,
        "ob3_report": ob3_report,
        "email": email,
        "is_public": award.is_public,
    }
    partial = request.GET.get("partial") == "1"
    template_name = "verification/_verify_report.html" if partial else "verification/verify.html"
    response = render(request, template_name, context)
    response["Cache-Control"] = PRIVATE  # the answer depends on the moment and on the email
    response["X-Robots-Tag"] = "noindex"
    return response


def _claim_headers(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: keep it out of caches, Referer headers and search engines.
    response["Cache-Control"] = PRIVATE
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _claim_refused(request: HttpRequest, reason: str, award: Award | None) -> HttpResponse:
    status = 429 if reason == "rate_limited" else 404
    context = {"reason": reason, "award": award}
    return _claim_headers(
        render(request, "verification/claim_invalid.html", context, status=status)
    )


def _claim_mode(request: HttpRequest, award: Award) -> str:
    """Which choice the claim page offers this visitor (see the claim notice in badge.html)."""
    if award.is_revoked:
        return "revoked"
    if not request.user.is_authenticated:
        return "anonymous"
    user = request.user
    if award.earner_id not in (None, user.pk):
        return "other_account"
    if earner_selectors.user_has_verified_email(user=user, email=award.recipient_email):
        return "owner"
    return "other_account" if earner_selectors.email_owner(award.recipient_email) else "add_email"


@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HttpRequest, public_id: str, token: str) -> HttpResponse:
    """The link in the award email: the badge with Accept and Reject (ARCHITECTURE §5.2)."""
    if not claim_allowed(request, public_id):
        return _claim_refused(request, "rate_limited", None)
    now = timezone.now()
    award = selectors.award_by_public_id(public_id)
    if award is None:
        return _claim_refused(request, "invalid", None)
    if not selectors.claim_token_valid(award=award, raw_token=token, now=now):
        if earner_selectors.claim_token_spent(award=award, raw_token=token):
            return _claim_refused(request, "used", award)
        if token_matches(token, award.claim_token_hash):
            return _claim_refused(request, "expired", None)
        return _claim_refused(request, "invalid", None)
    mode = _claim_mode(request, award)
    if request.method == "POST":
        if mode != "owner":
            messages.error(request, "Sign in with the account this badge was sent to first.")
            return redirect(request.path)
        decision = request.POST.get("decision", "")
        try:
            award = earner_services.award_claim(
                user=cast(User, request.user), award=award, raw_token=token, decision=decision
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        claims.claim_forget(request, award.public_id)
        if decision == earner_services.CLAIM_ACCEPT:
            messages.success(request, f"“{award.template.name}” is now in your account.")
        else:
            messages.success(
                request, "Badge declined. You can undo this from “Declined” in My badges."
            )
        return redirect(award.get_absolute_url())
    if mode in ("anonymous", "add_email", "other_account") and award.earner_id is None:
        # Remembered (without the token) so that confirming the address accepts this badge.
        claims.claim_remember(request, award.public_id)
    body = _render_badge_page(request, award, claim=True, extra={"claim_mode": mode})
    return _claim_headers(HttpResponse(body, content_type=HTML))


# --- templates --------------------------------------------------------------------------------


@require_safe
def template(request: HttpRequest, public_id: str) -> HttpResponseBase:
    badge_template = _visible_template(request, public_id)
    representation = representation_for(request)
    public = badge_template.state != TemplateState.DRAFT
    if representation is not Representation.HTML:
        return document_response(
            request,
            documents.badge_class_json(badge_template),
            content_type=_json_type(representation),
            public=public,
            last_modified=badge_template.updated_at,
        )
    issuer = badge_template.issuer
    context = {
        "template": badge_template,
        "issuer": issuer,
        "skills": selectors.template_skill_names(badge_template),
        # Jobs asking for its skills and what they pay (issue 7).
        "market": template_market(template=badge_template, now=timezone.now()),
        "alignments": selectors.template_alignments(badge_template),
        "criteria_html": render_markdown(badge_template.criteria_markdown),
        "image_url": documents.template_image_url(badge_template),
        "og": _og(
            title=f"{badge_template.name} — {issuer.name}",
            description=badge_template.description,
            image=documents.template_image_url(badge_template),
            url=documents.template_url(badge_template.public_id),
        ),
    }
    body = render_to_string("verification/template.html", context, request).encode("utf-8")
    return document_response(
        request,
        body,
        content_type=HTML,
        public=_page_is_public(request, public=public),
        last_modified=max(badge_template.updated_at, issuer.updated_at),
    )


@require_safe
def template_image(request: HttpRequest, public_id: str, ext: str) -> HttpResponseBase:
    badge_template = _visible_template(request, public_id)
    if ext != badge_template.image_kind:
        raise Http404("This template's image is in another format.")
    response = document_response(
        request,
        images.template_image(badge_template),
        content_type=images.CONTENT_TYPES[ImageKind(ext)],
        public=badge_template.state != TemplateState.DRAFT,
        last_modified=badge_template.updated_at,
        max_age=IMAGE_MAX_AGE,
        negotiated=False,
    )
    return _image_headers(response, ext)


# --- issuers ----------------------------------------------------------------------------------


def _issuer(public_id: str) -> Issuer:
    # Issuer profiles are public: every badge they issued names them.
    issuer = selectors.issuer_by_public_id(public_id)
    if issuer is None:
        raise Http404("No such issuer.")
    return issuer


@require_safe
def issuer(request: HttpRequest, public_id: str) -> HttpResponseBase:
    profile = _issuer(public_id)
    representation = representation_for(request)
    if representation is not Representation.HTML:
        return document_response(
            request,
            documents.issuer_json(profile),
            content_type=_json_type(representation),
            public=True,
            last_modified=profile.updated_at,
        )
    templates = selectors.issuer_public_templates(profile)
    context = {
        "issuer": profile,
        "templates": [(t, documents.template_image_url(t)) for t in templates],
        "logo_url": documents.media_url(profile.logo.url) if profile.logo else "",
        "og": _og(
            title=profile.name,
            description=profile.description or f"Badges issued by {profile.name}.",
            image=documents.media_url(profile.logo.url)
            if profile.logo
            else (documents.template_image_url(templates[0]) if templates else ""),
            url=documents.issuer_url(profile.public_id),
        ),
    }
    body = render_to_string("verification/issuer.html", context, request).encode("utf-8")
    return document_response(
        request,
        body,
        content_type=HTML,
        public=_page_is_public(request, public=True),
        last_modified=max([profile.updated_at, *(t.updated_at for t in templates)]),
    )


@require_safe
def issuer_revocations(request: HttpRequest, public_id: str) -> HttpResponseBase:
    profile = _issuer(public_id)
    representation = representation_for(request)
    return document_response(
        request,
        documents.revocation_list_json(profile),
        content_type=_json_type(representation),
        public=True,
        last_modified=selectors.issuer_revocations_changed_at(profile),
    )

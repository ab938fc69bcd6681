"""Sharing, embedding and downloads for public badges (issue 6).

Privacy: everything here serves *shareable* awards only (accepted, public, not revoked) and
answers 404 otherwise, exactly like the badge page does for strangers, so making a badge private
later breaks every share link at once. The QR code, certificate and share image are also shown
to the earner and the issuer's staff (``private, no-store``), who may want them before sharing.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from insignia.awards.models import Award
from insignia.core.ids import is_public_id
from insignia.earners import selectors as earner_selectors
from insignia.sharing import embedding, images, links, selectors, services
from insignia.sharing.responses import cached_public_body
from insignia.verification import documents
from insignia.verification import selectors as verification_selectors
from insignia.verification.responses import PRIVATE, document_response, public_cache_control

SHARE_IMAGE_MAX_AGE = 24 * 3600

# Where each download kind lives (verification URLs); counted here, then redirected.
DOWNLOADS = {
    "png": ("verification:badge_image", "png"),
    "svg": ("verification:badge_image", "svg"),
    "ob3-png": ("verification:badge_credential", "png"),
    "ob3-svg": ("verification:badge_credential", "svg"),
    "ob3-json": ("verification:badge_credential", "json"),
}


def _shareable(public_id: str) -> Award:
    award = selectors.award_by_public_id(public_id)
    if award is None or not selectors.award_is_shareable(award):
        raise Http404("No such badge.")
    return award


def _shareable_or_visible(request: HttpRequest, public_id: str) -> tuple[Award, bool]:
    """The award and whether it is public; earners and staff also get their private ones."""
    award = selectors.award_by_public_id(public_id)
    if award is None or award.is_revoked:
        raise Http404("No such badge.")
    if selectors.award_is_shareable(award):
        return award, True
    if verification_selectors.award_is_visible(award=award, user=request.user):
        return award, False
    raise Http404("No such badge.")


def _private(response: HttpResponseBase, public: bool) -> HttpResponseBase:
    if not public:
        response["Cache-Control"] = PRIVATE
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- share redirects and download counters -----------------------------------------------------


@require_safe
def share(request: HttpRequest, public_id: str, network: str) -> HttpResponse:
    """Count a share click, then send the browser to the network's share dialog."""
    if network not in links.NETWORKS:
        raise Http404("Unknown network.")
    award = _shareable(public_id)
    services.counter_increment(award=award, kind=services.share_click(network))
    target = links.share_url(network, selectors.share_subject(award))
    # Built by hand: HttpResponseRedirect refuses the mailto: scheme of the e-mail share.
    response = HttpResponse(status=302)
    response["Location"] = target
    response["Cache-Control"] = PRIVATE  # every click must reach us to be counted
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def download(request: HttpRequest, public_id: str, kind: str) -> HttpResponse:
    """Count a download, then redirect to the file (served by the verification app)."""
    if kind not in DOWNLOADS:
        raise Http404("Unknown download.")
    award, public = _shareable_or_visible(request, public_id)
    name, ext = DOWNLOADS[kind]
    if ext in ("png", "svg") and ext != award.template.image_kind:
        raise Http404("This badge's image is in another format.")
    if public:
        services.counter_increment(award=award, kind=services.download(kind))
    response = HttpResponseRedirect(reverse(name, args=[award.public_id, ext]) + "?download=1")
    response["Cache-Control"] = PRIVATE
    return response


# --- embeds --------------------------------------------------------------------------------------


# Any site may frame the embed card (and only it); it has no forms or session state. Its one
# script (the height it posts to the embedding page) is allowed by hash, nothing else runs.
EMBED_CSP = (
    "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; "
    f"script-src '{embedding.SIZE_SCRIPT_HASH}'; frame-ancestors *"
)


@xframe_options_exempt
@require_safe
def embed(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """The card shown inside the embed iframe: no site chrome, inline CSS, no fonts to fetch."""
    row = selectors.embed_row(public_id)
    if row is None or not row.shareable:  # before any cached body or 304, on every request
        raise Http404("No such badge.")
    services.counter_add(
        award_id=row.award_id, template_id=row.template_id, kind=services.EMBED_VIEW
    )
    now = timezone.now()
    card = selectors.embed_card(row, now=now)

    def build() -> bytes:
        context = {**asdict(card), "size_script": embedding.SIZE_SCRIPT_HTML}
        return render_to_string("sharing/embed.html", context).encode("utf-8")

    response = cached_public_body(
        request,
        key="embed",
        digest=card.digest,
        last_modified=row.last_modified(now),
        content_type="text/html; charset=utf-8",
        build=build,
    )
    response["Content-Security-Policy"] = EMBED_CSP
    return response


@require_safe
def embed_script(request: HttpRequest) -> HttpResponse:
    context = {
        "site_url_json": json.dumps(settings.SITE_URL).replace("<", "\\u003c"),
        "width": selectors.EMBED_WIDTH,
        "height": selectors.EMBED_HEIGHT,
        "max_height": embedding.MAX_HEIGHT,
        "message_type_json": json.dumps(embedding.MESSAGE_TYPE),
    }
    body = render_to_string("sharing/embed.js", context)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = public_cache_control(3600)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _dimension(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    number = int(value)  # ValueError → 400
    if number <= 0:
        raise ValueError(value)
    return number


def _row_from_url(url: str) -> selectors.EmbedRow | None:
    """The award a badge page URL names, when the URL is one of ours."""
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc.lower()) != (site.scheme, site.netloc.lower()):
        return None
    prefix = f"{site.path.rstrip('/')}/badges/"
    if not parts.path.startswith(prefix):
        return None
    public_id = parts.path[len(prefix) :]
    if not is_public_id(public_id):
        return None
    return selectors.embed_row(public_id)


@require_safe
def oembed(request: HttpRequest) -> HttpResponseBase:
    """oEmbed 1.0 (https://oembed.com): a "rich" iframe of the embed card."""
    fmt = request.GET.get("format", "json")
    if fmt not in ("json", "xml"):
        return HttpResponse(
            "Unsupported format.", status=501, content_type="text/plain; charset=utf-8"
        )
    try:
        maxwidth = _dimension(request.GET.get("maxwidth"))
        maxheight = _dimension(request.GET.get("maxheight"))
    except ValueError:
        return HttpResponseBadRequest("maxwidth and maxheight must be positive integers.")
    row = _row_from_url(request.GET.get("url", ""))
    if row is None or not row.shareable:  # before any cached body or 304, on every request
        raise Http404("No such badge.")
    services.counter_add(award_id=row.award_id, template_id=row.template_id, kind=services.OEMBED)
    doc = selectors.oembed_doc(row, maxwidth=maxwidth, maxheight=maxheight)
    response = cached_public_body(
        request,
        key=f"oembed-{fmt}",
        digest=doc.digest,
        last_modified=row.last_modified(timezone.now()),
        content_type=("application/json" if fmt == "json" else "application/xml; charset=utf-8"),
        build=lambda: _oembed_body(doc.data, fmt),
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _oembed_body(data: dict[str, str | int], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(data, cls=DjangoJSONEncoder).encode("utf-8")
    root = ET.Element("oembed")
    for key, value in data.items():
        ET.SubElement(root, key).text = str(value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- QR, certificate, share image --------------------------------------------------------------


@require_safe
def qr(request: HttpRequest, public_id: str, ext: str) -> HttpResponseBase:
    award, public = _shareable_or_visible(request, public_id)
    url = documents.badge_url(award.public_id)
    if ext == "svg":
        body, content_type = images.qr_svg(url), "image/svg+xml"
    elif ext == "png":
        body, content_type = images.qr_png(url), "image/png"
    else:
        raise Http404("QR codes are SVG or PNG.")
    response = document_response(
        request, body, content_type=content_type, public=public, negotiated=False
    )
    response["X-Content-Type-Options"] = "nosniff"
    if ext == "svg":
        response["Content-Security-Policy"] = "default-src 'none'"
    return _private(response, public)


@require_safe
def certificate(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """A print-friendly certificate (A4 by default, ?paper=letter for US Letter)."""
    award, public = _shareable_or_visible(request, public_id)
    if public:
        services.counter_increment(award=award, kind=services.download("certificate"))
    context = selectors.card_context(award, now=timezone.now())
    context["paper"] = "letter" if request.GET.get("paper") == "letter" else "A4"
    svg = images.qr_svg(documents.badge_url(award.public_id)).decode("utf-8")
    context["qr_svg"] = svg.split("?>", 1)[-1]  # inline: drop the XML declaration
    response = render(request, "sharing/certificate.html", context)
    response["Cache-Control"] = PRIVATE if not public else public_cache_control()
    return _private(response, public)


@require_safe
def share_image(request: HttpRequest, public_id: str) -> HttpResponseBase:
    award, public = _shareable_or_visible(request, public_id)
    body = images.share_image(selectors.share_card(award))
    response = document_response(
        request,
        body,
        content_type="image/png",
        public=public,
        max_age=SHARE_IMAGE_MAX_AGE,
        negotiated=False,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response, public)


@require_safe
def profile_share_image(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The share image of a public profile (the owner also gets it while private)."""
    found = earner_selectors.profile_lookup(slug, now=timezone.now())
    person = found.profile
    if person is None or not earner_selectors.profile_visible_to(profile=person, user=request.user):
        raise Http404("No such profile.")
    public = earner_selectors.earner_settings_get(user=person.user).profile_public
    badge_count = sum(g.count for g in earner_selectors.profile_public_badges(profile=person))
    name = person.display_name or person.user.full_name or person.slug
    card = selectors.profile_share_card(profile=person, name=name, badge_count=badge_count)
    response = document_response(
        request,
        images.share_image(card),
        content_type="image/png",
        public=public,
        max_age=SHARE_IMAGE_MAX_AGE,
        negotiated=False,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response, public)


@require_safe
def profile_share(request: HttpRequest, slug: str, network: str) -> HttpResponse:
    """Count a share click from a public profile's panel, then open the network's dialog."""
    if network not in links.PROFILE_NETWORKS:
        raise Http404("Unknown network.")
    found = earner_selectors.profile_lookup(slug, now=timezone.now())
    person = found.profile
    # Only a public profile is shared, whoever asks (the owner of a private one included).
    if person is None or not earner_selectors.earner_settings_get(user=person.user).profile_public:
        raise Http404("No such profile.")
    services.profile_counter_increment(profile=person, kind=services.share_click(network))
    name = person.display_name or person.user.full_name or person.slug
    url = documents.absolute(person.get_absolute_url())
    response = HttpResponse(status=302)  # by hand: HttpResponseRedirect refuses mailto:
    response["Location"] = links.profile_share_url(network, name=name, url=url)
    response["Cache-Control"] = PRIVATE  # every click must reach us to be counted
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response

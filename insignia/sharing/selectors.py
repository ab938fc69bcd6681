"""Reads for sharing: counters for the issuer reports, and which awards may be shared."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from insignia.awards.models import Award, AwardState, Visibility
from insignia.badges.models import BadgeTemplate, ImageKind
from insignia.core.ids import is_public_id
from insignia.earners.models import Profile
from insignia.issuers.models import Issuer
from insignia.sharing.images import HEIGHT as SHARE_HEIGHT
from insignia.sharing.images import WIDTH as SHARE_WIDTH
from insignia.sharing.images import ShareCard
from insignia.sharing.links import (
    ShareSubject,
    embed_snippet,
    markdown_snippet,
    profile_links,
    signature_snippet,
)
from insignia.sharing.models import ShareCounter
from insignia.verification import documents
from insignia.verification.images import template_image
from insignia.verification.selectors import template_skill_names

EMBED_WIDTH, EMBED_HEIGHT = 400, 190
EMBED_MAX_WIDTH = 600
PROVIDER_NAME = "Insignia"  # as the site header names it (core.context_processors)


def award_is_shareable(award: Award) -> bool:
    """Accepted, public and not revoked: the only awards anything is shared or embedded for."""
    return award.is_public and not award.is_revoked


def award_counts(*, award: Award, since: dt.date | None = None) -> dict[str, int]:
    """Totals per event kind for one award (since ``since`` when given)."""
    rows = ShareCounter.objects.filter(award=award)
    if since is not None:
        rows = rows.filter(day__gte=since)
    return {
        kind: int(total or 0)
        for kind, total in rows.values("kind")
        .annotate(total=Sum("count"))
        .values_list("kind", "total")
    }


def template_counts(
    *, template: BadgeTemplate, since: dt.date | None = None
) -> dict[tuple[dt.date, str], int]:
    """Totals per (day, kind) over every award of ``template``."""
    rows = ShareCounter.objects.filter(template=template)
    if since is not None:
        rows = rows.filter(day__gte=since)
    return {
        (day, kind): int(total or 0)
        for day, kind, total in rows.values("day", "kind")
        .annotate(total=Sum("count"))
        .values_list("day", "kind", "total")
    }


# --- what shares, embeds and images show ---------------------------------------------------------


def award_by_public_id(public_id: str) -> Award | None:
    """The award with its template and issuer in one query (embeds and oEmbed show both)."""
    if not is_public_id(public_id):
        return None
    return Award.objects.select_related("template", "issuer").filter(public_id=public_id).first()


def _issuer(award: Award) -> Issuer:
    return award.issuer  # select_related above; one query otherwise


def share_subject(award: Award) -> ShareSubject:
    issuer = _issuer(award)
    return ShareSubject(
        badge_name=award.template.name,
        issuer_name=issuer.name,
        earner_name=award.recipient_name,
        url=documents.badge_url(award.public_id),
        cert_id=award.public_id,
        issued_on=timezone.localdate(award.issued_on),
        expires_on=timezone.localdate(award.expires_at) if award.expires_at else None,
        linkedin_organization_id=issuer.linkedin_organization_id,
        skills=tuple(template_skill_names(award.template)),
    )


def card_context(award: Award, *, now: dt.datetime) -> dict[str, object]:
    """What the embed card and the certificate show."""
    issuer = _issuer(award)
    return {
        "award": award,
        "template": award.template,
        "issuer": issuer,
        "status": award.status(now),
        "badge_url": documents.badge_url(award.public_id),
        "image_url": documents.template_image_url(award.template),
        "site_name": PROVIDER_NAME,
    }


def embed_size(*, maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """The iframe size: the default card, narrowed to maxwidth (never past EMBED_MAX_WIDTH)."""
    width = EMBED_WIDTH if maxwidth is None else min(maxwidth, EMBED_MAX_WIDTH)
    height = EMBED_HEIGHT if maxheight is None else min(maxheight, EMBED_HEIGHT)
    return width, height


def oembed_data(
    award: Award, *, maxwidth: int | None, maxheight: int | None
) -> dict[str, str | int]:
    width, height = embed_size(maxwidth=maxwidth, maxheight=maxheight)
    src = documents.absolute(f"/badges/{award.public_id}/embed")
    title = f"{award.template.name} — {award.recipient_name}"
    data: dict[str, str | int] = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "author_name": award.recipient_name,
        "provider_name": PROVIDER_NAME,
        "provider_url": documents.absolute("/"),
        "cache_age": settings.INSIGNIA_PUBLIC_CACHE_SECONDS,
        "html": (
            f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
            f'title="{escape(title)}" style="border:0;max-width:100%" loading="lazy"></iframe>'
        ),
        "width": width,
        "height": height,
    }
    # The thumbnail is the share image, offered only when it fits the consumer's bounds.
    if (maxwidth is None or maxwidth >= SHARE_WIDTH) and (
        maxheight is None or maxheight >= SHARE_HEIGHT
    ):
        data["thumbnail_url"] = documents.absolute(f"/badges/{award.public_id}/share.png")
        data["thumbnail_width"] = SHARE_WIDTH
        data["thumbnail_height"] = SHARE_HEIGHT
    return data


def share_card(award: Award) -> ShareCard:
    issuer = _issuer(award)
    template = award.template
    badge_png = template_image(template) if template.image_kind == ImageKind.PNG else None
    return ShareCard(
        key=award.public_id,
        title=template.name,
        lines=(f"Issued by {issuer.name}", f"Earned by {award.recipient_name}"),
        badge_png=badge_png,
        footer=urlsplit(settings.SITE_URL).netloc or PROVIDER_NAME,
    )


def share_panel(award: Award) -> dict[str, object]:
    """The owner's share panel: counted share links, downloads and copy-paste snippets."""
    public_id = award.public_id
    template = award.template
    badge_url = documents.badge_url(public_id)
    image_url = documents.template_image_url(template)
    networks = [
        ("linkedin_profile", "Add to LinkedIn profile"),
        ("linkedin", "Post on LinkedIn"),
        ("facebook", "Facebook"),
        ("x", "X"),
        ("email", "Email"),
    ]
    downloads = [
        (template.image_kind, f"Badge image ({template.image_kind.upper()}, Open Badges 2.0)"),
        (f"ob3-{template.image_kind}", f"Badge image ({template.image_kind.upper()}, OB 3.0)"),
        ("ob3-json", "OB 3.0 credential (JSON)"),
    ]
    return {
        "badge_url": badge_url,
        "networks": [
            (label, reverse("sharing:share", args=[public_id, key])) for key, label in networks
        ],
        "downloads": [
            (label, reverse("sharing:download", args=[public_id, key])) for key, label in downloads
        ],
        "certificate_url": reverse("sharing:certificate", args=[public_id]),
        "qr_svg_url": reverse("sharing:qr", args=[public_id, "svg"]),
        "qr_png_url": reverse("sharing:qr", args=[public_id, "png"]),
        "share_image_url": reverse("sharing:share_image", args=[public_id]),
        "snippets": [
            (
                "embed",
                "Embed on a website (HTML)",
                embed_snippet(
                    public_id=public_id,
                    badge_name=template.name,
                    url=badge_url,
                    script_url=documents.absolute(reverse("sharing:embed_script")),
                ),
            ),
            (
                "signature",
                "Email signature (HTML)",
                signature_snippet(
                    badge_name=template.name,
                    issuer_name=_issuer(award).name,
                    url=badge_url,
                    image_url=image_url,
                ),
            ),
            (
                "markdown",
                "Markdown (README, CV)",
                markdown_snippet(badge_name=template.name, url=badge_url, image_url=image_url),
            ),
        ],
    }


def badge_page_meta(award: Award) -> dict[str, str]:
    """Head tags for a shareable badge page: the share image and oEmbed discovery URLs."""
    badge_url = documents.badge_url(award.public_id)
    query = urlencode({"url": badge_url})
    return {
        "share_image": documents.absolute(reverse("sharing:share_image", args=[award.public_id])),
        "oembed_json": documents.absolute(f"{reverse('sharing:oembed')}?{query}&format=json"),
        "oembed_xml": documents.absolute(f"{reverse('sharing:oembed')}?{query}&format=xml"),
    }


# --- public profiles -----------------------------------------------------------------------------


def profile_share_card(*, profile: Profile, name: str, badge_count: int) -> ShareCard:
    """The profile's share image: the newest public PNG badge (or a placeholder), name, count."""
    newest = (
        Award.objects.filter(
            earner_id=profile.user_id,
            state=AwardState.ACCEPTED,
            visibility=Visibility.PUBLIC,
            revoked_at__isnull=True,
            template__image_kind=ImageKind.PNG,
        )
        .select_related("template")
        .order_by("-issued_on", "-id")
        .first()
    )
    lines = [profile.headline] if profile.headline else []
    lines.append(f"{badge_count} verified badge{'s' if badge_count != 1 else ''}")
    return ShareCard(
        key=f"profile-{profile.pk}",
        title=name,
        lines=tuple(lines),
        badge_png=template_image(newest.template) if newest is not None else None,
        footer=urlsplit(settings.SITE_URL).netloc or PROVIDER_NAME,
    )


def profile_share(*, profile: Profile, name: str) -> dict[str, object]:
    """Head tags and the owner's share panel for a public profile."""
    url = documents.absolute(profile.get_absolute_url())
    return {
        "share_image": documents.absolute(
            reverse("sharing:profile_share_image", args=[profile.slug])
        ),
        "url": url,
        "networks": profile_links(name=name, url=url),
    }

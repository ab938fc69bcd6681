"""Reads for sharing: counters for the issuer reports, and which awards may be shared."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Q, Sum
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from insignia.awards.models import Award, AwardState, Status, Visibility
from insignia.badges.models import BadgeTemplate, ImageKind
from insignia.core.ids import is_public_id
from insignia.earners.models import Profile
from insignia.issuers.models import Issuer
from insignia.sharing.embedding import SIZE_SCRIPT_HASH
from insignia.sharing.images import HEIGHT as SHARE_HEIGHT
from insignia.sharing.images import WIDTH as SHARE_WIDTH
from insignia.sharing.images import ShareCard, svg_to_png
from insignia.sharing.links import (
    PROFILE_NETWORKS,
    ShareSubject,
    embed_snippet,
    markdown_snippet,
    signature_snippet,
)
from insignia.sharing.models import ProfileShareCounter, ShareCounter
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


# --- the issuer's share report (/manage/<slug>/reports/) ----------------------------------------

REPORT_DAYS = 30
REPORT_NETWORKS = (
    ("linkedin_profile", "LinkedIn profile"),
    ("linkedin", "LinkedIn"),
    ("facebook", "Facebook"),
    ("x", "X"),
    ("email", "Email"),
)


@dataclass(frozen=True)
class Figure:
    recent: int  # the last REPORT_DAYS days, today included
    total: int


@dataclass(frozen=True)
class TemplateReport:
    template: BadgeTemplate
    page_views: Figure
    embed_views: Figure
    shares: tuple[Figure, ...]  # in REPORT_NETWORKS order
    downloads: Figure


def issuer_share_report(*, issuer: Issuer, today: dt.date) -> list[TemplateReport]:
    """Per template of ``issuer``: views, embeds, shares by network and downloads (one query
    for the counters, one for the templates)."""
    since = today - dt.timedelta(days=REPORT_DAYS - 1)
    sums: dict[int, dict[str, Figure]] = {}
    rows = (
        ShareCounter.objects.filter(template__issuer=issuer)
        .values("template_id", "kind")
        .annotate(total=Sum("count"), recent=Sum("count", filter=Q(day__gte=since)))
        .values_list("template_id", "kind", "recent", "total")
        .order_by()
    )
    for template_id, kind, recent, total in rows:
        sums.setdefault(template_id, {})[kind] = Figure(int(recent or 0), int(total or 0))

    def figure(template_id: int, *kinds: str, prefix: str | None = None) -> Figure:
        found = [
            value
            for kind, value in sums.get(template_id, {}).items()
            if kind in kinds or (prefix is not None and kind.startswith(prefix))
        ]
        return Figure(sum(f.recent for f in found), sum(f.total for f in found))

    return [
        TemplateReport(
            template=template,
            page_views=figure(template.pk, "page_view"),
            embed_views=figure(template.pk, "embed_view"),
            shares=tuple(
                figure(template.pk, f"share_click:{key}") for key, _label in REPORT_NETWORKS
            ),
            downloads=figure(template.pk, prefix="download:"),
        )
        for template in BadgeTemplate.objects.filter(issuer=issuer).order_by("name", "id")
    ]


# --- what shares, embeds and images show ---------------------------------------------------------


def award_by_public_id(public_id: str) -> Award | None:
    """The award with its template and issuer in one query (embeds and oEmbed show both)."""
    if not is_public_id(public_id):
        return None
    return Award.objects.select_related("template", "issuer").filter(public_id=public_id).first()


# --- the embed iframe and oEmbed: one lean query, then content-addressed cached bodies -----------

# Bump to drop every cached embed/oEmbed body (the embed template's own source is hashed in).
EMBED_BODY_VERSION = "1"

_EMBED_FIELDS = (
    "id",
    "template_id",
    "public_id",
    "state",
    "visibility",
    "revoked_at",
    "recipient_name",
    "issued_on",
    "expires_at",
    "updated_at",
    "template__public_id",
    "template__name",
    "template__image_kind",
    "template__updated_at",
    "issuer__name",
    "issuer__updated_at",
)


@dataclass(frozen=True)
class EmbedRow:
    """What the embed card and oEmbed show, plus what decides whether they may be shown."""

    award_id: int
    template_id: int
    public_id: str
    state: str
    visibility: str
    revoked_at: dt.datetime | None
    recipient_name: str
    issued_on: dt.datetime
    expires_at: dt.datetime | None
    updated_at: dt.datetime
    template_public_id: str
    template_name: str
    image_kind: str
    template_updated_at: dt.datetime
    issuer_name: str
    issuer_updated_at: dt.datetime

    @property
    def shareable(self) -> bool:
        # The same rule as award_is_shareable, on the row rather than a model instance.
        return (
            self.state == AwardState.ACCEPTED
            and self.visibility == Visibility.PUBLIC
            and self.revoked_at is None
        )

    def status(self, now: dt.datetime) -> Status:
        if self.revoked_at is not None:
            return Status.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return Status.EXPIRED
        return Status.VALID

    def last_modified(self, now: dt.datetime) -> dt.datetime:
        """The newest change to anything shown, counting the moment the badge expired."""
        stamps = [self.updated_at, self.template_updated_at, self.issuer_updated_at]
        if self.expires_at is not None and self.expires_at <= now:
            stamps.append(self.expires_at)
        return max(stamps)


_PLACEHOLDER = "\0public-id\0"


@dataclass(frozen=True)
class _CompiledQuery:
    sql: str
    converters: list[tuple[int, tuple[list[Callable[..., Any]], Any]]]


_compiled: dict[tuple[str, str], _CompiledQuery] = {}


def _embed_query(alias: str) -> _CompiledQuery:
    """The embed query compiled once per database (the ORM builds the SQL and the value
    converters, e.g. SQLite's text timestamps to aware datetimes; only the id changes)."""
    key = (alias, connections[alias].vendor)
    found = _compiled.get(key)
    if found is None:
        rows = Award.objects.using(alias).filter(public_id=_PLACEHOLDER)
        query = rows.order_by().values_list(*_EMBED_FIELDS)[:1].query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if list(params) != [_PLACEHOLDER]:
            raise RuntimeError(f"Unexpected parameters for the embed query: {params!r}")
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        found = _CompiledQuery(sql, list(compiler.get_converters(fields).items()))
        _compiled[key] = found
    return found


def embed_row(public_id: str) -> EmbedRow | None:
    """The award behind an embed or oEmbed request: one indexed query, only the columns shown.

    These are the hottest public URLs (every page a badge is embedded in): building a
    three-table select_related of model instances cost more than running the query, and even
    compiling a values_list query each time was a third of the view, so it is compiled once."""
    if not is_public_id(public_id):
        return None
    alias = router.db_for_read(Award)
    compiled = _embed_query(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, [public_id])
        raw = cursor.fetchone()
    if raw is None:
        return None
    row = list(raw)
    for position, (converters, expression) in compiled.converters:
        value = row[position]
        for converter in converters:
            value = converter(value, expression, connection)
        row[position] = value
    return EmbedRow(*row)


@functools.cache
def _embed_template_digest() -> str:
    # Part of every embed key, so a deploy that changes the card's markup never serves old bodies.
    source = get_template("sharing/embed.html").template.source  # type: ignore[attr-defined]
    return hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()


def _digest(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(str(part).encode("utf-8") + b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class EmbedCard:
    """The embed card's values; ``digest`` hashes every one of them (the cache key and ETag)."""

    badge_id: str
    name: str
    earner: str
    issuer_name: str
    issued_on: dt.datetime
    status: str
    badge_url: str
    image_url: str
    site_name: str
    digest: str


def embed_card(row: EmbedRow, *, now: dt.datetime) -> EmbedCard:
    values = {
        "badge_id": row.public_id,
        "name": row.template_name,
        "earner": row.recipient_name,
        "issuer_name": row.issuer_name,
        "issued_on": row.issued_on,
        "status": str(row.status(now)),
        "badge_url": documents.badge_url(row.public_id),
        "image_url": documents.absolute(
            f"/templates/{row.template_public_id}/image.{row.image_kind}"
        ),
        "site_name": PROVIDER_NAME,
    }
    digest = _digest(
        "embed",
        EMBED_BODY_VERSION,
        _embed_template_digest(),
        SIZE_SCRIPT_HASH,  # the body's script must match the CSP hash sent with it
        settings.TIME_ZONE,
        *values.values(),
    )
    return EmbedCard(**values, digest=digest)  # type: ignore[arg-type]


@dataclass(frozen=True)
class OEmbedDoc:
    data: dict[str, str | int]
    digest: str


def oembed_doc(row: EmbedRow, *, maxwidth: int | None, maxheight: int | None) -> OEmbedDoc:
    """The oEmbed fields and their digest; sizes are clamped first, so the key space is bounded."""
    data = oembed_fields(
        public_id=row.public_id,
        badge_name=row.template_name,
        earner=row.recipient_name,
        maxwidth=maxwidth,
        maxheight=maxheight,
    )
    return OEmbedDoc(data=data, digest=_digest("oembed", EMBED_BODY_VERSION, *data.items()))


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


def oembed_fields(
    *, public_id: str, badge_name: str, earner: str, maxwidth: int | None, maxheight: int | None
) -> dict[str, str | int]:
    width, height = embed_size(maxwidth=maxwidth, maxheight=maxheight)
    src = documents.absolute(f"/badges/{public_id}/embed")
    title = f"{badge_name} — {earner}"
    data: dict[str, str | int] = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "author_name": earner,
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
        data["thumbnail_url"] = documents.absolute(f"/badges/{public_id}/share.png")
        data["thumbnail_width"] = SHARE_WIDTH
        data["thumbnail_height"] = SHARE_HEIGHT
    return data


def badge_raster(template: BadgeTemplate) -> bytes | None:
    """The template image as a PNG for drawing: PNGs as stored, SVGs rasterised once per content
    (cached by digest) by resvg; None when an SVG cannot be drawn (a placeholder is drawn)."""
    data = template_image(template)
    if template.image_kind == ImageKind.PNG:
        return data
    key = "sharing:svg-raster:" + hashlib.blake2b(data, digest_size=16).hexdigest()
    cached: bytes | None = cache.get(key)
    if cached is not None:
        return cached or None  # b"" remembers "cannot be drawn"
    png = svg_to_png(data)
    cache.set(key, png or b"", timeout=24 * 3600)
    return png


def share_card(award: Award) -> ShareCard:
    issuer = _issuer(award)
    template = award.template
    return ShareCard(
        key=award.public_id,
        title=template.name,
        lines=(f"Issued by {issuer.name}", f"Earned by {award.recipient_name}"),
        badge_png=badge_raster(template),
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
    """The profile's share image: the newest public badge (or a placeholder), name, count."""
    newest = (
        Award.objects.filter(
            earner_id=profile.user_id,
            state=AwardState.ACCEPTED,
            visibility=Visibility.PUBLIC,
            revoked_at__isnull=True,
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
        badge_png=badge_raster(newest.template) if newest is not None else None,
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
        # Through our counting redirect, as for badges (issue 6 §2).
        "networks": [
            (label, reverse("sharing:profile_share", args=[profile.slug, key]))
            for key, label in PROFILE_NETWORKS.items()
        ],
    }


def profile_counts(*, profile: Profile, since: dt.date | None = None) -> dict[str, int]:
    """Share clicks per kind for one profile (since ``since`` when given)."""
    rows = ProfileShareCounter.objects.filter(profile=profile)
    if since is not None:
        rows = rows.filter(day__gte=since)
    return {
        kind: int(total or 0)
        for kind, total in rows.values("kind")
        .annotate(total=Sum("count"))
        .values_list("kind", "total")
    }

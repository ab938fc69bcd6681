"""Reads about badge templates and programmes."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from insignia.badges.models import BadgeTemplate, Programme, TemplateState
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer


def template_list(*, issuer: Issuer, state: str = "", q: str = "") -> QuerySet[BadgeTemplate]:
    qs = (
        BadgeTemplate.objects.filter(issuer=issuer)
        .select_related("programme")
        .prefetch_related("skills")
        .annotate(award_count=Count("awards"))
    )
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(description__icontains=q))
    return qs.order_by("name")


def template_get_by_ref(ref: str, *, issuer: Issuer | None = None) -> BadgeTemplate:
    """A template by public id, slug, or ``issuer-slug/template-slug``.

    Template slugs are unique per issuer, so a bare slug may be ambiguous; then we say so
    instead of guessing.
    """
    base = BadgeTemplate.objects.select_related("issuer", "programme")
    if issuer is not None:
        base = base.filter(issuer=issuer)
    by_id = base.filter(public_id=ref).first()
    if by_id is not None:
        return by_id
    if "/" in ref:
        issuer_slug, _, slug = ref.partition("/")
        match = base.filter(issuer__slug=issuer_slug, slug=slug).first()
        if match is None:
            raise ServiceError(
                f"No badge template {ref!r}.", field="template", code="unknown_template"
            )
        return match
    matches = list(base.filter(slug=ref)[:2])
    if not matches:
        raise ServiceError(
            f"No badge template with id or slug {ref!r}. `manage.py templates` lists them.",
            field="template",
            code="unknown_template",
        )
    if len(matches) > 1:
        raise ServiceError(
            f"Several issuers have a template {ref!r}; use its id or ISSUER-SLUG/{ref}.",
            field="template",
            code="ambiguous_template",
        )
    return matches[0]


def programme_list(*, issuer: Issuer) -> QuerySet[Programme]:
    return Programme.objects.filter(issuer=issuer).annotate(template_count=Count("templates"))


def template_counts_by_state(*, issuer: Issuer) -> dict[str, int]:
    """``{"draft": n, "active": n, "archived": n}`` for the issuer's dashboard."""
    counts = dict.fromkeys(TemplateState.values, 0)
    rows = (
        BadgeTemplate.objects.filter(issuer=issuer)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for state, n in rows:
        counts[state] = n
    return counts

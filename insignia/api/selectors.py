"""Reads for the issuer API, always within one issuer."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from insignia.accounts.models import normalize_email_address
from insignia.awards.models import Award
from insignia.badges.models import BadgeTemplate, Programme
from insignia.core.models import AuditEvent
from insignia.issuers.models import Issuer


def api_templates(*, issuer: Issuer) -> QuerySet[BadgeTemplate]:
    return (
        BadgeTemplate.objects.filter(issuer=issuer)
        .select_related("programme")
        .prefetch_related("skills", "alignments")
        .order_by("name", "id")
    )


def api_template_get(*, issuer: Issuer, public_id: str) -> BadgeTemplate:
    # Another issuer's template is a 404, not a 403: a client learns nothing about it.
    return get_object_or_404(api_templates(issuer=issuer), public_id=public_id)


def api_template_for_issue(*, issuer: Issuer, public_id: str) -> BadgeTemplate:
    # Issuing needs only the row (and its issuer for the permission check), not the skills
    # and alignments the template's own endpoints show: two queries fewer per award.
    return get_object_or_404(
        BadgeTemplate.objects.filter(issuer=issuer).select_related("issuer"), public_id=public_id
    )


def api_programmes(*, issuer: Issuer) -> QuerySet[Programme]:
    return Programme.objects.filter(issuer=issuer).order_by("name", "id")


def api_programme_get(*, issuer: Issuer, public_id: str) -> Programme:
    return get_object_or_404(api_programmes(issuer=issuer), public_id=public_id)


def api_awards(*, issuer: Issuer, filters: dict[str, Any] | None = None) -> QuerySet[Award]:
    qs = Award.objects.filter(issuer=issuer).select_related("template", "replaced_by")
    f = filters or {}
    if f.get("template"):
        qs = qs.filter(template__public_id=f["template"])
    if f.get("email"):
        qs = qs.filter(recipient_email=normalize_email_address(f["email"]))
    if f.get("issued_after"):
        qs = qs.filter(issued_on__gte=f["issued_after"])
    if f.get("issued_before"):
        qs = qs.filter(issued_on__lt=f["issued_before"])
    state = f.get("state")
    now = timezone.now()
    if state in ("pending", "accepted", "rejected"):
        qs = qs.filter(state=state, revoked_at__isnull=True)
    elif state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    elif state == "expired":
        qs = qs.filter(revoked_at__isnull=True, expires_at__lte=now)
    elif state == "valid":
        qs = qs.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)
    return qs.order_by("-issued_on", "-id")


def api_award_get(*, issuer: Issuer, public_id: str) -> Award:
    return get_object_or_404(api_awards(issuer=issuer), public_id=public_id)


def api_events(*, issuer: Issuer, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """The issuer's audit trail, oldest first: a consumer polls with ``after_id`` = last seen."""
    qs = AuditEvent.objects.filter(issuer_id=issuer.pk)
    f = filters or {}
    if f.get("after_id") is not None:
        qs = qs.filter(id__gt=f["after_id"])
    if f.get("verb"):
        qs = qs.filter(verb=f["verb"])
    if f.get("object_type"):
        qs = qs.filter(object_type=f["object_type"])
    if f.get("since"):
        qs = qs.filter(created_at__gte=f["since"])
    if f.get("until"):
        qs = qs.filter(created_at__lt=f["until"])
    return qs.order_by("id")

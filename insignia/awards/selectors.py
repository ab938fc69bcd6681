"""Reads about awards, including who may see which award."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState, Status
from insignia.core.errors import ServiceError
from insignia.core.models import AuditEvent
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability
from insignia.issuers.selectors import user_can


@dataclass(frozen=True)
class AwardFilters:
    q: str = ""
    template: str = ""  # template public id
    state: str = ""  # pending / accepted / rejected
    status: str = ""  # valid / expired / revoked
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None


def award_list(*, issuer: Issuer, filters: AwardFilters, now: dt.datetime) -> QuerySet[Award]:
    qs = Award.objects.filter(issuer=issuer).select_related("template")
    if filters.q:
        qs = qs.filter(
            Q(recipient_email__icontains=filters.q)
            | Q(recipient_name__icontains=filters.q)
            | Q(public_id=filters.q.lower())
            | Q(external_id=filters.q)
        )
    if filters.template:
        qs = qs.filter(template__public_id=filters.template)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.status == Status.REVOKED:
        qs = qs.filter(revoked_at__isnull=False)
    elif filters.status == Status.EXPIRED:
        qs = qs.filter(revoked_at__isnull=True, expires_at__lte=now)
    elif filters.status == Status.VALID:
        qs = qs.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )
    if filters.issued_from:
        qs = qs.filter(issued_on__date__gte=filters.issued_from)
    if filters.issued_to:
        qs = qs.filter(issued_on__date__lte=filters.issued_to)
    return qs.order_by("-issued_on", "-id")


def award_visible_to(*, award: Award, user: User | None) -> bool:
    """Accepted public awards are for everyone; others only for their earner and issuer staff."""
    if award.is_public:
        return True
    if user is None or not user.is_authenticated:
        return False
    if award.earner_id is not None and award.earner_id == user.pk:
        return True
    return user.is_superuser or user_can(user=user, issuer=award.issuer, capability=Capability.VIEW)


def award_get_by_ref(ref: str) -> Award:
    """An award by public id or by its public URL (``…/badges/<id>``), for the CLI."""
    public_id = ref.rstrip("/").rsplit("/badges/", 1)[-1].split("/")[0].split("?")[0].lower()
    award = Award.objects.select_related("template", "issuer").filter(public_id=public_id).first()
    if award is None:
        raise ServiceError(f"No badge with id {public_id!r}.", field="award", code="unknown_award")
    return award


def awards_revoked_for_issuer(*, issuer: Issuer) -> QuerySet[Award]:
    return Award.objects.filter(issuer=issuer, revoked_at__isnull=False).order_by(
        "revoked_at", "id"
    )


def pending_states() -> tuple[str, ...]:
    return (AwardState.PENDING, AwardState.REJECTED)


@dataclass(frozen=True)
class AwardCounts:
    issued: int  # every award ever issued, whatever became of it
    pending: int  # not revoked, waiting for the earner
    accepted: int  # not revoked, accepted by the earner
    revoked: int


def award_counts(*, issuer: Issuer) -> AwardCounts:
    live = Q(revoked_at__isnull=True)
    totals = Award.objects.filter(issuer=issuer).aggregate(
        issued=Count("id"),
        pending=Count("id", filter=live & Q(state=AwardState.PENDING)),
        accepted=Count("id", filter=live & Q(state=AwardState.ACCEPTED)),
        revoked=Count("id", filter=Q(revoked_at__isnull=False)),
    )
    return AwardCounts(**totals)


def award_audit_trail(*, award: Award) -> QuerySet[AuditEvent]:
    """The award's audit rows, newest first."""
    return AuditEvent.objects.filter(object_type="award", object_id=award.public_id).select_related(
        "actor"
    )

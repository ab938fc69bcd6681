"""Which audit verbs become which public event types, and the JSON each event carries.

Payloads are plain dicts built here, not by the API's serializers (domain code does not import
the API layer); the award shape mirrors the API's ``AwardOut`` so a client parses one form.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch
from django.utils import timezone

from insignia.awards.models import Award
from insignia.badges.models import BadgeTemplate
from insignia.core.models import AuditEvent
from insignia.issuers.models import Issuer
from insignia.webhooks.models import PING, EventType

# Audit verb → public event type. ``award.attached`` is special-cased: attaching a badge to
# an earner who auto-accepts (or who arrived through the claim link) accepts it in the same
# step, and that acceptance is written only as ``award.attached``.
VERB_TO_TYPE: dict[str, str] = {
    "award.issued": EventType.AWARD_CREATED,
    "award.accepted": EventType.AWARD_ACCEPTED,
    "award.rejected": EventType.AWARD_REJECTED,
    "award.revoked": EventType.AWARD_REVOKED,
    "award.expired": EventType.AWARD_EXPIRED,
    "template.created": EventType.TEMPLATE_CREATED,
    "template.changed": EventType.TEMPLATE_CHANGED,
    "template.state_changed": EventType.TEMPLATE_CHANGED,
}
_ATTACHED = "award.attached"


def verbs_for(event_types: Iterable[str]) -> list[str]:
    wanted = set(event_types)
    verbs = [verb for verb, kind in VERB_TO_TYPE.items() if kind in wanted]
    if EventType.AWARD_ACCEPTED in wanted:
        verbs.append(_ATTACHED)
    return verbs


def event_type(event: AuditEvent) -> str | None:
    if event.verb == _ATTACHED:
        return EventType.AWARD_ACCEPTED if event.after.get("state") == "accepted" else None
    return VERB_TO_TYPE.get(event.verb)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _absolute(obj: Award | BadgeTemplate) -> str:
    try:
        return f"{settings.SITE_URL}{obj.get_absolute_url()}"
    except NoReverseMatch:  # the public pages are optional in some test URLconfs
        kind = "badges" if isinstance(obj, Award) else "templates"
        return f"{settings.SITE_URL}/{kind}/{obj.public_id}"


def award_data(award: Award, now: dt.datetime) -> dict[str, Any]:
    template = award.template
    return {
        "id": award.public_id,
        "template_id": template.public_id,
        "template": {"id": template.public_id, "name": template.name},
        "recipient_email": award.recipient_email,
        "recipient_name": award.recipient_name,
        "external_id": award.external_id,
        "issued_on": _iso(award.issued_on),
        "expires_at": _iso(award.expires_at),
        "state": award.state,
        "status": str(award.status(now)),
        "revoked": award.revoked_at is not None,
        "revoked_at": _iso(award.revoked_at),
        "revocation_reason": award.revocation_reason,
        "source": award.source,
        "public_url": _absolute(award),
        "created_at": _iso(award.created_at),
    }


def template_data(template: BadgeTemplate) -> dict[str, Any]:
    return {
        "id": template.public_id,
        "name": template.name,
        "state": template.state,
        "url": _absolute(template),
        "updated_at": _iso(template.updated_at),
    }


def _envelope(
    *, delivery_id: str, kind: str, created_at: dt.datetime, issuer: Issuer, data: dict[str, Any]
) -> str:
    body = {
        "id": delivery_id,
        "type": kind,
        "created_at": _iso(created_at),
        "issuer": {"id": issuer.public_id, "name": issuer.name},
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


class PayloadBuilder:
    """Builds bodies for a batch of events with two queries, not two per event."""

    def __init__(self, events: Sequence[AuditEvent], issuers: dict[int, Issuer]) -> None:
        # Looked up through the events' integer ids: a list of thousands of public-id strings
        # as query parameters costs more to send than the query takes to run.
        event_ids = AuditEvent.objects.filter(pk__in=[e.pk for e in events])
        self.awards = {
            a.public_id: a
            for a in Award.objects.filter(
                public_id__in=event_ids.filter(object_type="award").values("object_id")
            ).select_related("template")
        }
        self.templates = {
            t.public_id: t
            for t in BadgeTemplate.objects.filter(
                public_id__in=event_ids.filter(object_type="template").values("object_id")
            )
        }
        self.issuers = issuers
        self.now = timezone.now()

    def body(self, *, delivery_id: str, kind: str, event: AuditEvent) -> str:
        data: dict[str, Any] = {"id": event.object_id}
        award = self.awards.get(event.object_id) if event.object_type == "award" else None
        template = self.templates.get(event.object_id) if event.object_type == "template" else None
        if award is not None:
            data = award_data(award, self.now)
        elif template is not None:
            data = template_data(template)
        assert event.issuer_id is not None
        return _envelope(
            delivery_id=delivery_id,
            kind=kind,
            created_at=event.created_at,
            issuer=self.issuers[event.issuer_id],
            data=data,
        )


def ping_body(*, delivery_id: str, issuer: Issuer, endpoint_id: str) -> str:
    return _envelope(
        delivery_id=delivery_id,
        kind=PING,
        created_at=timezone.now(),
        issuer=issuer,
        data={"endpoint_id": endpoint_id, "message": "A test event from Insignia."},
    )

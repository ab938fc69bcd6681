"""Writes about badge templates, skills and programmes.

Every function checks the actor's capability itself, so the web UI, the API and the CLI share
one set of rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.text import slugify

from insignia.badges.images import check_badge_image
from insignia.badges.models import (
    AchievementType,
    Alignment,
    BadgeTemplate,
    DuplicatePolicy,
    Programme,
    ProgrammeStatus,
    Skill,
    TemplateState,
)
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability
from insignia.issuers.services import require_capability


@dataclass(frozen=True)
class AlignmentInput:
    target_name: str
    target_url: str
    target_description: str = ""
    target_framework: str = ""
    target_code: str = ""


@dataclass(frozen=True)
class ImageUpload:
    data: bytes
    filename: str


@dataclass
class TemplateInput:
    name: str
    description: str
    skills: Sequence[str]
    criteria_url: str = ""
    criteria_markdown: str = ""
    alignments: Sequence[AlignmentInput] = field(default_factory=tuple)
    achievement_type: str = AchievementType.BADGE
    validity_days: int | None = None
    duplicate_policy: str = DuplicatePolicy.DENY
    programme: Programme | None = None
    earn_again_url: str = ""
    slug: str = ""


def skills_get_or_create(*, names: Sequence[str]) -> list[Skill]:
    skills: list[Skill] = []
    seen: set[str] = set()
    for raw in names:
        name = " ".join(raw.split())
        slug = slugify(name)[:140]
        if not name or not slug or slug in seen:
            continue
        seen.add(slug)
        skill = Skill.objects.filter(slug=slug).first() or Skill.objects.create(
            name=name[:120], slug=slug
        )
        skills.append(skill)
    return skills


def _validate_template_input(*, issuer: Issuer, data: TemplateInput, exclude_pk: int | None) -> str:
    if not data.name.strip():
        raise ServiceError("Give the badge a name.", field="name")
    if not data.description.strip():
        raise ServiceError("Describe what the badge means.", field="description")
    if not data.criteria_url and not data.criteria_markdown.strip():
        raise ServiceError(
            "Say how the badge is earned: a criteria URL, a criteria text, or both.",
            field="criteria_markdown",
        )
    if not [s for s in data.skills if s.strip()]:
        raise ServiceError("List at least one skill the badge stands for.", field="skills")
    if data.achievement_type not in AchievementType.values:
        raise ServiceError(
            f"Unknown achievement type {data.achievement_type!r}.", field="achievement_type"
        )
    if data.duplicate_policy not in DuplicatePolicy.values:
        raise ServiceError(
            f"Unknown duplicate policy {data.duplicate_policy!r}.", field="duplicate_policy"
        )
    if data.validity_days is not None and data.validity_days < 1:
        raise ServiceError(
            "The validity must be at least one day, or empty for no expiry.", field="validity_days"
        )
    if data.programme is not None and data.programme.issuer_id != issuer.pk:
        raise ServiceError("That programme belongs to another issuer.", field="programme")
    for alignment in data.alignments:
        if not alignment.target_name.strip() or not alignment.target_url.strip():
            raise ServiceError(
                "Each alignment needs a target name and a target URL.", field="alignments"
            )
    slug = data.slug or slugify(data.name)[:80]
    if not slug:
        raise ServiceError("Give the badge a name with letters or digits.", field="name")
    clash = BadgeTemplate.objects.filter(issuer=issuer, slug=slug)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ServiceError(
            f"Another badge of {issuer.name} already uses the slug {slug!r}.", field="slug"
        )
    return slug


def _template_snapshot(template: BadgeTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "state": template.state,
        "achievement_type": template.achievement_type,
        "validity_days": template.validity_days,
        "duplicate_policy": template.duplicate_policy,
        "skills": sorted(template.skills.values_list("name", flat=True)),
    }


def _set_image(template: BadgeTemplate, image: ImageUpload) -> None:
    checked = check_badge_image(image.data, filename=image.filename)
    template.image_kind = checked.kind
    template.image.save(
        f"{template.public_id}.{checked.kind}", ContentFile(checked.data), save=False
    )


def _set_relations(template: BadgeTemplate, data: TemplateInput) -> None:
    template.skills.set(skills_get_or_create(names=data.skills))
    template.alignments.all().delete()
    Alignment.objects.bulk_create(
        Alignment(template=template, **vars(alignment)) for alignment in data.alignments
    )


@transaction.atomic
def template_create(
    *,
    actor: Actor,
    issuer: Issuer,
    data: TemplateInput,
    image: ImageUpload,
    state: str = TemplateState.DRAFT,
) -> BadgeTemplate:
    require_capability(actor=actor, issuer=issuer, capability=Capability.MANAGE_TEMPLATES)
    slug = _validate_template_input(issuer=issuer, data=data, exclude_pk=None)
    if state not in TemplateState.values:
        raise ServiceError(f"Unknown state {state!r}.", field="state")
    template = BadgeTemplate(
        issuer=issuer,
        slug=slug,
        state=state,
        name=data.name.strip(),
        description=data.description.strip(),
        criteria_url=data.criteria_url,
        criteria_markdown=data.criteria_markdown.strip(),
        achievement_type=data.achievement_type,
        validity_days=data.validity_days,
        duplicate_policy=data.duplicate_policy,
        programme=data.programme,
        earn_again_url=data.earn_again_url,
    )
    _set_image(template, image)
    template.save()
    _set_relations(template, data)
    audit_record(
        actor=actor,
        verb="template.created",
        object_type="template",
        object_id=template.public_id,
        issuer_id=issuer.pk,
        after=_template_snapshot(template),
    )
    from insignia.webhooks.kick import webhooks_kick  # webhooks builds on badges

    webhooks_kick(issuer_id=issuer.pk)
    return template


@transaction.atomic
def template_update(
    *,
    actor: Actor,
    template: BadgeTemplate,
    data: TemplateInput,
    image: ImageUpload | None = None,
) -> BadgeTemplate:
    require_capability(actor=actor, issuer=template.issuer, capability=Capability.MANAGE_TEMPLATES)
    if template.state == TemplateState.ARCHIVED:
        raise ServiceError("Archived badges cannot be edited; restore it first.", field="state")
    before = _template_snapshot(template)
    template.slug = _validate_template_input(
        issuer=template.issuer, data=data, exclude_pk=template.pk
    )
    template.name = data.name.strip()
    template.description = data.description.strip()
    template.criteria_url = data.criteria_url
    template.criteria_markdown = data.criteria_markdown.strip()
    template.achievement_type = data.achievement_type
    template.validity_days = data.validity_days
    template.duplicate_policy = data.duplicate_policy
    template.programme = data.programme
    template.earn_again_url = data.earn_again_url
    if image is not None:
        _set_image(template, image)
    template.save()
    _set_relations(template, data)
    audit_record(
        actor=actor,
        verb="template.changed",
        object_type="template",
        object_id=template.public_id,
        issuer_id=template.issuer_id,
        before=before,
        after=_template_snapshot(template),
    )
    from insignia.webhooks.kick import webhooks_kick  # webhooks builds on badges

    webhooks_kick(issuer_id=template.issuer_id)
    return template


_STATE_MOVES: dict[str, set[str]] = {
    TemplateState.DRAFT: {TemplateState.ACTIVE, TemplateState.ARCHIVED},
    TemplateState.ACTIVE: {TemplateState.ARCHIVED},
    TemplateState.ARCHIVED: {TemplateState.ACTIVE},
}


@transaction.atomic
def template_set_state(*, actor: Actor, template: BadgeTemplate, state: str) -> BadgeTemplate:
    require_capability(actor=actor, issuer=template.issuer, capability=Capability.MANAGE_TEMPLATES)
    template = BadgeTemplate.objects.select_for_update().get(pk=template.pk)
    if state == template.state:
        return template
    if state not in _STATE_MOVES.get(template.state, set()):
        raise ServiceError(
            f"A {template.get_state_display().lower()} badge cannot become {state}.", field="state"
        )
    before = template.state
    template.state = state
    template.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        verb="template.state_changed",
        object_type="template",
        object_id=template.public_id,
        issuer_id=template.issuer_id,
        before={"state": before},
        after={"state": state},
    )
    from insignia.webhooks.kick import webhooks_kick  # webhooks builds on badges

    webhooks_kick(issuer_id=template.issuer_id)
    return template


@transaction.atomic
def programme_create(
    *,
    actor: Actor,
    issuer: Issuer,
    name: str,
    effective_date: dt.date,
    status: str = ProgrammeStatus.PILOT,
    slug: str = "",
    description: str = "",
    templates: Sequence[BadgeTemplate] = (),
) -> Programme:
    require_capability(actor=actor, issuer=issuer, capability=Capability.MANAGE_TEMPLATES)
    if not name.strip():
        raise ServiceError("Give the programme a name.", field="name")
    if status not in (ProgrammeStatus.PILOT, ProgrammeStatus.ACTIVE):
        raise ServiceError("A new programme starts as a pilot or active.", field="status")
    slug = slug or slugify(name)[:80]
    if Programme.objects.filter(issuer=issuer, slug=slug).exists():
        raise ServiceError(f"A programme with the slug {slug!r} exists already.", field="slug")
    programme = Programme.objects.create(
        issuer=issuer,
        name=name.strip(),
        slug=slug,
        description=description,
        effective_date=effective_date,
        status=status,
    )
    template_ids = _programme_set_templates(programme, templates) if templates else []
    audit_record(
        actor=actor,
        verb="programme.created",
        object_type="programme",
        object_id=programme.public_id,
        issuer_id=issuer.pk,
        after={
            "name": programme.name,
            "status": status,
            "effective_date": effective_date.isoformat(),
        }
        | ({"templates": template_ids} if template_ids else {}),
    )
    return programme


@transaction.atomic
def programme_set_status(
    *, actor: Actor, programme: Programme, status: str, note: str = ""
) -> Programme:
    """Move a programme between pilot and active, or terminate it (final).

    Terminating stops new awards; badges already issued stay valid unless revoked one by one,
    and ``note`` tells earners what that means for them.
    """
    require_capability(actor=actor, issuer=programme.issuer, capability=Capability.MANAGE_TEMPLATES)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status == ProgrammeStatus.TERMINATED:
        raise ServiceError("The programme is terminated; that cannot be undone.", field="status")
    if status not in ProgrammeStatus.values:
        raise ServiceError(f"Unknown programme status {status!r}.", field="status")
    before = programme.status
    programme.status = status
    if status == ProgrammeStatus.TERMINATED:
        if not note.strip():
            raise ServiceError(
                "Say what happens to badges already issued; earners will see this note.",
                field="termination_note",
            )
        programme.terminated_at = timezone.now()
        programme.termination_note = note.strip()
    programme.save()
    audit_record(
        actor=actor,
        verb="programme.status_changed",
        object_type="programme",
        object_id=programme.public_id,
        issuer_id=programme.issuer_id,
        before={"status": before},
        after={"status": status, "note": programme.termination_note},
    )
    return programme


def _programme_snapshot(programme: Programme) -> dict[str, Any]:
    return {
        "name": programme.name,
        "description": programme.description,
        "effective_date": programme.effective_date.isoformat(),
        "templates": sorted(programme.templates.values_list("public_id", flat=True)),
    }


def _first_issued_on(templates: Sequence[BadgeTemplate]) -> dt.date | None:
    """The day of the earliest unrevoked badge of ``templates``."""
    first = (
        BadgeTemplate.objects.filter(pk__in=[t.pk for t in templates])
        .filter(awards__revoked_at__isnull=True)
        .aggregate(first=Min("awards__issued_on"))["first"]
    )
    return first.date() if first else None


def _programme_set_templates(programme: Programme, templates: Sequence[BadgeTemplate]) -> list[str]:
    """Make ``templates`` exactly the programme's templates; returns their public ids."""
    wanted = {t.pk: t for t in templates}
    for template in wanted.values():
        if template.issuer_id != programme.issuer_id:
            raise ServiceError("That badge template belongs to another issuer.", field="templates")
        if template.programme_id not in (None, programme.pk):
            raise ServiceError(
                f"{template.name!r} belongs to another programme; take it out of that one first.",
                field="templates",
            )
    first = _first_issued_on(list(wanted.values()))
    if first is not None and first < programme.effective_date:
        raise ServiceError(
            f"A badge of these templates was issued on {first:%Y-%m-%d}, before the programme's "
            f"effective date {programme.effective_date:%Y-%m-%d}.",
            field="templates",
        )
    BadgeTemplate.objects.filter(programme=programme).exclude(pk__in=wanted).update(
        programme=None, updated_at=timezone.now()
    )
    BadgeTemplate.objects.filter(pk__in=wanted).update(
        programme=programme, updated_at=timezone.now()
    )
    return sorted(t.public_id for t in wanted.values())


@transaction.atomic
def programme_update(
    *,
    actor: Actor,
    programme: Programme,
    name: str | None = None,
    description: str | None = None,
    effective_date: dt.date | None = None,
    templates: Sequence[BadgeTemplate] | None = None,
    status: str | None = None,
    termination_note: str = "",
) -> Programme:
    """Change a programme's fields, templates or status in one go (None keeps a field).

    The effective date is settled once the programme is terminated, and cannot move past a
    badge already issued under the programme: that badge would then predate it. A status
    change follows ``programme_set_status``'s rules (terminating is final and needs a note).
    """
    require_capability(actor=actor, issuer=programme.issuer, capability=Capability.MANAGE_TEMPLATES)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = _programme_snapshot(programme)
    if name is not None:
        if not name.strip():
            raise ServiceError("Give the programme a name.", field="name")
        programme.name = name.strip()
    if description is not None:
        programme.description = description.strip()
    if effective_date is not None and effective_date != programme.effective_date:
        if programme.status == ProgrammeStatus.TERMINATED:
            raise ServiceError(
                "The programme is terminated; its effective date can no longer change.",
                field="effective_date",
            )
        programme.effective_date = effective_date
        first = _first_issued_on(list(programme.templates.all()))
        if first is not None and first < effective_date:
            raise ServiceError(
                f"A badge of this programme was issued on {first:%Y-%m-%d}; the effective date "
                "cannot be later than that.",
                field="effective_date",
            )
    programme.save()
    if templates is not None:
        _programme_set_templates(programme, templates)
    after = _programme_snapshot(programme)
    if after != before:
        audit_record(
            actor=actor,
            verb="programme.changed",
            object_type="programme",
            object_id=programme.public_id,
            issuer_id=programme.issuer_id,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    if status is not None and status != programme.status:
        programme = programme_set_status(
            actor=actor, programme=programme, status=status, note=termination_note
        )
    return programme

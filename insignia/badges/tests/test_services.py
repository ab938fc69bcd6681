"""Badge template, skill and programme services: the rules every front end shares."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from insignia.badges.models import (
    BadgeTemplate,
    DuplicatePolicy,
    Programme,
    ProgrammeStatus,
    Skill,
    TemplateState,
)
from insignia.badges.selectors import template_counts_by_state
from insignia.badges.services import (
    AlignmentInput,
    ImageUpload,
    TemplateInput,
    programme_create,
    programme_set_status,
    skills_get_or_create,
    template_create,
    template_set_state,
    template_update,
)
from insignia.core.audit import Actor
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.core.models import AuditEvent
from insignia.issuers.models import Role
from insignia.testing.factories import BadgeTemplateFactory, ProgrammeFactory, SkillFactory
from insignia.testing.images import SVG_BADGE, png_bytes

pytestmark = pytest.mark.django_db

PNG = ImageUpload(data=png_bytes(), filename="badge.png")
SYSTEM = Actor.system("test")


def data(**overrides) -> TemplateInput:
    values = {
        "name": "Azure Fundamentals",
        "description": "Knows the basics of cloud services.",
        "skills": ["Cloud computing"],
        "criteria_url": "https://contoso.example/az-900",
    }
    values.update(overrides)
    return TemplateInput(**values)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- skills ---------------------------------------------------------------------------------


def test_skills_are_normalised_deduplicated_and_shared():
    existing = SkillFactory(name="Cloud Computing")
    skills = skills_get_or_create(names=["cloud  computing", "Networking", "networking", " ", "!!"])
    assert skills[0] == existing
    assert [s.name for s in skills] == ["Cloud Computing", "Networking"]
    assert Skill.objects.count() == 2


# --- template_create ------------------------------------------------------------------------


def test_create_stores_template_image_relations_and_audit(issuer, staff_by_role):
    actor = Actor(user=staff_by_role[Role.ADMIN])
    template = template_create(
        actor=actor,
        issuer=issuer,
        data=data(
            skills=["Cloud computing", "Azure"],
            alignments=[AlignmentInput(target_name="Cloud", target_url="https://f.example/c")],
            validity_days=365,
            duplicate_policy=DuplicatePolicy.REPLACE,
        ),
        image=PNG,
        state=TemplateState.ACTIVE,
    )
    assert (template.slug, template.state, template.image_kind) == (
        "azure-fundamentals",
        "active",
        "png",
    )
    assert template.image.name.endswith(f"{template.public_id}.png")
    assert template.image.read() == PNG.data
    assert sorted(template.skills.values_list("name", flat=True)) == ["Azure", "Cloud computing"]
    assert template.alignments.get().target_url == "https://f.example/c"
    event = AuditEvent.objects.get(verb="template.created")
    assert event.actor == actor.user and event.after["duplicate_policy"] == "replace"


def test_create_defaults_to_draft_and_accepts_svg(issuer):
    template = template_create(
        actor=SYSTEM, issuer=issuer, data=data(), image=ImageUpload(SVG_BADGE, "b.svg")
    )
    assert template.state == TemplateState.DRAFT
    assert template.image_kind == "svg"


@pytest.mark.parametrize("role", [Role.ISSUER, Role.VIEWER])
def test_create_needs_the_manage_templates_capability(issuer, staff_by_role, role, settings):
    with pytest.raises(PermissionDenied):
        template_create(
            actor=Actor(user=staff_by_role[role]), issuer=issuer, data=data(), image=PNG
        )
    assert not BadgeTemplate.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "!!!"}, "name"),
        ({"description": ""}, "description"),
        ({"criteria_url": "", "criteria_markdown": " "}, "criteria_markdown"),
        ({"skills": []}, "skills"),
        ({"skills": [" ", ""]}, "skills"),
        ({"achievement_type": "Diploma"}, "achievement_type"),
        ({"duplicate_policy": "sometimes"}, "duplicate_policy"),
        ({"validity_days": 0}, "validity_days"),
        ({"alignments": [AlignmentInput(target_name="x", target_url="")]}, "alignments"),
    ],
)
def test_create_refuses_bad_input_without_writing(issuer, settings, overrides, field):
    with pytest.raises(ServiceError) as excinfo:
        template_create(actor=SYSTEM, issuer=issuer, data=data(**overrides), image=PNG)
    assert excinfo.value.field == field
    assert not BadgeTemplate.objects.exists()
    assert stored_files(settings) == []


def test_create_refuses_another_issuers_programme(issuer):
    with pytest.raises(ServiceError) as excinfo:
        template_create(
            actor=SYSTEM, issuer=issuer, data=data(programme=ProgrammeFactory()), image=PNG
        )
    assert excinfo.value.field == "programme"


def test_create_refuses_unknown_state(issuer):
    with pytest.raises(ServiceError) as excinfo:
        template_create(actor=SYSTEM, issuer=issuer, data=data(), image=PNG, state="live")
    assert excinfo.value.field == "state"


def test_create_refuses_a_bad_image_without_storing_it(issuer, settings):
    bad = ImageUpload(
        data=b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", filename="x.svg"
    )
    with pytest.raises(ServiceError) as excinfo:
        template_create(actor=SYSTEM, issuer=issuer, data=data(), image=bad)
    assert excinfo.value.field == "image"
    assert not BadgeTemplate.objects.exists()
    assert stored_files(settings) == []


def test_slug_is_unique_per_issuer_only(issuer):
    BadgeTemplateFactory(issuer=issuer, slug="azure-fundamentals")
    with pytest.raises(ServiceError) as excinfo:
        template_create(actor=SYSTEM, issuer=issuer, data=data(), image=PNG)
    assert excinfo.value.field == "slug"
    other = BadgeTemplateFactory().issuer
    assert template_create(actor=SYSTEM, issuer=other, data=data(), image=PNG).slug == (
        "azure-fundamentals"
    )


# --- template_update ------------------------------------------------------------------------


def test_update_changes_fields_relations_and_writes_before_after(issuer):
    template = BadgeTemplateFactory(issuer=issuer, name="Old")
    template_update(
        actor=SYSTEM,
        template=template,
        data=data(name="New", slug=template.slug, skills=["Security"], validity_days=30),
    )
    template.refresh_from_db()
    assert (template.name, template.validity_days, template.image_kind) == ("New", 30, "png")
    assert list(template.skills.values_list("name", flat=True)) == ["Security"]
    event = AuditEvent.objects.get(verb="template.changed")
    assert event.before["name"] == "Old" and event.after["name"] == "New"


def test_update_replaces_the_image(issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    template_update(
        actor=SYSTEM,
        template=template,
        data=data(slug=template.slug),
        image=ImageUpload(SVG_BADGE, "new.svg"),
    )
    template.refresh_from_db()
    assert template.image_kind == "svg" and template.image.read() == SVG_BADGE


def test_update_of_an_archived_template_is_refused(issuer):
    template = BadgeTemplateFactory(issuer=issuer, state=TemplateState.ARCHIVED, name="Kept")
    with pytest.raises(ServiceError, match="restore it first"):
        template_update(actor=SYSTEM, template=template, data=data(name="Changed"))
    template.refresh_from_db()
    assert template.name == "Kept"


def test_update_keeps_its_own_slug_but_not_anothers(issuer):
    BadgeTemplateFactory(issuer=issuer, slug="taken")
    template = BadgeTemplateFactory(issuer=issuer, slug="mine")
    template_update(actor=SYSTEM, template=template, data=data(slug="mine"))
    with pytest.raises(ServiceError) as excinfo:
        template_update(actor=SYSTEM, template=template, data=data(slug="taken"))
    assert excinfo.value.field == "slug"


# --- template_set_state ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (TemplateState.DRAFT, TemplateState.ACTIVE, True),
        (TemplateState.DRAFT, TemplateState.ARCHIVED, True),
        (TemplateState.ACTIVE, TemplateState.ARCHIVED, True),
        (TemplateState.ARCHIVED, TemplateState.ACTIVE, True),
        (TemplateState.ACTIVE, TemplateState.DRAFT, False),
        (TemplateState.ARCHIVED, TemplateState.DRAFT, False),
        (TemplateState.ACTIVE, "deleted", False),
    ],
)
def test_state_moves(issuer, start, target, allowed):
    template = BadgeTemplateFactory(issuer=issuer, state=start)
    if allowed:
        assert template_set_state(actor=SYSTEM, template=template, state=target).state == target
        assert AuditEvent.objects.filter(verb="template.state_changed").count() == 1
    else:
        with pytest.raises(ServiceError):
            template_set_state(actor=SYSTEM, template=template, state=target)
        template.refresh_from_db()
        assert template.state == start


def test_setting_the_same_state_is_a_no_op(issuer):
    template = BadgeTemplateFactory(issuer=issuer, state=TemplateState.ACTIVE)
    template_set_state(actor=SYSTEM, template=template, state=TemplateState.ACTIVE)
    assert not AuditEvent.objects.exists()


def test_template_counts_by_state(issuer):
    BadgeTemplateFactory.create_batch(2, issuer=issuer, state=TemplateState.ACTIVE)
    BadgeTemplateFactory(issuer=issuer, state=TemplateState.ARCHIVED)
    BadgeTemplateFactory(state=TemplateState.DRAFT)  # another issuer
    assert template_counts_by_state(issuer=issuer) == {"draft": 0, "active": 2, "archived": 1}


# --- programmes -----------------------------------------------------------------------------


def test_programme_create(issuer):
    programme = programme_create(
        actor=SYSTEM, issuer=issuer, name=" Cloud track ", effective_date=dt.date(2025, 1, 1)
    )
    assert (programme.name, programme.slug, programme.status) == (
        "Cloud track",
        "cloud-track",
        "pilot",
    )
    assert AuditEvent.objects.get(verb="programme.created").after["effective_date"] == "2025-01-01"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"status": ProgrammeStatus.TERMINATED}, "status"),
        ({"slug": "existing"}, "slug"),
    ],
)
def test_programme_create_refusals(issuer, kwargs, field):
    ProgrammeFactory(issuer=issuer, slug="existing")
    values = {"name": "Track", "effective_date": dt.date(2025, 1, 1), **kwargs}
    with pytest.raises(ServiceError) as excinfo:
        programme_create(actor=SYSTEM, issuer=issuer, **values)
    assert excinfo.value.field == field
    assert Programme.objects.count() == 1


def test_programme_create_needs_manage_templates(issuer, staff_by_role):
    with pytest.raises(PermissionDenied):
        programme_create(
            actor=Actor(user=staff_by_role[Role.ISSUER]),
            issuer=issuer,
            name="Track",
            effective_date=dt.date(2025, 1, 1),
        )


def test_programme_terminate_needs_a_note_and_is_final(issuer):
    programme = ProgrammeFactory(issuer=issuer)
    with pytest.raises(ServiceError) as excinfo:
        programme_set_status(actor=SYSTEM, programme=programme, status="terminated", note=" ")
    assert excinfo.value.field == "termination_note"
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ACTIVE

    programme_set_status(
        actor=SYSTEM, programme=programme, status="terminated", note="Still valid."
    )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.TERMINATED and programme.terminated_at is not None
    with pytest.raises(ServiceError, match="cannot be undone"):
        programme_set_status(actor=SYSTEM, programme=programme, status="active")


def test_programme_status_refuses_unknown_values(issuer):
    programme = ProgrammeFactory(issuer=issuer, status=ProgrammeStatus.PILOT)
    with pytest.raises(ServiceError):
        programme_set_status(actor=SYSTEM, programme=programme, status="paused")
    programme_set_status(actor=SYSTEM, programme=programme, status="active")
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ACTIVE

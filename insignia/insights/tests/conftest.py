"""Fixtures for insights tests: a small taxonomy, employers with staff, an earner with badges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from insignia.insights import jobindex
from insignia.insights.models import Employer, EmployerMembership, Job, JobSkill
from insignia.testing.factories import (
    AwardFactory,
    BadgeTemplateFactory,
    SkillFactory,
    UserFactory,
)

FILES = Path(__file__).parent / "files"


@pytest.fixture
def files() -> Path:
    return FILES


@pytest.fixture
def skills(db):
    names = ["Cloud Administration", "Monitoring", "Kubernetes", "Cloud Security", "Cooking"]
    return {s.slug: s for s in (SkillFactory(name=n) for n in names)}


def make_job(employer, *, title="Job", required=(), preferred=(), days_ago=1, **fields):
    """A job written straight to the tables, then recorded as the write paths record theirs."""
    posted = timezone.now() - dt.timedelta(days=days_ago)
    job = Job.objects.create(employer=employer, title=title, posted_at=posted, **fields)
    for skill in required:
        JobSkill.objects.create(
            job=job, skill=skill, required=True, posted_at=posted, expires_at=job.expires_at
        )
    for skill in preferred:
        JobSkill.objects.create(
            job=job, skill=skill, required=False, posted_at=posted, expires_at=job.expires_at
        )
    jobindex.jobs_changed(before={}, job_ids=[job.pk])
    return job


@pytest.fixture
def employer(db):
    return Employer.objects.create(name="Fabrikam", slug="fabrikam", url="https://fabrikam.example")


@pytest.fixture
def other_employer(db):
    return Employer.objects.create(name="Northwind", slug="northwind")


@pytest.fixture
def employer_staff(employer):
    user = UserFactory(email="hr@fabrikam.example")
    EmployerMembership.objects.create(employer=employer, user=user)
    return user


@pytest.fixture
def other_employer_staff(other_employer):
    user = UserFactory(email="hr@northwind.example")
    EmployerMembership.objects.create(employer=other_employer, user=user)
    return user


@pytest.fixture
def earner(skills):
    user = UserFactory(email="sam@example.com", full_name="Sam Rivera")
    template = BadgeTemplateFactory(
        name="Cloud Admin Associate", skills=[skills["cloud-administration"], skills["monitoring"]]
    )
    AwardFactory(template=template, earner=user, recipient_email=user.email)
    return user


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client

"""Cached insight figures are exact: every change to jobs, and time passing an expiry, shows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from insignia.core.audit import Actor
from insignia.insights import services
from insignia.insights.cache import jobs_version
from insignia.insights.importers import import_jobs
from insignia.insights.models import Job, JobSkill, JobsVersion
from insignia.insights.selectors import earner_insights, recommended_jobs
from insignia.insights.tests.conftest import make_job
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def figures(user, now=None):
    data = earner_insights(user=user, now=now or timezone.now())
    return (
        data.demand.job_count,
        [(e["employer__name"], e["n"]) for e in data.demand.top_employers],
        [r.job.title for r in data.recommendations],
        data.posted.count if data.posted else 0,
    )


def test_a_second_view_is_served_from_the_cache(earner, employer, skills):
    make_job(employer, title="a", required=[skills["cloud-administration"]])
    first = figures(earner)
    assert first == (1, [("Fabrikam", 1)], ["a"], 0)
    # A write that bypasses the version (bulk_create sends no signal) is not seen: proof that
    # the figures came from the cache, not a new aggregation.
    version = jobs_version()
    job = Job.objects.create(employer=employer, title="b", posted_at=timezone.now())
    JobSkill.objects.bulk_create(
        [JobSkill(job=job, skill=skills["monitoring"], posted_at=job.posted_at)]
    )
    JobsVersion.objects.filter(pk=1).update(token=version)
    assert figures(earner) == first


def test_a_job_saved_after_a_view_shows_on_the_next(earner, employer, skills):
    make_job(employer, title="a", required=[skills["cloud-administration"]])
    assert figures(earner)[0] == 1
    make_job(employer, title="b", required=[skills["monitoring"]], days_ago=0)
    assert figures(earner)[:3] == (2, [("Fabrikam", 2)], ["b", "a"])


def test_a_job_posted_through_the_service_shows(earner, employer, employer_staff, skills):
    assert figures(earner)[0] == 0
    services.job_post(
        actor=Actor(user=employer_staff),
        employer=employer,
        data=services.JobInput(
            title="Posted",
            description_markdown="",
            city="",
            region="",
            country="",
            remote=True,
            salary_min=None,
            salary_max=None,
            salary_currency="",
            salary_period="",
            required_skills=["monitoring"],
            preferred_skills=[],
            apply_url="",
            expires_at=None,
        ),
        now=timezone.now(),
    )
    assert figures(earner)[:3] == (1, [("Fabrikam", 1)], ["Posted"])


def test_imported_jobs_show_after_a_view(earner, skills):
    assert figures(earner)[0] == 0
    posting = {
        "@type": "JobPosting",
        "identifier": "X-1",
        "title": "Imported",
        "datePosted": "2025-11-01",
        "hiringOrganization": {"name": "Contoso"},
        "skills": "Cloud Administration",
        "baseSalary": {
            "currency": "USD",
            "value": {"minValue": 60000, "maxValue": 90000, "unitText": "YEAR"},
        },
    }
    import_jobs(json.dumps(posting).encode())
    assert figures(earner) == (1, [("Contoso", 1)], ["Imported"], 1)


def test_a_job_expiring_after_a_view_drops_out(earner, employer, skills):
    now = timezone.now()
    make_job(employer, title="open", required=[skills["cloud-administration"]])
    make_job(
        employer,
        title="closing",
        required=[skills["monitoring"]],
        expires_at=now + dt.timedelta(hours=1),
    )
    assert figures(earner, now)[0] == 2
    later = now + dt.timedelta(hours=2)
    assert figures(earner, later)[:3] == (1, [("Fabrikam", 1)], ["open"])
    # and a view "before" an entry was computed never reuses it
    assert figures(earner, now)[0] == 2


def test_renaming_or_deleting_shows(earner, employer, skills):
    job = make_job(employer, title="a", required=[skills["cloud-administration"]])
    assert figures(earner)[1] == [("Fabrikam", 1)]
    employer.name = "Fabrikam Ltd"
    employer.save()
    assert figures(earner)[1] == [("Fabrikam Ltd", 1)]
    job.delete()
    assert figures(earner)[:3] == (0, [], [])


def test_a_queryset_delete_that_skips_the_version_never_breaks_the_page(earner, employer, skills):
    make_job(employer, title="a", required=[skills["cloud-administration"]])
    assert [r.job.title for r in recommended_jobs(user=earner, now=timezone.now())] == ["a"]
    JobSkill.objects.all().delete()
    Job.objects.all()._raw_delete(Job.objects.db)  # type: ignore[attr-defined]
    assert recommended_jobs(user=earner, now=timezone.now()) == []


def test_earners_with_the_same_skills_share_figures_but_see_their_own_badges(
    earner, employer, skills
):
    make_job(employer, title="a", required=[skills["cloud-administration"]])
    other = UserFactory(email="kim@example.com")
    template = BadgeTemplateFactory(
        name="Kim's Cloud Badge", skills=[skills["cloud-administration"], skills["monitoring"]]
    )
    AwardFactory(template=template, earner=other, recipient_email=other.email)
    [mine] = recommended_jobs(user=earner, now=timezone.now())
    [theirs] = recommended_jobs(user=other, now=timezone.now())
    assert [b.name for b in mine.matched_badges] == ["Cloud Admin Associate"]
    assert [b.name for b in theirs.matched_badges] == ["Kim's Cloud Badge"]

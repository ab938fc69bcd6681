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
from insignia.insights.tests.conftest import client_for, make_job
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


@pytest.fixture
def operator():
    user = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    return client_for(user)


def _job_form(job, **changes):
    data = {
        "employer": job.employer_id,
        "title": job.title,
        "description_html": job.description_html,
        "city": job.city,
        "region": job.region,
        "country": job.country,
        "salary_currency": job.salary_currency,
        "salary_period": job.salary_period,
        "occupation_code": job.occupation_code,
        "occupation_text": job.occupation_text,
        "apply_url": job.apply_url,
        "in_app_apply": "on",
        "posted_at_0": job.posted_at.strftime("%Y-%m-%d"),
        "posted_at_1": job.posted_at.strftime("%H:%M:%S"),
        "source": job.source,
        "source_id": job.source_id,
    }
    if job.remote:
        data["remote"] = "on"
    data.update(changes)
    return data


def test_a_job_changed_in_the_admin_shows(earner, employer, skills, operator):
    job = make_job(employer, title="a", required=[skills["cloud-administration"]], city="Austin")
    assert figures(earner)[:3] == (1, [("Fabrikam", 1)], ["a"])
    closing = timezone.now() - dt.timedelta(minutes=1)
    response = operator.post(
        f"/admin/insights/job/{job.pk}/change/",
        _job_form(
            job,
            title="a2",
            expires_at_0=closing.strftime("%Y-%m-%d"),
            expires_at_1=closing.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302, response.content[:2000]
    # closed in the admin: it leaves the figures and its skill rows carry the new date
    assert figures(earner)[:3] == (0, [], [])
    assert JobSkill.objects.get(job=job).expires_at is not None


def test_a_job_deleted_in_the_admin_leaves(earner, employer, skills, operator):
    job = make_job(employer, title="a", required=[skills["cloud-administration"]])
    make_job(employer, title="b", required=[skills["monitoring"]])
    assert figures(earner)[0] == 2
    response = operator.post(f"/admin/insights/job/{job.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert figures(earner)[:3] == (1, [("Fabrikam", 1)], ["b"])


def test_jobs_deleted_by_the_admin_action_leave(earner, employer, skills, operator):
    jobs = [make_job(employer, title=t, required=[skills["monitoring"]]) for t in "abc"]
    assert figures(earner)[0] == 3
    response = operator.post(
        "/admin/insights/job/",
        {"action": "delete_selected", "_selected_action": [jobs[0].pk, jobs[1].pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert figures(earner)[:3] == (1, [("Fabrikam", 1)], ["c"])


def test_an_employer_renamed_in_the_admin_shows(earner, employer, skills, operator):
    make_job(employer, title="a", required=[skills["cloud-administration"]])
    assert figures(earner)[1] == [("Fabrikam", 1)]
    response = operator.post(
        f"/admin/insights/employer/{employer.pk}/change/",
        {
            "name": "Fabrikam Ltd",
            "slug": employer.slug,
            "url": employer.url,
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert figures(earner)[1] == [("Fabrikam Ltd", 1)]


def test_an_employer_deleted_in_the_admin_takes_its_jobs(
    earner, employer, other_employer, skills, operator
):
    make_job(employer, title="a", required=[skills["cloud-administration"]])
    make_job(other_employer, title="b", required=[skills["monitoring"]])
    assert figures(earner)[0] == 2
    response = operator.post(f"/admin/insights/employer/{employer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert figures(earner)[:3] == (1, [("Northwind", 1)], ["b"])


def test_employers_deleted_by_the_admin_action_take_their_jobs(
    earner, employer, other_employer, skills, operator
):
    make_job(employer, title="a", required=[skills["cloud-administration"]])
    make_job(other_employer, title="b", required=[skills["monitoring"]])
    assert figures(earner)[0] == 2
    response = operator.post(
        "/admin/insights/employer/",
        {"action": "delete_selected", "_selected_action": [other_employer.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert figures(earner)[:3] == (1, [("Fabrikam", 1)], ["a"])


def test_a_re_import_that_moves_a_job_shows(earner, skills):
    posting = {
        "@type": "JobPosting",
        "identifier": "X-1",
        "title": "Imported",
        "datePosted": "2025-11-01",
        "hiringOrganization": {"name": "Contoso"},
        "skills": "Cloud Administration",
    }
    import_jobs(json.dumps(posting).encode())
    assert figures(earner)[:3] == (1, [("Contoso", 1)], ["Imported"])
    moved = {**posting, "skills": "Cooking"}
    assert import_jobs(json.dumps(moved).encode()).updated == 1
    assert figures(earner)[:3] == (0, [], [])
    back = {**moved, "title": "Imported again", "skills": "Monitoring"}
    assert import_jobs(json.dumps(back).encode()).updated == 1
    assert figures(earner)[:3] == (1, [("Contoso", 1)], ["Imported again"])


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

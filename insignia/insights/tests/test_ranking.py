"""Recommendation rules: overlap (required > preferred), then location, then recency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insignia.earners.models import Profile
from insignia.insights.selectors import earner_insights, recommended_jobs
from insignia.insights.tests.conftest import make_job
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory

pytestmark = pytest.mark.django_db


def titles(user):
    return [r.job.title for r in recommended_jobs(user=user, now=timezone.now())]


def test_required_skills_weigh_more_than_preferred(earner, employer, skills):
    admin, monitoring = skills["cloud-administration"], skills["monitoring"]
    make_job(employer, title="one required", required=[admin], days_ago=9)
    make_job(employer, title="one preferred", preferred=[admin], days_ago=1)
    make_job(employer, title="required + preferred", required=[admin], preferred=[monitoring])
    make_job(employer, title="two required", required=[admin, monitoring], days_ago=9)
    make_job(employer, title="other skill", required=[skills["cooking"]])
    assert titles(earner) == [
        "two required",
        "required + preferred",
        "one required",
        "one preferred",
    ]


def test_equal_scores_go_to_the_newer_job(earner, employer, skills):
    admin, monitoring = skills["cloud-administration"], skills["monitoring"]
    make_job(employer, title="one required, older", required=[admin], days_ago=5)
    make_job(employer, title="two preferred, newer", preferred=[admin, monitoring], days_ago=1)
    assert titles(earner) == ["two preferred, newer", "one required, older"]


def test_location_breaks_ties_before_recency(earner, employer, skills):
    Profile.objects.create(user=earner, slug="sam", location="austin, Texas")
    admin = skills["cloud-administration"]
    make_job(employer, title="newest elsewhere", required=[admin], city="Denver", days_ago=1)
    make_job(employer, title="remote", required=[admin], remote=True, days_ago=3)
    make_job(employer, title="in Austin", required=[admin], city="Austin", days_ago=5)
    assert titles(earner) == ["in Austin", "remote", "newest elsewhere"]


def test_without_a_location_recency_decides(earner, employer, skills):
    admin = skills["cloud-administration"]
    make_job(employer, title="old", required=[admin], city="Austin", days_ago=9)
    make_job(employer, title="new", required=[admin], days_ago=1)
    assert titles(earner) == ["new", "old"]


def test_expired_jobs_are_not_recommended(earner, employer, skills):
    admin = skills["cloud-administration"]
    make_job(employer, title="closed", required=[admin], expires_at=timezone.now())
    make_job(
        employer, title="open", required=[admin], expires_at=timezone.now() + dt.timedelta(days=3)
    )
    assert titles(earner) == ["open"]


def test_each_recommendation_names_the_matching_skills_and_badges(earner, employer, skills):
    second = BadgeTemplateFactory(name="Kubernetes Pro", skills=[skills["kubernetes"]])
    AwardFactory(template=second, earner=earner, recipient_email=earner.email)
    make_job(
        employer,
        title="k8s admin",
        required=[skills["kubernetes"]],
        preferred=[skills["monitoring"]],
    )
    [rec] = recommended_jobs(user=earner, now=timezone.now())
    assert rec.matched_skills == ["Kubernetes", "Monitoring"]
    assert {b.name for b in rec.matched_badges} == {"Kubernetes Pro", "Cloud Admin Associate"}
    assert rec.score == 3


def test_revoked_pending_and_other_peoples_badges_do_not_count(earner, employer, skills, db):
    template = BadgeTemplateFactory(name="Security", skills=[skills["cloud-security"]])
    AwardFactory(template=template, earner=earner, revoked_at=timezone.now())
    AwardFactory(template=template, earner=earner, state="pending")
    AwardFactory(template=template)  # someone else's
    make_job(employer, title="security", required=[skills["cloud-security"]])
    assert titles(earner) == []


def test_insights_count_jobs_by_region_and_employer(earner, employer, other_employer, skills):
    admin = skills["cloud-administration"]
    make_job(employer, title="a", required=[admin], region="TX", country="US")
    make_job(employer, title="b", required=[admin], region="TX", country="US")
    make_job(other_employer, title="c", preferred=[admin], region="WA", country="US")
    make_job(other_employer, title="d", required=[skills["cooking"]], region="WA")
    data = earner_insights(user=earner, now=timezone.now())
    assert data.demand.job_count == 3
    assert [(r["region"], r["n"]) for r in data.demand.by_region] == [("TX", 2), ("WA", 1)]
    assert [(e["employer__name"], e["n"]) for e in data.demand.top_employers] == [
        ("Fabrikam", 2),
        ("Northwind", 1),
    ]

"""Applying in-app: what is sent, what is refused, who is emailed, live badge status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from insignia.awards.models import Visibility
from insignia.core.audit import Actor
from insignia.core.errors import ServiceError
from insignia.core.models import AuditEvent
from insignia.earners.models import EarnerSettings, Profile
from insignia.insights.services import JobInput, application_submit, job_post
from insignia.insights.tests.conftest import client_for, make_job
from insignia.testing.factories import AwardFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job(employer, skills):
    return make_job(employer, title="Cloud Administrator", required=[skills["monitoring"]])


def submit(user, job, badges=(), message="Hello"):
    return application_submit(
        actor=Actor(user=user), job=job, message=message, badge_ids=badges, now=timezone.now()
    )


def test_application_carries_profile_message_and_badges_and_emails_both_sides(
    earner, job, employer_staff
):
    Profile.objects.create(user=earner, slug="sam-r", display_name="Sam R.", headline="Cloud admin")
    award = earner.awards.get()
    application = submit(earner, job, [award.public_id], "I run clouds.")
    assert (application.name, application.headline, application.message) == (
        "Sam R.",
        "Cloud admin",
        "I run clouds.",
    )
    assert application.profile_url.endswith("/u/sam-r")
    assert list(application.badges.all()) == [award]
    assert AuditEvent.objects.filter(verb="job.application_submitted").count() == 1
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["hr@fabrikam.example", "sam@example.com"]
    to_staff = next(m for m in mail.outbox if m.to == ["hr@fabrikam.example"])
    assert f"/badges/{award.public_id}" in to_staff.body and "I run clouds." in to_staff.body


def test_private_profile_sends_no_profile_link(earner, job):
    Profile.objects.create(user=earner, slug="sam-r")
    EarnerSettings.objects.create(user=earner, profile_public=False)
    assert submit(earner, job).profile_url == ""


def test_private_badges_are_refused(earner, job):
    award = earner.awards.get()
    award.visibility = Visibility.PRIVATE
    award.save()
    with pytest.raises(ServiceError, match="private"):
        submit(earner, job, [award.public_id])


def test_someone_elses_or_revoked_badges_are_refused(earner, job, skills):
    other = AwardFactory()
    with pytest.raises(ServiceError, match="your own"):
        submit(earner, job, [other.public_id])
    revoked = AwardFactory(earner=earner, revoked_at=timezone.now())
    with pytest.raises(ServiceError, match="revoked"):
        submit(earner, job, [revoked.public_id])


def test_second_application_external_and_closed_jobs_are_refused(earner, job, employer):
    submit(earner, job)
    with pytest.raises(ServiceError, match="already applied"):
        submit(earner, job)
    external = make_job(employer, apply_url="https://fabrikam.example/apply", in_app_apply=False)
    with pytest.raises(ServiceError, match="employer's site"):
        submit(earner, external)
    closed = make_job(employer, expires_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="closed"):
        submit(earner, closed)


def test_employer_sees_badge_status_computed_now(earner, job, employer, employer_staff):
    award = earner.awards.get()
    application = submit(earner, job, [award.public_id])
    url = f"/employers/{employer.public_id}/applications/{application.public_id}"
    page = client_for(employer_staff).get(url).content.decode()
    assert 'data-status="valid"' in page
    award.revoked_at = timezone.now()
    award.save()
    page = client_for(employer_staff).get(url).content.decode()
    assert 'data-status="revoked"' in page
    award.revoked_at, award.expires_at = None, timezone.now() - dt.timedelta(minutes=1)
    award.issued_on = timezone.now() - dt.timedelta(days=2)
    award.save()
    assert 'data-status="expired"' in client_for(employer_staff).get(url).content.decode()


def test_job_post_validates_salary_and_annualises(employer, employer_staff, skills):
    actor, now = Actor(user=employer_staff), timezone.now()
    for data, field in (
        (
            JobInput(title="x", salary_min=-1, salary_currency="USD", salary_period="year"),
            "salary_min",
        ),
        (
            JobInput(
                title="x", salary_min=9, salary_max=5, salary_currency="USD", salary_period="year"
            ),
            "salary_min",
        ),
        (
            JobInput(title="x", salary_min=9, salary_currency="ABC", salary_period="year"),
            "salary_currency",
        ),
        (JobInput(title=" "), "title"),
        (JobInput(title="x", apply_url="javascript:alert(1)"), "apply_url"),
        (JobInput(title="x", required_skills=["nope"]), "required_skills"),
    ):
        with pytest.raises(ServiceError) as excinfo:
            job_post(actor=actor, employer=employer, data=data, now=now)
        assert excinfo.value.field == field
    job = job_post(
        actor=actor,
        employer=employer,
        data=JobInput(
            title="Admin",
            description_markdown="**Hi** <script>x</script>",
            salary_min=30,
            salary_max=40,
            salary_currency="usd",
            salary_period="hour",
            required_skills=["monitoring"],
            preferred_skills=["kubernetes"],
        ),
        now=now,
    )
    assert (job.annual_min, job.annual_max, job.salary_currency) == (62400, 83200, "USD")
    assert "<strong>Hi</strong>" in job.description_html and "<script" not in job.description_html
    assert dict(job.job_skills.values_list("skill__slug", "required")) == {
        "monitoring": True,
        "kubernetes": False,
    }


def test_only_employer_staff_may_post(employer, other_employer_staff):
    from insignia.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        job_post(
            actor=Actor(user=other_employer_staff),
            employer=employer,
            data=JobInput(title="x"),
            now=timezone.now(),
        )
    with pytest.raises(PermissionDenied):
        job_post(
            actor=Actor(user=UserFactory()),
            employer=employer,
            data=JobInput(title="x"),
            now=timezone.now(),
        )

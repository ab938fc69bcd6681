"""Writes for insights: employers and their staff, posted jobs, applications.

Applications are the earner's and the employer's alone. Only public badges can be sent: the
employer opens each badge's public verification page, and a private badge answers 404 to them,
so sending one would deliver a dead link (we chose refusing over quietly widening who may see a
private badge; the earner makes it public first, knowingly).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState, Visibility
from insignia.badges.models import Skill
from insignia.core.audit import Actor, audit_record
from insignia.core.errors import PermissionDenied, ServiceError
from insignia.core.markdown import render_markdown
from insignia.insights import jobindex, selectors
from insignia.insights.models import (
    Application,
    Employer,
    EmployerMembership,
    Job,
    JobSkill,
    JobSource,
)
from insignia.insights.salaries import ISO_4217, annualise
from insignia.notifications.services import email_enqueue

MESSAGE_MAX = 2000


@transaction.atomic
def employer_create(*, actor: Actor, name: str, url: str = "", slug: str = "") -> Employer:
    if actor.user is not None and not actor.user.is_superuser:
        raise PermissionDenied("Only site operators create employers.")
    slug = slugify(slug or name)[:80]
    if not slug:
        raise ServiceError("Give the employer a name with letters or digits.", field="name")
    if Employer.objects.filter(slug=slug).exists():
        raise ServiceError(f"The slug {slug!r} is taken; choose another.", field="slug")
    employer = Employer.objects.create(name=name, slug=slug, url=url)
    audit_record(
        actor=actor,
        verb="employer.created",
        object_type="employer",
        object_id=employer.public_id,
        after={"name": name, "slug": slug},
    )
    return employer


@transaction.atomic
def employer_member_add(*, actor: Actor, employer: Employer, user: User) -> EmployerMembership:
    if actor.user is not None and not (
        actor.user.is_superuser or selectors.is_employer_staff(user=actor.user, employer=employer)
    ):
        raise PermissionDenied(f"You are not on {employer.name}'s staff.")
    membership, _created = EmployerMembership.objects.get_or_create(employer=employer, user=user)
    audit_record(
        actor=actor,
        verb="employer.staff_added",
        object_type="employer",
        object_id=employer.public_id,
        after={"user": user.email},
    )
    return membership


@dataclass(frozen=True)
class JobInput:
    title: str
    description_markdown: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    remote: bool = False
    salary_min: Decimal | None = None
    salary_max: Decimal | None = None
    salary_currency: str = ""
    salary_period: str = ""
    required_skills: Sequence[str] = ()  # slugs
    preferred_skills: Sequence[str] = ()
    apply_url: str = ""
    expires_at: dt.datetime | None = None


def _check_salary(data: JobInput) -> None:
    if data.salary_min is None and data.salary_max is None:
        return
    if data.salary_currency.upper() not in ISO_4217:
        raise ServiceError(
            "Use an ISO 4217 currency code such as USD or EUR.", field="salary_currency"
        )
    if not data.salary_period:
        raise ServiceError(
            "Say whether the salary is per hour, day, week, month or year.", field="salary_period"
        )
    for name in ("salary_min", "salary_max"):
        value = getattr(data, name)
        if value is not None and value < 0:
            raise ServiceError("A salary cannot be negative.", field=name)
    if (
        data.salary_min is not None
        and data.salary_max is not None
        and data.salary_min > data.salary_max
    ):
        raise ServiceError("The minimum salary is above the maximum.", field="salary_min")


@transaction.atomic
def job_post(*, actor: Actor, employer: Employer, data: JobInput, now: dt.datetime) -> Job:
    """A job posted by an employer's staff member (or an operator)."""
    if actor.user is not None and not (
        actor.user.is_superuser or selectors.is_employer_staff(user=actor.user, employer=employer)
    ):
        raise PermissionDenied(f"You are not on {employer.name}'s staff.")
    if not data.title.strip():
        raise ServiceError("A job needs a title.", field="title")
    _check_salary(data)
    if data.apply_url and not data.apply_url.lower().startswith(("http://", "https://")):
        raise ServiceError("The apply URL must start with http:// or https://.", field="apply_url")
    if data.expires_at is not None and data.expires_at <= now:
        raise ServiceError("The closing date must be in the future.", field="expires_at")
    skills = {
        s.slug: s
        for s in Skill.objects.filter(slug__in=[*data.required_skills, *data.preferred_skills])
    }
    unknown = [s for s in [*data.required_skills, *data.preferred_skills] if s not in skills]
    if unknown:
        raise ServiceError(f"Unknown skill(s): {', '.join(unknown)}.", field="required_skills")
    period = data.salary_period
    job = Job.objects.create(
        employer=employer,
        title=data.title.strip()[:300],
        description_html=str(render_markdown(data.description_markdown)),
        city=data.city,
        region=data.region,
        country=data.country,
        remote=data.remote,
        salary_min=data.salary_min,
        salary_max=data.salary_max,
        salary_currency=data.salary_currency.upper() if period else "",
        salary_period=period,
        annual_min=annualise(data.salary_min, period) if period else None,
        annual_max=annualise(data.salary_max, period) if period else None,
        apply_url=data.apply_url,
        in_app_apply=not data.apply_url,
        posted_at=now,
        expires_at=data.expires_at,
        source=JobSource.POSTED,
    )
    required = set(data.required_skills)
    JobSkill.objects.bulk_create(
        JobSkill(
            job=job,
            skill=skill,
            required=slug in required,
            posted_at=now,
            expires_at=data.expires_at,
        )
        for slug, skill in skills.items()
    )
    jobindex.jobs_changed(before={}, job_ids=[job.pk])
    audit_record(
        actor=actor,
        verb="job.posted",
        object_type="job",
        object_id=job.public_id,
        after={"title": job.title, "employer": employer.public_id},
    )
    return job


@transaction.atomic
def application_submit(
    *,
    actor: Actor,
    job: Job,
    message: str,
    badge_ids: Sequence[str],
    now: dt.datetime,
) -> Application:
    """An earner applies in-app: their profile, a message and chosen public badges."""
    user = actor.user
    if user is None:
        raise PermissionDenied("Sign in to apply.")
    if not job.in_app_apply:
        raise ServiceError("This job takes applications on the employer's site.", field="job")
    if job.expires_at is not None and job.expires_at <= now:
        raise ServiceError("This job has closed.", field="job")
    if len(message) > MESSAGE_MAX:
        raise ServiceError(f"Keep the message under {MESSAGE_MAX} characters.", field="message")
    if Application.objects.filter(job=job, applicant=user).exists():
        raise ServiceError("You have already applied to this job.", field="job", code="duplicate")
    wanted = list(dict.fromkeys(badge_ids))
    awards = list(
        Award.objects.filter(
            public_id__in=wanted, earner=user, state=AwardState.ACCEPTED
        ).select_related("template")
    )
    if len(awards) != len(wanted):
        raise ServiceError("Choose among your own accepted badges.", field="badges")
    for award in awards:
        if award.is_revoked:
            raise ServiceError(f"{award.template.name} was revoked.", field="badges")
        if award.visibility != Visibility.PUBLIC:
            raise ServiceError(
                f"{award.template.name} is private: make it public to send it.", field="badges"
            )
    profile = selectors.earner_profile(user)
    application = Application.objects.create(
        job=job,
        applicant=user,
        name=profile.name[:200],
        email=user.email,
        headline=profile.headline[:200],
        profile_url=f"{settings.SITE_URL}{profile.profile_url}" if profile.profile_url else "",
        message=message.strip(),
    )
    application.badges.set(awards)
    audit_record(
        actor=actor,
        verb="job.application_submitted",
        object_type="application",
        object_id=application.public_id,
        after={"job": job.public_id, "badges": sorted(a.public_id for a in awards)},
    )
    _application_emails(application=application, badges=awards)
    return application


def _application_emails(*, application: Application, badges: list[Award]) -> None:
    job = application.job
    site = settings.SITE_URL
    context = {
        "job_title": job.title,
        "employer_name": job.employer.name,
        "applicant_name": application.name,
        "applicant_email": application.email,
        "headline": application.headline,
        "message": application.message,
        "badges": [
            {"name": a.template.name, "url": f"{site}{a.get_absolute_url()}"} for a in badges
        ],
        "site_url": site,
    }
    email_enqueue(
        to=application.email,
        subject=f"You applied to {job.title} at {job.employer.name}",
        template="insights/application_sent",
        context={**context, "url": site + reverse("insights:my_applications")},
        dedupe_key=f"application:{application.public_id}:applicant",
        kind="job_application_sent",
    )
    for member in EmployerMembership.objects.filter(employer=job.employer).select_related("user"):
        email_enqueue(
            to=member.user.email,
            subject=f"New application for {job.title}: {application.name}",
            template="insights/application_received",
            context={
                **context,
                "url": site
                + reverse(
                    "insights:employer_application",
                    args=[job.employer.public_id, application.public_id],
                ),
            },
            dedupe_key=f"application:{application.public_id}:staff:{member.user_id}",
            kind="job_application_received",
        )

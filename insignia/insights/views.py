"""Pages for jobs, insights and applications. Thin: forms parse, services act, selectors read.

Privacy (ARCHITECTURE §8): insights and an earner's applications are theirs alone; an
employer's inbox is for its staff; anyone else gets 404 (not 403), so the pages' existence
does not leak.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from insignia.accounts.models import User
from insignia.core.audit import Actor
from insignia.core.errors import ServiceError
from insignia.insights import selectors, services
from insignia.insights.forms import ApplyForm, JobForm, JobSearchForm
from insignia.insights.models import Application, Employer

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran
    return user


@require_safe
def jobs(request: HttpRequest) -> HttpResponse:
    form = JobSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.JobFilters(
        q=data.get("q", ""),
        skill=data.get("skill", ""),
        template=data.get("template", ""),
        location=data.get("location", ""),
        remote=data.get("remote", False),
        salary_floor=data.get("salary_floor"),
    )
    page = Paginator(selectors.job_search(filters=filters, now=timezone.now()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "employers": selectors.employer_staff_of(user=request.user),  # type: ignore[arg-type]
    }
    return render(request, "insights/jobs.html", context)


@require_safe
def job(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.job_by_public_id(public_id)
    if found is None:
        raise Http404("No such job.")
    applied = (
        request.user.is_authenticated
        and Application.objects.filter(job=found, applicant=request.user).exists()
    )
    return render(
        request,
        "insights/job.html",
        {
            "job": found,
            "skills": selectors.job_skill_names(found),
            "closed": found.expires_at is not None and found.expires_at <= timezone.now(),
            "applied": applied,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.job_by_public_id(public_id)
    if found is None:
        raise Http404("No such job.")
    if not found.in_app_apply:
        return redirect(found.get_absolute_url())
    user = _user(request)
    all_badges = selectors.earner_badges(user=user)
    form = ApplyForm(request.POST or None, badges=selectors.sendable_badges(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                actor=Actor(user=user),
                job=found,
                message=form.cleaned_data["message"],
                badge_ids=[a.public_id for a in form.cleaned_data["badges"]],
                now=timezone.now(),
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Application sent to %s.") % found.employer.name)
            return redirect("insights:my_applications")
    return render(
        request,
        "insights/apply.html",
        {
            "job": found,
            "form": form,
            "profile": selectors.earner_profile(user),
            "private_badges": [a for a in all_badges if a.visibility != "public"],
        },
    )


@login_required
@require_safe
def insights(request: HttpRequest) -> HttpResponse:
    data = selectors.earner_insights(user=_user(request), now=timezone.now())
    return render(request, "insights/insights.html", {"data": data})


@login_required
@require_safe
def my_applications(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "insights/my_applications.html",
        {"applications": selectors.applications_of_earner(user=_user(request))},
    )


def _staff_employer(request: HttpRequest, public_id: str) -> Employer:
    employer = get_object_or_404(Employer, public_id=public_id)
    if not selectors.is_employer_staff(user=_user(request), employer=employer):
        raise Http404("No such employer.")
    return employer


@login_required
@require_safe
def employer_applications(request: HttpRequest, public_id: str) -> HttpResponse:
    employer = _staff_employer(request, public_id)
    page = Paginator(selectors.applications_of_employer(employer=employer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "insights/employer_applications.html", {"employer": employer, "page": page}
    )


@login_required
@require_safe
def employer_application(request: HttpRequest, public_id: str, application_id: str) -> HttpResponse:
    employer = _staff_employer(request, public_id)
    application = get_object_or_404(
        selectors.applications_of_employer(employer=employer), public_id=application_id
    )
    now = timezone.now()
    badges = [(award, award.status(now)) for award in application.badges.all()]
    return render(
        request,
        "insights/employer_application.html",
        {"employer": employer, "application": application, "badges": badges},
    )


@login_required
@require_http_methods(["GET", "POST"])
def job_new(request: HttpRequest, public_id: str) -> HttpResponse:
    employer = _staff_employer(request, public_id)
    form = JobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            posted = services.job_post(
                actor=Actor(user=_user(request)),
                employer=employer,
                data=services.JobInput(
                    title=data["title"],
                    description_markdown=data["description_markdown"],
                    city=data["city"],
                    region=data["region"],
                    country=data["country"],
                    remote=data["remote"],
                    salary_min=data["salary_min"],
                    salary_max=data["salary_max"],
                    salary_currency=data["salary_currency"],
                    salary_period=data["salary_period"],
                    required_skills=_slugs(data["required_skills"]),
                    preferred_skills=_slugs(data["preferred_skills"]),
                    apply_url=data["apply_url"],
                    expires_at=data["expires_at"],
                ),
                now=timezone.now(),
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect(posted.get_absolute_url())
    return render(request, "insights/job_new.html", {"employer": employer, "form": form})


def _slugs(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]

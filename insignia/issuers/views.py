"""The issuer-facing web UI under ``/manage/<issuer-slug>/``.

Views are thin: a form parses the request, a service acts, a selector reads. Every view goes
through ``issuer_view``, which loads the issuer and the user's role once and answers the way
ARCHITECTURE §8 asks: anonymous → login, not staff → 404 (an outsider must not learn that the
pages exist), staff without the capability → 403.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardSource, Status
from insignia.awards.selectors import AwardFilters, award_audit_trail, award_counts, award_list
from insignia.awards.services import award_issue, award_revoke
from insignia.badges.models import BadgeTemplate, Programme, ProgrammeStatus, TemplateState
from insignia.badges.selectors import programme_list, template_counts_by_state, template_list
from insignia.badges.services import (
    programme_create,
    programme_set_status,
    template_create,
    template_set_state,
    template_update,
)
from insignia.core.audit import Actor
from insignia.core.errors import ServiceError
from insignia.issuers.forms import (
    AlignmentFormSet,
    AwardFilterForm,
    IssueForm,
    ProgrammeForm,
    ProgrammeStatusForm,
    RevokeForm,
    TemplateFilterForm,
    TemplateForm,
    alignment_initial,
)
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability, role_allows
from insignia.issuers.selectors import issuer_role_for
from insignia.notifications.selectors import award_messages
from insignia.notifications.services import award_resend_notification

PAGE_SIZE = 50
P = ParamSpec("P")


# --- Access ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuerAccess:
    """The issuer a page is about and what the signed-in user may do there."""

    issuer: Issuer
    user: User
    role: str | None  # None for a superuser who is not on the staff

    @property
    def actor(self) -> Actor:
        return Actor(user=self.user)

    def can(self, capability: Capability) -> bool:
        return self.user.is_superuser or role_allows(self.role, capability)

    # Shorthands for templates, which cannot pass arguments.
    @property
    def can_issue(self) -> bool:
        return self.can(Capability.ISSUE)

    @property
    def can_revoke(self) -> bool:
        return self.can(Capability.REVOKE)

    @property
    def can_manage_templates(self) -> bool:
        return self.can(Capability.MANAGE_TEMPLATES)

    @property
    def can_manage_api(self) -> bool:
        return self.can(Capability.MANAGE_API)


def _load_access(request: HttpRequest, issuer_slug: str) -> IssuerAccess:
    user = request.user
    assert isinstance(user, User)
    issuer = Issuer.objects.filter(slug=issuer_slug).first()
    if issuer is None:
        raise Http404
    role = issuer_role_for(issuer=issuer, user=user)
    if user.is_superuser:
        return IssuerAccess(issuer=issuer, user=user, role=role)
    if role is None or not issuer.is_active:
        raise Http404
    return IssuerAccess(issuer=issuer, user=user, role=role)


def issuer_view(
    capability: Capability, *, methods: tuple[str, ...] = ("GET",)
) -> Callable[
    [Callable[Concatenate[HttpRequest, IssuerAccess, P], HttpResponse]],
    Callable[..., HttpResponse],
]:
    """Decorate a view taking ``(request, access, **url_kwargs)`` that needs ``capability``."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, IssuerAccess, P], HttpResponse],
    ) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(
            request: HttpRequest, issuer_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = _load_access(request, issuer_slug)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            if not access.can(capability):
                return render(
                    request,
                    "issuers/forbidden.html",
                    {"access": access, "issuer": access.issuer},
                    status=403,
                )
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorator


def _render(
    request: HttpRequest,
    template_name: str,
    access: IssuerAccess,
    section: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    base = {"access": access, "issuer": access.issuer, "section": section}
    return render(request, template_name, base | context, status=status)


def _paginate(request: HttpRequest, items: QuerySet[Any]) -> Page[Any]:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _award_rows(awards: Iterable[Award], now: dt.datetime) -> list[tuple[Award, Status]]:
    """Awards paired with their status now, for the award tables."""
    return [(award, award.status(now)) for award in awards]


def public_badge_url(award: Award) -> str:
    """The award's public page as an absolute URL, for staff to copy and share."""
    try:
        path = award.get_absolute_url()
    except NoReverseMatch:  # the public pages ship separately; their address is fixed anyway
        path = f"/badges/{award.public_id}"
    return f"{settings.SITE_URL}{path}"


# --- Dashboard ------------------------------------------------------------------------------


@issuer_view(Capability.VIEW)
def dashboard(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    now = timezone.now()
    return _render(
        request,
        "issuers/dashboard.html",
        access,
        "dashboard",
        {
            "template_counts": template_counts_by_state(issuer=access.issuer),
            "award_counts": award_counts(issuer=access.issuer),
            "award_rows": _award_rows(
                award_list(issuer=access.issuer, filters=AwardFilters(), now=now)[:10], now
            ),
        },
    )


# --- Badge templates ------------------------------------------------------------------------


def _template_or_404(access: IssuerAccess, public_id: str) -> BadgeTemplate:
    return get_object_or_404(
        BadgeTemplate.objects.select_related("programme", "issuer"),
        issuer=access.issuer,
        public_id=public_id,
    )


@issuer_view(Capability.VIEW)
def template_list_view(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    form = TemplateFilterForm(request.GET or None)
    state = q = ""
    if form.is_valid():
        state, q = form.cleaned_data["state"], form.cleaned_data["q"].strip()
    page = _paginate(request, template_list(issuer=access.issuer, state=state, q=q))
    return _render(
        request, "issuers/template_list.html", access, "templates", {"form": form, "page": page}
    )


@issuer_view(Capability.MANAGE_TEMPLATES, methods=("GET", "POST"))
def template_create_view(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    posted = request.method == "POST"
    form = TemplateForm(
        request.POST if posted else None, request.FILES if posted else None, issuer=access.issuer
    )
    alignments = AlignmentFormSet(request.POST if posted else None, prefix="alignments")
    if posted and all([form.is_valid(), alignments.is_valid()]):
        image = form.image_upload()
        assert image is not None  # the field is required on create
        try:
            template = template_create(
                actor=access.actor,
                issuer=access.issuer,
                data=form.template_input(alignments.alignment_inputs()),
                image=image,
                state=form.cleaned_data["state"],
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            messages.success(request, _("Badge template “%s” created.") % template.name)
            return redirect("issuer_ui:template_detail", access.issuer.slug, template.public_id)
    return _render(
        request,
        "issuers/template_form.html",
        access,
        "templates",
        {"form": form, "alignments": alignments, "template": None},
    )


@issuer_view(Capability.VIEW)
def template_detail(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    template = _template_or_404(access, public_id)
    now = timezone.now()
    awards = award_list(
        issuer=access.issuer, filters=AwardFilters(template=template.public_id), now=now
    )
    return _render(
        request,
        "issuers/template_detail.html",
        access,
        "templates",
        {
            "template": template,
            "skills": template.skills.all(),
            "alignments": template.alignments.all(),
            "award_total": awards.count(),
            "award_rows": _award_rows(awards[:10], now),
        },
    )


@issuer_view(Capability.MANAGE_TEMPLATES, methods=("GET", "POST"))
def template_edit(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    template = _template_or_404(access, public_id)
    posted = request.method == "POST"
    form = TemplateForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        issuer=access.issuer,
        instance=template,
    )
    alignments = AlignmentFormSet(
        request.POST if posted else None,
        prefix="alignments",
        initial=alignment_initial(list(template.alignments.all())),
    )
    if posted and all([form.is_valid(), alignments.is_valid()]):
        try:
            template_update(
                actor=access.actor,
                template=template,
                data=form.template_input(alignments.alignment_inputs()),
                image=form.image_upload(),
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            messages.success(request, _("Changes to “%s” saved.") % template.name)
            return redirect("issuer_ui:template_detail", access.issuer.slug, template.public_id)
    return _render(
        request,
        "issuers/template_form.html",
        access,
        "templates",
        {"form": form, "alignments": alignments, "template": template},
    )


@issuer_view(Capability.MANAGE_TEMPLATES, methods=("POST",))
def template_state(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    template = _template_or_404(access, public_id)
    state = request.POST.get("state", "")
    try:
        template = template_set_state(actor=access.actor, template=template, state=state)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        done: dict[str, str] = {
            TemplateState.ACTIVE: _("“%s” is active and can be issued."),
            TemplateState.ARCHIVED: _("“%s” is archived; it can no longer be issued."),
        }
        messages.success(request, done.get(template.state, _("“%s” updated.")) % template.name)
    return redirect("issuer_ui:template_detail", access.issuer.slug, template.public_id)


# --- Programmes -----------------------------------------------------------------------------


@issuer_view(Capability.VIEW)
def programme_list_view(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    programmes = programme_list(issuer=access.issuer).order_by("name")
    return _render(
        request, "issuers/programme_list.html", access, "programmes", {"programmes": programmes}
    )


@issuer_view(Capability.MANAGE_TEMPLATES, methods=("GET", "POST"))
def programme_create_view(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    form = ProgrammeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_create(
                actor=access.actor, issuer=access.issuer, **form.cleaned_data
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            messages.success(request, _("Programme “%s” created.") % programme.name)
            return redirect("issuer_ui:programme_detail", access.issuer.slug, programme.public_id)
    return _render(request, "issuers/programme_form.html", access, "programmes", {"form": form})


def _programme_or_404(access: IssuerAccess, public_id: str) -> Programme:
    return get_object_or_404(
        Programme.objects.select_related("issuer"), issuer=access.issuer, public_id=public_id
    )


def _render_programme(
    request: HttpRequest,
    access: IssuerAccess,
    programme: Programme,
    status_form: ProgrammeStatusForm | None = None,
) -> HttpResponse:
    return _render(
        request,
        "issuers/programme_detail.html",
        access,
        "programmes",
        {
            "programme": programme,
            "templates": programme.templates.order_by("name"),
            "status_form": status_form,
            "terminated": programme.status == ProgrammeStatus.TERMINATED,
            "status_choices": [
                (value, label)
                for value, label in ProgrammeStatus.choices
                if value not in (ProgrammeStatus.TERMINATED, programme.status)
            ],
        },
    )


@issuer_view(Capability.VIEW)
def programme_detail(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    return _render_programme(request, access, _programme_or_404(access, public_id))


@issuer_view(Capability.MANAGE_TEMPLATES, methods=("POST",))
def programme_status(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    programme = _programme_or_404(access, public_id)
    form = ProgrammeStatusForm(request.POST)
    if form.is_valid():
        try:
            programme = programme_set_status(
                actor=access.actor,
                programme=programme,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["termination_note"],
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            messages.success(
                request,
                _("“%(name)s” is now %(status)s.")
                % {"name": programme.name, "status": programme.get_status_display().lower()},
            )
            return redirect("issuer_ui:programme_detail", access.issuer.slug, programme.public_id)
    return _render_programme(request, access, programme, form)


# --- Awards ---------------------------------------------------------------------------------


@issuer_view(Capability.ISSUE, methods=("GET", "POST"))
def award_issue_view(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    if request.method == "POST":
        form = IssueForm(request.POST, issuer=access.issuer)
    else:
        form = IssueForm(initial={"template": request.GET.get("template")}, issuer=access.issuer)
    if request.method == "POST" and form.is_valid():
        try:
            result = award_issue(
                actor=access.actor, source=AwardSource.UI, **form.issue_kwargs(now=timezone.now())
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            award = result.award
            messages.success(
                request,
                _("Badge issued to %(email)s. Its public page: %(url)s")
                % {"email": award.recipient_email, "url": public_badge_url(award)},
            )
            return redirect("issuer_ui:award_detail", access.issuer.slug, award.public_id)
    return _render(request, "issuers/award_issue.html", access, "issue", {"form": form})


@issuer_view(Capability.VIEW)
def award_list_view(request: HttpRequest, access: IssuerAccess) -> HttpResponse:
    form = AwardFilterForm(request.GET or None, issuer=access.issuer)
    now = timezone.now()
    filters = form.filters() if form.is_bound else AwardFilters()
    page = _paginate(request, award_list(issuer=access.issuer, filters=filters, now=now))
    return _render(
        request,
        "issuers/award_list.html",
        access,
        "awards",
        {
            "form": form,
            "page": page,
            "award_rows": _award_rows(page.object_list, now),
            "filtered": filters != AwardFilters(),
        },
    )


def _award_or_404(access: IssuerAccess, public_id: str) -> Award:
    return get_object_or_404(
        Award.objects.select_related("template", "issuer", "earner", "replaced_by"),
        issuer=access.issuer,
        public_id=public_id,
    )


def _render_award(
    request: HttpRequest, access: IssuerAccess, award: Award, revoke_form: RevokeForm | None = None
) -> HttpResponse:
    return _render(
        request,
        "issuers/award_detail.html",
        access,
        "awards",
        {
            "award": award,
            "status": award.status(timezone.now()),
            "public_url": public_badge_url(award),
            "audit_events": award_audit_trail(award=award),
            "replaces": award.replaces.all(),
            "revoke_form": revoke_form or RevokeForm(),
            "emails": award_messages(award=award),
        },
    )


@issuer_view(Capability.VIEW)
def award_detail(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    return _render_award(request, access, _award_or_404(access, public_id))


@issuer_view(Capability.REVOKE, methods=("POST",))
def award_revoke_view(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    award = _award_or_404(access, public_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            award = award_revoke(
                actor=access.actor,
                award=award,
                reason=form.cleaned_data["reason"],
                notify_earner=not form.cleaned_data["suppress_notification"],
            )
        except ServiceError as exc:
            form.attach_service_error(exc)
        else:
            messages.success(request, _("Badge %s revoked.") % award.public_id)
            return redirect("issuer_ui:award_detail", access.issuer.slug, award.public_id)
    return _render_award(request, access, award, form)


@issuer_view(Capability.ISSUE, methods=("POST",))
def award_resend_view(request: HttpRequest, access: IssuerAccess, public_id: str) -> HttpResponse:
    award = _award_or_404(access, public_id)
    try:
        message = award_resend_notification(actor=access.actor, award=award)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new notification is on its way to %s.") % message.to)
    return redirect("issuer_ui:award_detail", access.issuer.slug, award.public_id)

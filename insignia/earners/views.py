"""The earner's pages: dashboard, badge actions, settings, profile editing, public profile.

Views only translate HTTP to service calls; a ServiceError becomes a message or a form error.
Another person's badge or a private profile answers 404, never 403 (ARCHITECTURE §8).
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState, Visibility
from insignia.core.errors import ServiceError
from insignia.core.ids import is_public_id
from insignia.core.markdown import render_markdown
from insignia.earners import selectors, services
from insignia.earners.forms import ProfileForm, SettingsForm
from insignia.sharing import selectors as sharing_selectors

NOINDEX = "noindex, nofollow"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _own_award(request: HttpRequest, public_id: str) -> Award:
    award = (
        Award.objects.select_related("template").filter(public_id=public_id).first()
        if is_public_id(public_id)
        else None
    )
    if award is None or award.earner_id != request.user.pk:
        raise Http404("No such badge in your account.")
    return award


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = NOINDEX
    return response


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    services.earner_ensure(user=user)
    board = selectors.earner_dashboard(user=user, now=timezone.now())
    context = {
        "board": board,
        "profile": selectors.profile_for_user(user=user),
        "earner_settings": selectors.earner_settings_get(user=user),
        "emails": selectors.earner_verified_emails(user=user),
    }
    return _private(render(request, "earners/dashboard.html", context))


_STATE_MESSAGES = {
    AwardState.ACCEPTED: "Badge accepted.",
    AwardState.REJECTED: "Badge declined. You can undo this from “Declined”.",
    AwardState.PENDING: "Badge restored; it is waiting for you again.",
}


@login_required
@require_POST
def award_state(request: HttpRequest, public_id: str) -> HttpResponse:
    award = _own_award(request, public_id)
    state = request.POST.get("state", "")
    try:
        services.earner_award_set_state(user=_user(request), award=award, state=state)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _STATE_MESSAGES[AwardState(state)])
    return _back(request, reverse("earners:dashboard"))


@login_required
@require_POST
def award_visibility(request: HttpRequest, public_id: str) -> HttpResponse:
    award = _own_award(request, public_id)
    visibility = request.POST.get("visibility", "")
    try:
        services.earner_award_set_visibility(
            user=_user(request), award=award, visibility=visibility
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "The badge is public: anyone with its link can see and verify it."
            if visibility == Visibility.PUBLIC
            else "The badge is private: only you and its issuer can see it.",
        )
    return _back(request, reverse("earners:dashboard"))


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    earner_settings, _ = services.earner_ensure(user=user)
    issuers = [(i.pk, i.name) for i in selectors.earner_issuers(user=user)]
    if request.method == "POST":
        form = SettingsForm(request.POST, issuers=issuers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.earner_settings_update(
                    user=user,
                    profile_public=data["profile_public"],
                    default_visibility=data["default_visibility"],
                    auto_accept_all=data["auto_accept_all"],
                    reminders_opt_out=data["reminders_opt_out"],
                    auto_accept_issuer_ids=set(data["auto_accept_issuers"]),
                )
            except ServiceError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, "Settings saved.")
                return redirect("earners:settings")
    else:
        form = SettingsForm(
            issuers=issuers,
            initial={
                "profile_public": "1" if earner_settings.profile_public else "0",
                "default_visibility": earner_settings.default_visibility,
                "auto_accept_all": earner_settings.auto_accept_all,
                "auto_accept_issuers": sorted(selectors.earner_auto_accept_issuer_ids(user=user)),
                "reminders_opt_out": earner_settings.reminders_opt_out,
            },
        )
    context = {
        "form": form,
        "profile": selectors.profile_for_user(user=user),
        "emails": selectors.earner_verified_emails(user=user),
    }
    return _private(render(request, "earners/settings.html", context))


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _, profile = services.earner_ensure(user=user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("photo")
            photo: bytes | None = None
            if upload is not None:
                limit = settings.INSIGNIA_IMAGE_MAX_BYTES
                if upload.size > limit:  # refuse before reading it all into memory
                    form.add_error(
                        "photo", f"The photo is larger than {limit // (1024 * 1024)} MB."
                    )
                else:
                    photo = upload.read()
            if not form.errors:
                try:
                    profile = services.profile_update(
                        user=user,
                        slug=data["slug"],
                        display_name=data["display_name"],
                        headline=data["headline"],
                        bio=data["bio"],
                        location=data["location"],
                        website=data["website"],
                        photo=photo,
                        remove_photo=data["remove_photo"],
                    )
                except ServiceError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    messages.success(request, "Profile saved.")
                    return redirect("earners:profile_edit")
    else:
        form = ProfileForm(
            initial={
                "display_name": profile.display_name,
                "headline": profile.headline,
                "location": profile.location,
                "website": profile.website,
                "bio": profile.bio,
                "slug": profile.slug,
            }
        )
    context = {"form": form, "profile": profile}
    return _private(render(request, "earners/profile_edit.html", context))


@require_safe
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.profile_lookup(slug, now=timezone.now())
    if found.redirect_to is not None:
        return redirect("earners:profile", slug=found.redirect_to, permanent=False)
    person = found.profile
    if person is None or not selectors.profile_visible_to(profile=person, user=request.user):
        raise Http404("No such profile.")
    public = selectors.earner_settings_get(user=person.user).profile_public
    groups = selectors.profile_public_badges(profile=person)
    name = person.display_name or person.user.full_name or person.slug
    photo_url = f"{settings.SITE_URL}{person.photo.url}" if person.photo else ""
    share = sharing_selectors.profile_share(profile=person, name=name) if public else None
    context = {
        "person": person,
        "name": name,
        "groups": groups,
        "badge_count": sum(g.count for g in groups),
        "bio_html": render_markdown(person.bio),
        "is_owner": request.user.is_authenticated and request.user.pk == person.user_id,
        "public": public,
        "now": timezone.now(),
        "og": {
            "title": f"{name} · badges",
            "description": (person.headline or f"Verified badges earned by {name}.")[:300],
            # Issue 6: the generated 1200×630 share image (photo URL kept as a fallback name).
            "image": share["share_image"] if share else photo_url,
            "url": f"{settings.SITE_URL}{person.get_absolute_url()}",
        }
        if public
        else None,
        "share_meta": share,
        "profile_share": share,
    }
    response = render(request, "earners/profile.html", context)
    # Revalidated on every view: a badge made private must leave the profile at once.
    response["Cache-Control"] = (
        "no-cache" if public and not request.user.is_authenticated else "private, no-store"
    )
    if not public:
        response["X-Robots-Tag"] = NOINDEX
    return response

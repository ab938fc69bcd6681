"""Who may open which issuer page, as one table (ARCHITECTURE §8).

Every page and action of the issuer UI is a row; every kind of visitor is a column. A page
missing from the table fails ``test_every_issuer_page_is_in_the_matrix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import get_resolver, reverse

from insignia.core.models import AuditEvent
from insignia.issuers.models import Role
from insignia.issuers.permissions import Capability, role_allows
from insignia.issuers.tests.conftest import World
from insignia.issuers.tests.payloads import issue_post, template_post
from insignia.testing.factories import UserFactory


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    capability: Capability
    kwargs: Callable[[World], dict[str, str]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] | None = None
    # What an allowed POST answers when not the usual redirect (a page showing a secret once).
    post_status: int = 302

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _template(w: World) -> dict[str, str]:
    return {"public_id": w.template.public_id}


def _programme(w: World) -> dict[str, str]:
    return {"public_id": w.programme.public_id}


def _award(w: World) -> dict[str, str]:
    return {"public_id": w.award.public_id}


def _bulk_job(w: World) -> dict[str, str]:
    from insignia.bulk.models import BulkJob

    job = BulkJob.objects.create(issuer=w.issuer, filename="x.csv", file_sha256="0" * 64)
    return {"public_id": job.public_id}


def _bulk_post(w: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = (
        "Badge Template ID,Recipient Email,First Name,Last Name,Issued At\n"
        f"{w.template.public_id},bulk.person@example.com,Bulk,Person,2024-01-01\n"
    )
    return {"file": SimpleUploadedFile("people.csv", body.encode(), "text/csv")}


def _api_token(w: World) -> dict[str, str]:
    from insignia.api.services import api_token_create
    from insignia.core.audit import Actor

    issued = api_token_create(actor=Actor.system("t"), issuer=w.issuer, name="CI")
    return {"public_id": issued.token.public_id}


def _api_client(w: World) -> dict[str, str]:
    from insignia.api.services import api_client_create
    from insignia.core.audit import Actor

    creds = api_client_create(actor=Actor.system("t"), issuer=w.issuer, name="LMS")
    return {"public_id": creds.client.public_id}


def _webhook(w: World) -> dict[str, str]:
    from insignia.core.audit import Actor
    from insignia.webhooks.services import endpoint_create

    created = endpoint_create(
        actor=Actor.system("test"),
        issuer=w.issuer,
        url="https://hooks.example.com/insignia",
        events_chosen=["award.created"],
    )
    return {"public_id": created.endpoint.public_id}


def _webhook_delivery(w: World) -> dict[str, str]:
    from insignia.core.audit import Actor
    from insignia.webhooks.models import WebhookEndpoint
    from insignia.webhooks.services import endpoint_ping

    kwargs = _webhook(w)
    endpoint = WebhookEndpoint.objects.get(public_id=kwargs["public_id"])
    delivery = endpoint_ping(actor=Actor.system("test"), endpoint=endpoint)
    return kwargs | {"delivery_id": delivery.public_id}


def _webhook_post(w: World) -> dict[str, Any]:
    return {"url": "https://hooks.example.com/other", "events_chosen": ["award.created"]}


def _edit_post(w: World) -> dict[str, Any]:
    return template_post(name="Renamed badge", image=None)


PAGES = [
    Page("dashboard", "GET", Capability.VIEW),
    Page("template_list", "GET", Capability.VIEW),
    Page("template_create", "GET", Capability.MANAGE_TEMPLATES),
    Page("template_create", "POST", Capability.MANAGE_TEMPLATES, data=lambda w: template_post()),
    Page("template_detail", "GET", Capability.VIEW, _template),
    Page("template_edit", "GET", Capability.MANAGE_TEMPLATES, _template),
    Page("template_edit", "POST", Capability.MANAGE_TEMPLATES, _template, _edit_post),
    Page(
        "template_state",
        "POST",
        Capability.MANAGE_TEMPLATES,
        _template,
        lambda w: {"state": "archived"},
    ),
    Page("programme_list", "GET", Capability.VIEW),
    Page("programme_create", "GET", Capability.MANAGE_TEMPLATES),
    Page(
        "programme_create",
        "POST",
        Capability.MANAGE_TEMPLATES,
        data=lambda w: {"name": "Cloud track", "effective_date": "2024-01-01", "status": "pilot"},
    ),
    Page("programme_detail", "GET", Capability.VIEW, _programme),
    Page(
        "programme_status",
        "POST",
        Capability.MANAGE_TEMPLATES,
        _programme,
        lambda w: {"status": "active", "termination_note": ""},
    ),
    Page("award_issue", "GET", Capability.ISSUE),
    Page(
        "award_issue",
        "POST",
        Capability.ISSUE,
        data=lambda w: issue_post(w.template.public_id, recipient_email="new.person@example.com"),
    ),
    Page("award_list", "GET", Capability.VIEW),
    Page("award_detail", "GET", Capability.VIEW, _award),
    Page("award_revoke", "POST", Capability.REVOKE, _award, lambda w: {"reason": "Exam fraud."}),
    Page("award_resend", "POST", Capability.ISSUE, _award),
    Page("bulk_upload", "GET", Capability.ISSUE),
    Page("bulk_upload", "POST", Capability.ISSUE, data=_bulk_post),
    Page("bulk_job", "GET", Capability.VIEW, _bulk_job),
    Page("bulk_job_errors", "GET", Capability.VIEW, _bulk_job),
    # Webhooks: admins and owners only; the secret and delivery log are on these pages.
    Page("webhook_list", "GET", Capability.MANAGE_TEMPLATES),
    Page("webhook_create", "GET", Capability.MANAGE_TEMPLATES),
    Page("webhook_create", "POST", Capability.MANAGE_TEMPLATES, data=_webhook_post),
    Page("webhook_detail", "GET", Capability.MANAGE_TEMPLATES, _webhook),
    Page("webhook_detail", "POST", Capability.MANAGE_TEMPLATES, _webhook, _webhook_post),
    Page("webhook_rotate", "POST", Capability.MANAGE_TEMPLATES, _webhook),
    Page("webhook_delete", "POST", Capability.MANAGE_TEMPLATES, _webhook),
    Page("webhook_ping", "POST", Capability.MANAGE_TEMPLATES, _webhook),
    Page("webhook_replay", "POST", Capability.MANAGE_TEMPLATES, _webhook_delivery),
    Page("developers", "GET", Capability.MANAGE_API),
    Page(
        "developer_token_create",
        "POST",
        Capability.MANAGE_API,
        data=lambda w: {"name": "Exam system", "scopes": ["read"], "expires_in": "90"},
        post_status=200,
    ),
    Page("developer_token_revoke", "GET", Capability.MANAGE_API, _api_token),
    Page("developer_token_revoke", "POST", Capability.MANAGE_API, _api_token),
    Page(
        "developer_client_create",
        "POST",
        Capability.MANAGE_API,
        data=lambda w: {"name": "LMS", "scopes": ["read", "write"]},
        post_status=200,
    ),
    Page("developer_client_revoke", "GET", Capability.MANAGE_API, _api_client),
    Page("developer_client_revoke", "POST", Capability.MANAGE_API, _api_client),
    # Share analytics (insignia/sharing): every role, viewers included, may read them.
    Page("share_report", "GET", Capability.VIEW),
]

VISITORS = ["anonymous", "earner", "other_issuer_staff", "superuser", *[r.value for r in Role]]


def _visitor_user(visitor: str, staff_by_role, other_issuer_owner):
    if visitor == "anonymous":
        return None
    if visitor == "earner":
        return UserFactory()
    if visitor == "other_issuer_staff":
        return other_issuer_owner
    if visitor == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    return staff_by_role[visitor]


def test_every_issuer_page_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["issuer_ui"][1]
    names = {p.name for p in resolver.url_patterns}
    assert names == {page.name for page in PAGES}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_permission_matrix(client, world, staff_by_role, other_issuer_owner, page, visitor):
    user = _visitor_user(visitor, staff_by_role, other_issuer_owner)
    if user is not None:
        client.force_login(user)
    url = reverse(
        f"issuer_ui:{page.name}", kwargs={"issuer_slug": world.issuer.slug, **page.kwargs(world)}
    )
    events_before = AuditEvent.objects.count()

    if page.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, page.data(world) if page.data else {})

    if visitor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif visitor in ("earner", "other_issuer_staff"):
        assert response.status_code == 404
    elif visitor == "superuser" or role_allows(visitor, page.capability):
        expected = 200 if page.method == "GET" else page.post_status
        form = response.context.get("form") if response.context else None
        assert response.status_code == expected, form.errors if form is not None else response
        if page.method == "POST":
            assert AuditEvent.objects.count() > events_before, "an allowed action writes audit"
    else:
        assert response.status_code == 403
    if not (visitor == "superuser" or role_allows(visitor, page.capability)):
        assert AuditEvent.objects.count() == events_before, "a refused request changed nothing"


def test_wrong_method_is_refused_after_access_check(client, world, staff_by_role):
    url = reverse("issuer_ui:award_revoke", args=[world.issuer.slug, world.award.public_id])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(staff_by_role[Role.OWNER])
    assert client.get(url).status_code == 405


def test_unknown_issuer_is_404_even_for_staff_of_others(client, other_issuer_owner):
    client.force_login(other_issuer_owner)
    assert client.get("/manage/no-such-issuer/").status_code == 404


def test_inactive_issuer_is_hidden_from_its_staff_but_not_from_superusers(
    client, world, staff_by_role
):
    world.issuer.is_active = False
    world.issuer.save(update_fields=["is_active"])
    url = reverse("issuer_ui:dashboard", args=[world.issuer.slug])
    client.force_login(staff_by_role[Role.OWNER])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("viewer", [], ["Issue a badge", "New badge template", "Revoke badge", "Archive"]),
        ("issuer", ["Issue a badge"], ["New badge template", "Revoke badge", "Archive"]),
        ("admin", ["Issue a badge", "New badge template", "Revoke badge"], []),
    ],
)
def test_buttons_a_role_cannot_use_are_hidden(client, world, staff_by_role, role, visible, hidden):
    client.force_login(staff_by_role[role])
    slug = world.issuer.slug
    html = "".join(
        client.get(reverse(name, args=args)).content.decode()
        for name, args in [
            ("issuer_ui:dashboard", [slug]),
            ("issuer_ui:template_detail", [slug, world.template.public_id]),
            ("issuer_ui:award_detail", [slug, world.award.public_id]),
        ]
    )
    for text in visible:
        assert text in html
    for text in hidden:
        assert text not in html

"""Issuing, listing and revoking awards through the web UI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from insignia.awards.models import Award, AwardSource, AwardState
from insignia.badges.models import DuplicatePolicy, ProgrammeStatus, TemplateState
from insignia.core.models import AuditEvent
from insignia.issuers.models import Role
from insignia.issuers.tests.payloads import issue_post
from insignia.issuers.views import PAGE_SIZE
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, ProgrammeFactory


@pytest.fixture
def issuer_client(client, staff_by_role):
    client.force_login(staff_by_role[Role.ISSUER])
    return client


def _issue(client, issuer, template, **overrides):
    url = reverse("issuer_ui:award_issue", args=[issuer.slug])
    return client.post(url, issue_post(template.public_id, **overrides))


# --- Issue ----------------------------------------------------------------------------------


def test_issue_redirects_to_award_with_public_url_message(issuer_client, issuer, staff_by_role):
    template = BadgeTemplateFactory(issuer=issuer, validity_days=None)
    response = _issue(issuer_client, issuer, template, **{"recipient_email": "Ann.Lee@Example.com"})
    award = Award.objects.get()
    assert response["Location"] == reverse(
        "issuer_ui:award_detail", args=[issuer.slug, award.public_id]
    )
    assert award.recipient_email == "ann.lee@example.com"
    assert award.source == AwardSource.UI
    assert award.state == AwardState.PENDING
    assert award.expires_at is None
    assert abs(award.issued_on - timezone.now()) < dt.timedelta(minutes=1)
    event = AuditEvent.objects.get(verb="award.issued")
    assert event.actor == staff_by_role[Role.ISSUER]

    page = issuer_client.get(response["Location"])
    (message,) = [str(m) for m in page.context["messages"]]
    assert f"http://testserver/badges/{award.public_id}" in message


def test_issue_converts_dates_to_utc_midnight_and_keeps_evidence(issuer_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    _issue(
        issuer_client,
        issuer,
        template,
        issued_on="2024-05-02",
        expires_at="2027-05-02",
        evidence_url="https://contoso.example/results/42",
        narrative="Scored 912.",
        external_id="CAND-42",
        accepted="on",
    )
    award = Award.objects.get()
    assert award.issued_on == dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    assert award.expires_at == dt.datetime(2027, 5, 2, tzinfo=dt.UTC)
    assert award.evidence == [{"url": "https://contoso.example/results/42"}]
    assert (award.narrative, award.external_id) == ("Scored 912.", "CAND-42")
    assert award.state == AwardState.ACCEPTED


def test_blank_expiry_uses_the_templates_validity(issuer_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, validity_days=30)
    _issue(issuer_client, issuer, template, issued_on="2024-01-01")
    award = Award.objects.get()
    assert award.expires_at == dt.datetime(2024, 1, 31, tzinfo=dt.UTC)


def test_today_means_now(issuer_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    _issue(issuer_client, issuer, template, issued_on=timezone.now().date().isoformat())
    assert abs(Award.objects.get().issued_on - timezone.now()) < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"recipient_email": "not-an-address"}, "recipient_email", "not a valid email address"),
        ({"recipient_name": "   "}, "recipient_name", ""),
        ({"issued_on": "2999-01-01"}, "issued_on", "in the future"),
        ({"issued_on": "2024-01-02", "expires_at": "2024-01-01"}, "expires_at", "after the issue"),
        ({"evidence_url": "ftp://x.example/file"}, "evidence_url", ""),
    ],
)
def test_issue_refusals_show_on_their_field(issuer_client, issuer, overrides, field, message):
    template = BadgeTemplateFactory(issuer=issuer)
    response = _issue(issuer_client, issuer, template, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert not Award.objects.exists()


@pytest.mark.parametrize(
    ("template_kwargs", "message"),
    [
        ({"state": TemplateState.ARCHIVED}, "is archived"),
        ({"state": TemplateState.DRAFT}, "is a draft"),
    ],
)
def test_inactive_templates_cannot_be_issued(issuer_client, issuer, template_kwargs, message):
    template = BadgeTemplateFactory(issuer=issuer, **template_kwargs)
    response = _issue(issuer_client, issuer, template)
    assert message in response.context["form"].errors["template"][0]
    assert not Award.objects.exists()
    # ... and are not offered in the first place.
    page = issuer_client.get(reverse("issuer_ui:award_issue", args=[issuer.slug]))
    assert template.public_id not in page.content.decode()


@pytest.mark.parametrize(
    ("programme_kwargs", "message"),
    [
        ({"effective_date": dt.date(2999, 1, 1)}, "starts on 2999-01-01"),
        ({"status": ProgrammeStatus.TERMINATED}, "is terminated"),
    ],
)
def test_programme_rules_apply(issuer_client, issuer, programme_kwargs, message):
    programme = ProgrammeFactory(issuer=issuer, **programme_kwargs)
    template = BadgeTemplateFactory(issuer=issuer, programme=programme)
    response = _issue(issuer_client, issuer, template)
    assert message in response.context["form"].errors["template"][0]
    assert not Award.objects.exists()


def test_another_issuers_template_is_not_a_choice(issuer_client, issuer):
    response = _issue(issuer_client, issuer, BadgeTemplateFactory())
    assert response.context["form"].errors["template"]
    assert not Award.objects.exists()


def test_duplicate_policy_deny(issuer_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=DuplicatePolicy.DENY)
    assert _issue(issuer_client, issuer, template).status_code == 302
    response = _issue(issuer_client, issuer, template)
    assert "already holds" in response.context["form"].errors["recipient_email"][0]
    assert Award.objects.count() == 1


def test_duplicate_policy_allow(issuer_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=DuplicatePolicy.ALLOW)
    _issue(issuer_client, issuer, template)
    _issue(issuer_client, issuer, template)
    assert Award.objects.filter(revoked_at__isnull=True).count() == 2


def test_duplicate_policy_replace_revokes_the_first(issuer_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer, duplicate_policy=DuplicatePolicy.REPLACE)
    _issue(issuer_client, issuer, template)
    _issue(issuer_client, issuer, template)
    first, second = Award.objects.order_by("id")
    assert first.revoked_at is not None and first.replaced_by == second
    assert second.revoked_at is None
    page = issuer_client.get(reverse("issuer_ui:award_detail", args=[issuer.slug, first.public_id]))
    assert f"Replaced by badge {second.public_id}" in page.content.decode()


def test_issue_form_preselects_template_from_query(issuer_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    url = reverse("issuer_ui:award_issue", args=[issuer.slug])
    form = issuer_client.get(url, {"template": template.public_id}).context["form"]
    assert form.initial["template"] == template.public_id


# --- Revoke ---------------------------------------------------------------------------------


def test_revoke_with_reason(admin_client, issuer):
    award = AwardFactory(template=BadgeTemplateFactory(issuer=issuer))
    url = reverse("issuer_ui:award_revoke", args=[issuer.slug, award.public_id])
    response = admin_client.post(url, {"reason": "Exam  fraud."})
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.revoked_at is not None and award.revocation_reason == "Exam fraud."
    page = admin_client.get(response["Location"])
    html = page.content.decode()
    assert "award.revoked" in html  # audit trail
    assert "Revoke badge" not in html  # nothing left to revoke


def test_revoke_without_reason_is_refused(admin_client, issuer):
    award = AwardFactory(template=BadgeTemplateFactory(issuer=issuer))
    url = reverse("issuer_ui:award_revoke", args=[issuer.slug, award.public_id])
    response = admin_client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert response.context["revoke_form"].errors["reason"]
    award.refresh_from_db()
    assert award.revoked_at is None


def test_revoking_twice_says_so(admin_client, issuer):
    award = AwardFactory(template=BadgeTemplateFactory(issuer=issuer), revoked_at=timezone.now())
    url = reverse("issuer_ui:award_revoke", args=[issuer.slug, award.public_id])
    response = admin_client.post(url, {"reason": "Again"})
    assert "already revoked" in response.context["revoke_form"].non_field_errors()[0]


def test_award_of_another_issuer_is_404(admin_client, issuer):
    foreign = AwardFactory()
    url = reverse("issuer_ui:award_detail", args=[issuer.slug, foreign.public_id])
    assert admin_client.get(url).status_code == 404


def test_award_detail_shows_fields_and_audit_trail(issuer_client, issuer, staff_by_role):
    template = BadgeTemplateFactory(issuer=issuer)
    _issue(issuer_client, issuer, template, external_id="CAND-7", narrative="Top score.")
    award = Award.objects.get()
    page = issuer_client.get(reverse("issuer_ui:award_detail", args=[issuer.slug, award.public_id]))
    html = page.content.decode()
    for text in ["Ann Lee", "ann.lee@example.com", "CAND-7", "Top score.", "award.issued"]:
        assert text in html
    assert staff_by_role[Role.ISSUER].email in html
    assert f'href="http://testserver/badges/{award.public_id}"' in html


# --- List -----------------------------------------------------------------------------------


@pytest.fixture
def listed(issuer):
    now = timezone.now()
    azure = BadgeTemplateFactory(issuer=issuer, name="Azure")
    aws = BadgeTemplateFactory(issuer=issuer, name="AWS")
    return {
        "old": AwardFactory(
            template=azure,
            recipient_email="old@example.com",
            recipient_name="Olga Old",
            issued_on=dt.datetime(2020, 6, 1, tzinfo=dt.UTC),
            expires_at=dt.datetime(2021, 6, 1, tzinfo=dt.UTC),
        ),
        "pending": AwardFactory(
            template=azure,
            recipient_email="pat@example.com",
            recipient_name="Pat Pending",
            external_id="CAND-9",
            state=AwardState.PENDING,
            issued_on=now - dt.timedelta(days=2),
        ),
        "revoked": AwardFactory(
            template=aws,
            recipient_email="rev@example.com",
            recipient_name="Rex Revoked",
            revoked_at=now,
            issued_on=now - dt.timedelta(days=3),
        ),
        "foreign": AwardFactory(recipient_email="pat@example.com"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"old", "pending", "revoked"}),
        ({"q": "PAT@"}, {"pending"}),
        ({"q": "olga"}, {"old"}),
        ({"q": "CAND-9"}, {"pending"}),
        ({"state": "pending"}, {"pending"}),
        ({"status": "expired"}, {"old"}),
        ({"status": "revoked"}, {"revoked"}),
        ({"status": "valid"}, {"pending"}),
        ({"issued_to": "2020-12-31"}, {"old"}),
        ({"issued_from": "2021-01-01"}, {"pending", "revoked"}),
        ({"issued_from": "not a date"}, {"old", "pending", "revoked"}),  # ignored, shown as error
    ],
)
def test_award_list_filters_narrow_results(admin_client, issuer, listed, params, expected):
    response = admin_client.get(reverse("issuer_ui:award_list", args=[issuer.slug]), params)
    ids = {a.public_id for a in response.context["page"]}
    assert ids == {listed[key].public_id for key in expected}


def test_award_list_filters_by_template_and_search_by_id(admin_client, issuer, listed):
    url = reverse("issuer_ui:award_list", args=[issuer.slug])
    azure = listed["old"].template
    by_template = admin_client.get(url, {"template": azure.public_id}).context["page"]
    assert {a.public_id for a in by_template} == {
        listed["old"].public_id,
        listed["pending"].public_id,
    }
    by_id = admin_client.get(url, {"q": listed["revoked"].public_id.upper()}).context["page"]
    assert [a.public_id for a in by_id] == [listed["revoked"].public_id]


def test_award_list_paginates_and_keeps_filters_in_links(admin_client, issuer):
    template = BadgeTemplateFactory(issuer=issuer)
    AwardFactory.create_batch(PAGE_SIZE + 5, template=template, state=AwardState.PENDING)
    AwardFactory(template=template, state=AwardState.ACCEPTED)
    url = reverse("issuer_ui:award_list", args=[issuer.slug])

    first = admin_client.get(url, {"state": "pending"})
    assert len(first.context["page"]) == PAGE_SIZE
    assert first.context["page"].paginator.count == PAGE_SIZE + 5
    assert "?state=pending&amp;page=2" in first.content.decode()

    second = admin_client.get(url, {"state": "pending", "page": "2"})
    assert len(second.context["page"]) == 5
    assert "?state=pending&amp;page=1" in second.content.decode()
    assert admin_client.get(url, {"page": "999"}).status_code == 200


def test_dashboard_counts(admin_client, issuer, listed):
    BadgeTemplateFactory(issuer=issuer, state=TemplateState.DRAFT)
    response = admin_client.get(reverse("issuer_ui:dashboard", args=[issuer.slug]))
    counts = response.context["award_counts"]
    assert (counts.issued, counts.pending, counts.accepted, counts.revoked) == (3, 1, 1, 1)
    assert response.context["template_counts"] == {"draft": 1, "active": 2, "archived": 0}
    assert len(response.context["award_rows"]) == 3

"""The operator CLI: award, revoke, templates, seed_demo, record_expired."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from insignia.awards.models import Award, AwardSource, AwardState
from insignia.badges.models import TemplateState
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, IssuerFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_award_prints_public_url_and_honours_options():
    template = BadgeTemplateFactory(slug="az-900")
    out, _ = run(
        "award",
        "--template",
        "az-900",
        "--email",
        "Kim@Example.com",
        "--name",
        "Kim Ode",
        "--issued-on",
        "2025-03-01",
        "--expires",
        "2027-03-01",
        "--evidence",
        "https://e.example/1",
        "--accepted",
    )
    award = Award.objects.get()
    assert out.strip() == f"http://testserver/badges/{award.public_id}"
    assert award.template == template and award.recipient_email == "kim@example.com"
    assert award.issued_on.isoformat().startswith("2025-03-01T00:00:00")
    assert award.expires_at.year == 2027
    assert award.evidence == [{"url": "https://e.example/1"}]
    assert award.state == AwardState.ACCEPTED and award.source == AwardSource.CLI


def test_award_accepts_template_id_and_issuer_slash_slug():
    template = BadgeTemplateFactory()
    run("award", "--template", template.public_id, "--email", "a@example.com", "--name", "A")
    run(
        "award",
        "--template",
        f"{template.issuer.slug}/{template.slug}",
        "--email",
        "b@example.com",
        "--name",
        "B",
    )
    assert Award.objects.filter(template=template).count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--template", "missing", "--email", "a@example.com", "--name", "A"], "No badge template"),
        (["--email", "nope", "--name", "A"], "not a valid email"),
        (["--email", "a@example.com", "--name", "A", "--issued-on", "2025-02-30"], "is not a date"),
        (
            ["--email", "a@example.com", "--name", "A", "--issued-on", "2025-01-01T10:00"],
            "no time zone",
        ),
        (
            [
                "--email",
                "a@example.com",
                "--name",
                "A",
                "--issued-on",
                "2025-01-05",
                "--expires",
                "2025-01-01",
            ],
            "after the issue date",
        ),
    ],
)
def test_award_refuses_bad_input_with_an_actionable_message(args, message):
    BadgeTemplateFactory(slug="az-900")
    if "--template" not in args:
        args = ["--template", "az-900", *args]
    with pytest.raises(CommandError, match=message):
        run("award", *args)
    assert not Award.objects.exists()


def test_award_refuses_archived_template():
    BadgeTemplateFactory(slug="old", state=TemplateState.ARCHIVED)
    with pytest.raises(CommandError, match="archived"):
        run("award", "--template", "old", "--email", "a@example.com", "--name", "A")


def test_award_with_ambiguous_slug_asks_for_id():
    BadgeTemplateFactory(slug="same")
    BadgeTemplateFactory(slug="same")
    with pytest.raises(CommandError, match="Several issuers"):
        run("award", "--template", "same", "--email", "a@example.com", "--name", "A")


def test_revoke_by_url_and_by_id():
    first, second = AwardFactory(), AwardFactory()
    out, _ = run("revoke", f"http://testserver/badges/{first.public_id}", "--reason", "Voided")
    run("revoke", second.public_id, "--reason", "Voided")
    assert "Revoked" in out
    assert Award.objects.filter(revoked_at__isnull=False).count() == 2
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke", first.public_id, "--reason", "Again")
    with pytest.raises(CommandError, match="No badge"):
        run("revoke", "aaaaaaaaaaaaaaaa", "--reason", "x")


def test_templates_lists_id_slug_issuer_state_name_per_line():
    issuer = IssuerFactory(slug="contoso")
    a = BadgeTemplateFactory(issuer=issuer, slug="a-exam", name="A Exam With Spaces")
    b = BadgeTemplateFactory(issuer=issuer, slug="b-cert", name="B Cert", state=TemplateState.DRAFT)
    out, _ = run("templates")
    lines = out.strip().splitlines()
    assert lines == [
        f"{a.public_id} a-exam contoso active A Exam With Spaces",
        f"{b.public_id} b-cert contoso draft B Cert",
    ]
    assert run("templates", "--state", "draft")[0].split()[1] == "b-cert"
    with pytest.raises(CommandError):
        run("templates", "--issuer", "nobody")


def test_seed_demo_is_idempotent_and_prints_logins():
    out, _ = run("seed_demo")
    assert "Demo data created" in out and "owner@contoso.example" in out
    count = Award.objects.count()
    assert count >= 5
    out, _ = run("seed_demo")
    assert "already present" in out
    assert Award.objects.count() == count


def test_record_expired_command_reports_count():
    out, _ = run("record_expired")
    assert "Recorded 0" in out

"""``bulk_issue`` and ``backfill`` from the command line (tasks run in-process here)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from insignia.awards.models import Award, AwardSource
from insignia.testing.factories import BadgeTemplateFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db(transaction=True)
HEADER = "Badge Template ID;Recipient Email;First Name;Last Name;Issued Date\n"


def test_bulk_issue_shows_a_progress_bar_and_writes_the_error_report(issuer, tmp_path, capsys):
    template = BadgeTemplateFactory(issuer=issuer)
    path = tmp_path / "people.csv"
    path.write_text(
        HEADER
        + f"{template.public_id};a@example.com;A;One;2024-01-01\n"
        + f"{template.public_id};bad;B;Two;2024-01-01\n",
        encoding="latin-1",
    )
    errors = tmp_path / "errors.csv"
    call_command(
        "bulk_issue", str(path), "--issuer", issuer.slug, "--progress", "--errors-csv", str(errors)
    )
    out = capsys.readouterr().out
    assert "100%" in out and "1 awarded" in out
    assert Award.objects.filter(source=AwardSource.CSV).count() == 1
    assert "'bad' is not a valid email address" in errors.read_text()


def test_backfill_command_awards_as_backfill(issuer, tmp_path, capsys):
    programme = ProgrammeFactory(issuer=issuer)
    template = BadgeTemplateFactory(issuer=issuer, programme=programme)
    day = programme.effective_date.isoformat()
    path = tmp_path / "history.csv"
    path.write_text(HEADER + f"{template.public_id};h@example.com;H;Ist;{day}\n")
    call_command("backfill", str(path), "--programme", programme.public_id, "--progress")
    assert Award.objects.get().source == AwardSource.BACKFILL
    assert "1 awarded" in capsys.readouterr().out


def test_too_big_file_is_refused_before_reading(issuer, tmp_path, settings):
    settings.INSIGNIA_BULK_MAX_BYTES = 10
    path = tmp_path / "big.csv"
    path.write_text("x" * 11)
    with pytest.raises(CommandError, match="limit"):
        call_command("bulk_issue", str(path), "--issuer", issuer.slug)

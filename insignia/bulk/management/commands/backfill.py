"""``manage.py backfill <file> --programme <id>``: a programme's historical results as a job,
active certifications first, then newest first, with throttled notification emails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from insignia.bulk import cli
from insignia.bulk.models import JobKind


class Command(BaseCommand):
    help = "Backfill a programme's historical results from a CSV/JSON file and show progress."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_common_arguments(parser)
        parser.add_argument("--programme", required=True, help="Programme id or slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        programme = cli.find_programme(options["programme"])
        cli.run(self, options, issuer=programme.issuer, kind=JobKind.BACKFILL, programme=programme)

"""``manage.py bulk_issue <file> --issuer <id>``: issue every valid row of a file as a job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from insignia.bulk import cli
from insignia.bulk.models import JobKind


class Command(BaseCommand):
    help = "Validate a CSV/JSON file, issue its valid rows as a job and show progress."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_common_arguments(parser)
        parser.add_argument("--issuer", required=True, help="Issuer slug or id.")

    def handle(self, *args: Any, **options: Any) -> None:
        cli.run(self, options, issuer=cli.find_issuer(options["issuer"]), kind=JobKind.BULK)

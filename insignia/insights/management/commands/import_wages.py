"""``manage.py import_wages FILE --year 2025``: BLS OEWS wage tables, CSV or XLSX."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insignia.insights.importers import OEWS_TOP_CODE, ImportFileError, import_wages
from insignia.insights.management.commands._report import print_report


class Command(BaseCommand):
    help = "Import occupational wages in the BLS OEWS layout (CSV or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True, help="The survey year, e.g. 2025.")
        parser.add_argument(
            "--source", default="BLS OEWS", help="How to label the figures (default: BLS OEWS)."
        )
        parser.add_argument(
            "--top-code",
            type=Decimal,
            default=OEWS_TOP_CODE,
            help=f"The annual wage that '#' stands for (default {OEWS_TOP_CODE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if not 1990 <= options["year"] <= 2100:
            raise CommandError(f"--year {options['year']} is not a survey year.")
        try:
            report = import_wages(
                path, year=options["year"], source=options["source"], top_code=options["top_code"]
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        print_report(self, report, what="Wage rows")

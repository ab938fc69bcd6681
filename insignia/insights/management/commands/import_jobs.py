"""``manage.py import_jobs FILE``: schema.org JobPosting JSON-LD (one, an array or an ItemList)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insignia.insights.importers import ImportFileError, import_jobs
from insignia.insights.management.commands._report import print_report


class Command(BaseCommand):
    help = "Import job postings from schema.org JobPosting JSON-LD. Re-importing updates them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            report = import_jobs(path.read_bytes())
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        print_report(self, report, what="Jobs")

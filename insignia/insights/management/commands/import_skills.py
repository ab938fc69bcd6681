"""``manage.py import_skills FILE``: a skill taxonomy CSV (name, slug, description, synonyms,
occupations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insignia.insights.importers import ImportFileError, import_skills, read_text
from insignia.insights.management.commands._report import print_report


class Command(BaseCommand):
    help = "Import a skill taxonomy from CSV: synonyms and SOC / O*NET-SOC occupation codes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            report = import_skills(read_text(path))
        except (ImportFileError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        print_report(self, report, what="Skills")

"""Printing an import report the same way for every import command."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from insignia.insights.importers import ImportReport

MAX_LINES = 200


def print_report(command: BaseCommand, report: ImportReport, *, what: str) -> None:
    for problem in report.problems[:MAX_LINES]:
        stream = command.stderr if problem.fatal else command.stdout
        stream.write(f"  {problem}")
    if len(report.problems) > MAX_LINES:
        command.stdout.write(f"  … and {len(report.problems) - MAX_LINES} more problem(s).")
    style = command.style.SUCCESS if report.imported else command.style.WARNING
    command.stdout.write(style(f"{what}: {report.summary()}."))

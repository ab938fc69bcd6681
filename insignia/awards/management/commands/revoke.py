"""``manage.py revoke``: revoke one badge, by id or public URL, with a reason."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from insignia.awards.selectors import award_get_by_ref
from insignia.awards.services import award_revoke
from insignia.core.audit import Actor
from insignia.core.cli import command_error
from insignia.core.errors import ServiceError


class Command(BaseCommand):
    help = "Revoke a badge. Verifiers will see it as revoked, with the reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("award", help="Badge id or its public URL.")
        parser.add_argument(
            "--reason", required=True, help="Why; shown to verifiers and the earner."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            award = award_get_by_ref(options["award"])
            award = award_revoke(actor=Actor.system("cli"), award=award, reason=options["reason"])
        except ServiceError as exc:
            raise command_error(exc) from exc
        self.stdout.write(f"Revoked {settings.SITE_URL}{award.get_absolute_url()}")

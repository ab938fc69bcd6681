"""``manage.py award``: issue one badge from the command line and print its public URL."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from insignia.awards.models import AwardSource
from insignia.awards.services import EvidenceInput, award_issue
from insignia.badges.selectors import template_get_by_ref
from insignia.core.audit import Actor
from insignia.core.cli import command_error, parse_when
from insignia.core.errors import ServiceError

_NOT_GIVEN: Any = object()


class Command(BaseCommand):
    help = "Issue a badge to an email address and print the public badge URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--template", required=True, help="Template id, slug or ISSUER/SLUG.")
        parser.add_argument("--email", required=True, help="Recipient email address.")
        parser.add_argument(
            "--name", required=True, help="Recipient's full name as shown on the badge."
        )
        parser.add_argument(
            "--issued-on", help="Date earned (YYYY-MM-DD or ISO 8601); default now."
        )
        parser.add_argument(
            "--expires",
            help="Expiry (YYYY-MM-DD or ISO 8601), or 'never'; default: the template's validity.",
        )
        parser.add_argument(
            "--evidence", action="append", default=[], help="Evidence URL (repeatable)."
        )
        parser.add_argument("--narrative", default="", help="Markdown note shown on the badge.")
        parser.add_argument("--external-id", default="", help="Your own id for this earner.")
        parser.add_argument(
            "--idempotency-key", default="", help="Re-running with the same key issues nothing new."
        )
        parser.add_argument(
            "--accepted",
            action="store_true",
            help="Mark accepted at once (for badges migrated from a platform where the earner "
            "already accepted them).",
        )
        parser.add_argument(
            "--suppress-email", action="store_true", help="Send no notification or reminders."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        issued_on = (
            parse_when(options["issued_on"], option="--issued-on") if options["issued_on"] else None
        )
        expires: Any = _NOT_GIVEN
        if options["expires"]:
            expires = (
                None
                if options["expires"].lower() == "never"
                else parse_when(options["expires"], option="--expires")
            )
        kwargs: dict[str, Any] = {} if expires is _NOT_GIVEN else {"expires_at": expires}
        try:
            template = template_get_by_ref(options["template"])
            result = award_issue(
                actor=Actor.system("cli"),
                template=template,
                recipient_email=options["email"],
                recipient_name=options["name"],
                issued_on=issued_on,
                evidence=[EvidenceInput(url=url) for url in options["evidence"]],
                narrative=options["narrative"],
                external_id=options["external_id"],
                idempotency_key=options["idempotency_key"],
                source=AwardSource.CLI,
                accepted=options["accepted"],
                suppress_notifications=options["suppress_email"],
                **kwargs,
            )
        except ServiceError as exc:
            raise command_error(exc) from exc
        if not result.created:
            self.stderr.write(
                f"Idempotency key already used: badge {result.award.public_id} was issued before."
            )
        self.stdout.write(f"{settings.SITE_URL}{result.award.get_absolute_url()}")

"""``manage.py employer NAME [--url URL] [--staff EMAIL ...]``: create an employer (or add staff
to an existing one with the same slug)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from insignia.accounts.models import User
from insignia.core.audit import Actor
from insignia.core.cli import command_error
from insignia.core.errors import ServiceError
from insignia.insights.models import Employer
from insignia.insights.services import employer_create, employer_member_add


class Command(BaseCommand):
    help = "Create an employer and give users (by email) access to post jobs and see applications."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--url", default="")
        parser.add_argument("--staff", nargs="*", default=[], metavar="EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        try:
            employer = Employer.objects.filter(slug=slugify(options["name"])[:80]).first()
            if employer is None:
                employer = employer_create(actor=actor, name=options["name"], url=options["url"])
            for email in options["staff"]:
                user = User.objects.filter(email=email.strip().lower()).first()
                if user is None:
                    raise CommandError(f"No user with email {email!r}; they must sign up first.")
                employer_member_add(actor=actor, employer=employer, user=user)
        except ServiceError as exc:
            raise command_error(exc) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{employer.name}: /employers/{employer.public_id}/applications/")
        )

"""``manage.py create_api_client --issuer <id> --name <name>``: OAuth 2 credentials, shown once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from insignia.api.services import api_client_create
from insignia.core.audit import Actor
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer


class Command(BaseCommand):
    help = "Create an OAuth 2 client-credentials API client for an issuer; prints id and secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True, help="Issuer public id, slug or number.")
        parser.add_argument("--name", required=True, help="What the client is, e.g. 'Exam system'.")
        parser.add_argument(
            "--scopes", default="read write", help="Space-separated: 'read', 'write' or both."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ref = str(options["issuer"])
        lookup = Q(public_id=ref) | Q(slug=ref)
        if ref.isdigit():
            lookup |= Q(pk=int(ref))
        issuer = Issuer.objects.filter(lookup).first()
        if issuer is None:
            raise CommandError(f"No issuer with id or slug {ref!r}.")
        try:
            creds = api_client_create(
                actor=Actor.system("cli"),
                issuer=issuer,
                name=options["name"],
                scopes=options["scopes"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"client_id: {creds.client_id}")
        self.stdout.write(f"client_secret: {creds.client_secret}")
        self.stdout.write(f"scopes: {creds.client.scopes}")
        self.stderr.write("The secret is shown once; only its hash is stored.")

"""``manage.py rotate_keys --issuer <id-or-slug> [--revoke-old REASON]``: new signing keys.

New Ed25519 and RSA keys sign from now on. The old keys stay published (retired), so every badge
they signed still verifies; with ``--revoke-old`` they are published as revoked instead, and
everything they signed stops verifying ("key revoked on …"): use it for a compromised key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from insignia.core.audit import Actor
from insignia.core.cli import command_error
from insignia.core.errors import ServiceError
from insignia.issuers.models import Issuer, KeyAlgorithm
from insignia.issuers.services import signing_key_rotate


class Command(BaseCommand):
    help = "Rotate an issuer's signing keys (old keys stay published unless revoked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True, help="Issuer public id or slug.")
        parser.add_argument(
            "--revoke-old",
            default="",
            metavar="REASON",
            help="Revoke the old keys (compromised): their signatures stop verifying.",
        )
        parser.add_argument(
            "--algorithm",
            choices=[a.value for a in KeyAlgorithm],
            help="Rotate only this key type (default: both).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["issuer"]
        issuer = Issuer.objects.filter(Q(public_id=ref) | Q(slug=ref)).first()
        if issuer is None:
            raise CommandError(f"No issuer with id or slug {ref!r}.")
        algorithms = (
            [KeyAlgorithm(options["algorithm"])] if options["algorithm"] else list(KeyAlgorithm)
        )
        try:
            created = signing_key_rotate(
                actor=Actor.system("cli"),
                issuer=issuer,
                algorithms=algorithms,
                revoke_reason=options["revoke_old"],
            )
        except ServiceError as exc:
            raise command_error(exc) from exc
        verb = "revoked" if options["revoke_old"] else "retired (still published)"
        for key in created:
            self.stdout.write(f"{issuer.slug}: new {key.algorithm} key {key.public_id}")
        self.stdout.write(f"Old keys {verb}.")

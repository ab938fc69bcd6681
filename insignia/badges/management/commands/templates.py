"""``manage.py templates``: one template per line, for scripts.

Columns, space-separated, in this order: id, slug, issuer slug, state, name. The name is last
because it may contain spaces; everything before it never does.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insignia.badges.models import BadgeTemplate, TemplateState
from insignia.issuers.selectors import issuer_get_by_ref


class Command(BaseCommand):
    help = "List badge templates: id slug issuer-slug state name."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", help="Only this issuer (id or slug).")
        parser.add_argument(
            "--state", choices=TemplateState.values, help="Only templates in this state."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        templates = BadgeTemplate.objects.select_related("issuer").order_by("issuer__slug", "slug")
        if options["issuer"]:
            issuer = issuer_get_by_ref(options["issuer"])
            if issuer is None:
                raise CommandError(f"No issuer with id or slug {options['issuer']!r}.")
            templates = templates.filter(issuer=issuer)
        if options["state"]:
            templates = templates.filter(state=options["state"])
        for template in templates:
            columns = (template.public_id, template.slug, template.issuer.slug, template.state)
            self.stdout.write(" ".join((*columns, template.name)))

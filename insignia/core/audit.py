"""Writing audit events. One function, called inside the service's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insignia.accounts.models import User
from insignia.core.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or a named non-user such as the CLI or an API client."""

    user: User | None = None
    label: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user=None, label=label)

    def describe(self) -> str:
        return self.user.email if self.user is not None else self.label


def audit_record(
    *,
    actor: Actor,
    verb: str,
    object_type: str,
    object_id: str,
    issuer_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        issuer_id=issuer_id,
        before=before or {},
        after=after or {},
    )

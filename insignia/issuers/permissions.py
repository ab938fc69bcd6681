"""What each staff role may do. The only place role names turn into capabilities.

viewer  – read templates, awards and reports
issuer  – viewer + issue badges
admin   – issuer + manage templates and programmes, revoke awards, manage API credentials
owner   – admin + manage the organisation and its staff
"""

from __future__ import annotations

import enum

from insignia.issuers.models import Role


class Capability(enum.Enum):
    VIEW = "view"
    ISSUE = "issue"
    REVOKE = "revoke"
    MANAGE_TEMPLATES = "manage_templates"
    # API tokens and OAuth clients act with admin-level rights, so admins may hold them.
    MANAGE_API = "manage_api"
    MANAGE_ISSUER = "manage_issuer"


_GRANTS: dict[str, frozenset[Capability]] = {
    Role.VIEWER: frozenset({Capability.VIEW}),
    Role.ISSUER: frozenset({Capability.VIEW, Capability.ISSUE}),
    Role.ADMIN: frozenset(
        {
            Capability.VIEW,
            Capability.ISSUE,
            Capability.REVOKE,
            Capability.MANAGE_TEMPLATES,
            Capability.MANAGE_API,
        }
    ),
    Role.OWNER: frozenset(Capability),
}


def role_allows(role: str | None, capability: Capability) -> bool:
    if role is None:
        return False
    return capability in _GRANTS.get(role, frozenset())

"""Validation of OB 3.0 credentials against 1EdTech's bundled JSON Schemas (draft 2019-09).

OB 3.0 verification step 1 ("conformance") validates a credential against every
`credentialSchema` entry of type `1EdTechJsonSchemaValidator2019`. The schemas are shipped in
`schemas/` (see its SOURCES.md) and looked up by URL; an entry naming a schema we do not bundle is
reported, never fetched. Errors are returned as readable strings with the JSON path of the value
at fault, because they end up in front of a person on the Verify page.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator
from jsonschema.exceptions import best_match

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_SCHEMA_URL",
    "ENDORSEMENT_CREDENTIAL_SCHEMA_URL",
    "SCHEMA_VALIDATOR_TYPE",
    "UnknownSchemaError",
    "bundled_schema_urls",
    "validate",
    "validate_credential",
]

_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA_URL = _BASE + "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT_CREDENTIAL_SCHEMA_URL = _BASE + "ob_v3p0_endorsementcredential_schema.json"
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
_FILES = {
    ACHIEVEMENT_CREDENTIAL_SCHEMA_URL: "ob_v3p0_achievementcredential_schema.json",
    ENDORSEMENT_CREDENTIAL_SCHEMA_URL: "ob_v3p0_endorsementcredential_schema.json",
}
_MAX_ERRORS = 5


class UnknownSchemaError(LookupError):
    def __init__(self, url: str) -> None:
        super().__init__(f"JSON Schema {url} is not bundled and is not fetched from the network")
        self.url = url


def bundled_schema_urls() -> frozenset[str]:
    return frozenset(_FILES)


@cache
def _validator(url: str) -> Draft201909Validator:
    try:
        name = _FILES[url]
    except KeyError:
        raise UnknownSchemaError(url) from None
    text = resources.files("insignia.openbadges").joinpath("schemas", name).read_text("utf-8")
    schema = json.loads(text)
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema)


def validate(document: Any, schema_url: str = ACHIEVEMENT_CREDENTIAL_SCHEMA_URL) -> list[str]:
    """Problems with `document` under the schema at `schema_url` (empty: it is valid).

    Raises `UnknownSchemaError` for a schema that is not bundled.
    """
    validator = _validator(schema_url)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    problems = []
    for error in errors[:_MAX_ERRORS]:
        # For oneOf/anyOf failures the top error is vague; the best sub-error names the cause.
        shown = best_match([error]) if error.context else error
        path = error.json_path
        problems.append(f"{path}: {shown.message}")
    if len(errors) > _MAX_ERRORS:
        problems.append(f"… and {len(errors) - _MAX_ERRORS} more")
    return problems


def validate_credential(credential: Any) -> tuple[list[str], list[str]]:
    """(problems, schema URLs checked) for every 1EdTech schema the credential names.

    A credential naming no 1EdTech schema is checked against the AchievementCredential schema,
    which is what an OpenBadgeCredential must satisfy anyway. An entry naming a schema we do not
    bundle is a problem.
    """
    entries = credential.get("credentialSchema") if isinstance(credential, dict) else None
    if isinstance(entries, dict):
        entries = [entries]
    urls = [
        entry.get("id")
        for entry in entries or []
        if isinstance(entry, dict) and entry.get("type") == SCHEMA_VALIDATOR_TYPE
    ]
    if not urls:
        urls = [ACHIEVEMENT_CREDENTIAL_SCHEMA_URL]
    problems: list[str] = []
    checked: list[str] = []
    for url in urls:
        if not isinstance(url, str) or url not in _FILES:
            problems.append(f"credentialSchema {url!r} is not a bundled 1EdTech schema")
            continue
        checked.append(url)
        problems.extend(validate(credential, url))
    return problems, checked

"""Matching free-text skill names (from imports) to the shared taxonomy.

The order is the one the team agreed: exact slug, then a synonym, then a case-, space- and
punctuation-insensitive comparison with skill names and synonyms. One ``SkillMatcher`` loads
the taxonomy once, so an import of thousands of postings costs one query, not one per skill.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.text import slugify

from insignia.badges.models import Skill
from insignia.insights.models import SkillSynonym

_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def skill_key(name: str) -> str:
    """``"Node.JS "`` and ``"node js"`` → ``"nodejs"``; ``"C++"`` keeps its pluses."""
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    text = text.replace("+", "plus").replace("#", "sharp")
    return _NON_ALNUM.sub("", text)


def split_skills(value: object) -> list[str]:
    """schema.org ``skills``: text or a list of texts / DefinedTerms; text is comma-separated."""
    items: list[object] = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or item.get("termCode") or ""
        if not isinstance(item, str):
            continue
        names.extend(part.strip() for part in re.split(r"[,;\n]", item) if part.strip())
    seen: set[str] = set()
    unique = []
    for name in names:
        if skill_key(name) not in seen:
            seen.add(skill_key(name))
            unique.append(name)
    return unique


class SkillMatcher:
    def __init__(self) -> None:
        self.by_slug: dict[str, int] = {}
        self.by_synonym: dict[str, int] = {}
        self.by_key: dict[str, int] = {}
        self.reload()

    def reload(self) -> None:
        for pk, name, slug in Skill.objects.values_list("pk", "name", "slug"):
            self.by_slug[slug] = pk
            self.by_key.setdefault(skill_key(name), pk)
            self.by_key.setdefault(skill_key(slug), pk)
        for skill_id, key, name in SkillSynonym.objects.values_list("skill_id", "key", "name"):
            self.by_synonym[key] = skill_id
            self.by_synonym.setdefault(name.casefold().strip(), skill_id)

    def match(self, name: str) -> int | None:
        """The skill id for ``name``, or None when the taxonomy has no such skill."""
        exact = name.strip()
        if exact in self.by_slug:
            return self.by_slug[exact]
        if exact.casefold() in self.by_synonym:
            return self.by_synonym[exact.casefold()]
        key = skill_key(name)
        slug = slugify(name)
        if slug and slug in self.by_slug:
            return self.by_slug[slug]
        return self.by_key.get(key) or self.by_synonym.get(key)

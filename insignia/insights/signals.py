"""Bump the jobs version on single-row writes (admin, forms, factories).

Bulk writes (``bulk_create``, queryset ``update``/``delete``) send no signals; the importers and
services that use them call ``bump_jobs_version`` themselves. ``JobSkill`` deletes get no
receiver on purpose: one would turn the importer's bulk delete into a delete per row; its
rows go with their job (whose delete is seen) or through the importer (which bumps).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from insignia.insights.cache import bump_jobs_version
from insignia.insights.models import Employer, Job, JobSkill


def _bump(sender: type, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # fixtures being loaded: no caches to keep right yet
    bump_jobs_version()


def connect() -> None:
    for model in (Job, JobSkill, Employer):
        post_save.connect(_bump, sender=model, dispatch_uid=f"insights-bump-save-{model.__name__}")
    for model in (Job, Employer):
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"insights-bump-delete-{model.__name__}"
        )

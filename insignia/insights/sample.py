"""Loading the bundled SAMPLE data (fictional, see ``sample_data/README.md``) for demos."""

from __future__ import annotations

from pathlib import Path

from insignia.accounts.models import User
from insignia.insights.importers import (
    ImportReport,
    import_jobs,
    import_skills,
    import_wages,
    read_text,
)
from insignia.insights.models import Employer, EmployerMembership

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_data"
SAMPLE_YEAR = 2025


def load_sample_data(*, staff_email: str = "") -> dict[str, ImportReport]:
    """Skills first (jobs match against them), then wages, then jobs. Idempotent. The user with
    ``staff_email`` (if any) joins every sample employer, to read the applications."""
    reports = {
        "skills": import_skills(read_text(SAMPLE_DIR / "skills.csv")),
        "wages": import_wages(
            SAMPLE_DIR / "wages.csv", year=SAMPLE_YEAR, source="SAMPLE OEWS-layout data"
        ),
        "jobs": import_jobs((SAMPLE_DIR / "jobs.jsonld").read_bytes()),
    }
    user = User.objects.filter(email=staff_email).first() if staff_email else None
    if user is not None:
        for employer in Employer.objects.filter(slug__endswith="-sample"):
            EmployerMembership.objects.get_or_create(employer=employer, user=user)
    return reports

"""Importers on crafted files: JobPosting JSON-LD, OEWS CSV and XLSX, skill taxonomy CSV."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from insignia.badges.models import Skill
from insignia.insights.importers import (
    ImportFileError,
    import_jobs,
    import_skills,
    import_wages,
    job_postings_in,
)
from insignia.insights.models import Employer, Job, JobSkill, SkillOccupation, WageStat
from insignia.insights.sample import load_sample_data
from insignia.testing.factories import SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomy(files):
    import_skills((files / "skills.csv").read_text())


def problems_of(report, record):
    return {(p.field, p.fatal) for p in report.problems if p.record == record}


def test_mixed_item_list_imports_good_records_and_reports_each_bad_one(files, taxonomy):
    report = import_jobs((files / "postings_mixed.jsonld").read_bytes())
    assert (report.created, report.updated, report.skipped) == (5, 0, 3)
    assert set(Job.objects.values_list("source_id", flat=True)) == {
        "fabrikam:FAB-1",
        "fabrikam:NEG",
        "fabrikam:INV",
        "fabrikam:CUR",
        "northwind:HOURLY",
    }
    assert problems_of(report, 2) == {("title", True)}
    assert problems_of(report, 7) == {("@type", True)}
    assert problems_of(report, 8) == {("hiringOrganization.name", True)}
    assert problems_of(report, 1) == {("skills", False)}  # "Basket Weaving" only
    assert "Basket Weaving" in next(str(p) for p in report.problems if p.record == 1)
    assert problems_of(report, 3) == {("baseSalary.value", False)}  # negative
    assert problems_of(report, 4) == {("baseSalary.value", False)}  # inverted
    assert problems_of(report, 5) == {("baseSalary.currency", False)}
    assert problems_of(report, 6) == {("datePosted", False), ("occupationalCategory", False)}
    for title in ("Negative pay", "Inverted pay", "Doubloons"):
        job = Job.objects.get(title=title)
        assert job.salary_min is None and job.salary_currency == ""


def test_imported_posting_fields_are_mapped_and_the_description_sanitised(files, taxonomy):
    import_jobs((files / "postings_mixed.jsonld").read_bytes())
    job = Job.objects.get(source_id="fabrikam:FAB-1")
    assert (job.city, job.region, job.country, job.remote) == ("Austin", "TX", "US", False)
    assert (job.salary_min, job.salary_max, job.salary_currency, job.salary_period) == (
        Decimal(80000),
        Decimal(100000),
        "USD",
        "year",
    )
    assert job.occupation_code == "15-1244.00"
    assert job.posted_at == dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
    assert job.employer.url == "https://fabrikam.example"
    assert "<script" not in job.description_html and "onerror" not in job.description_html
    assert "javascript:" not in job.description_html
    assert "<b>our</b>" in job.description_html
    assert set(job.skills.values_list("slug", flat=True)) == {"cloud-administration", "kubernetes"}
    assert job.in_app_apply and job.apply_url == ""


def test_hourly_salary_is_annualised_with_2080_hours_and_telecommute_is_remote(files, taxonomy):
    import_jobs((files / "postings_mixed.jsonld").read_bytes())
    job = Job.objects.get(source_id="northwind:HOURLY")
    assert job.remote
    assert (job.salary_min, job.salary_period, job.salary_currency) == (Decimal(40), "hour", "USD")
    assert job.annual_min == job.annual_max == Decimal(83200)
    assert job.apply_url == "https://northwind.example/jobs/6" and not job.in_app_apply
    assert set(job.skills.values_list("slug", flat=True)) == {"monitoring", "cloud-administration"}


def test_reimport_updates_jobs_and_their_skills_instead_of_duplicating(files, taxonomy):
    data = json.loads((files / "postings_mixed.jsonld").read_text())
    import_jobs(json.dumps(data))
    first = Job.objects.get(source_id="fabrikam:FAB-1")
    item = data["itemListElement"][0]["item"]
    item["title"] = "Senior Cloud Administrator"
    item["skills"] = "Monitoring"
    report = import_jobs(json.dumps(data))
    assert (report.created, report.updated) == (0, 5)
    assert Job.objects.count() == 5
    job = Job.objects.get(source_id="fabrikam:FAB-1")
    assert job.pk == first.pk and job.title == "Senior Cloud Administrator"
    assert list(job.skills.values_list("slug", flat=True)) == ["monitoring"]
    assert Employer.objects.filter(slug="fabrikam").count() == 1


def test_single_posting_and_array_files_are_accepted(files, taxonomy):
    assert import_jobs((files / "posting_single.jsonld").read_bytes()).created == 1
    job = Job.objects.get(title="Solo Job")
    assert job.source_id == "https://tailspin.example/jobs/solo"  # no identifier: the URL
    assert job.posted_at == dt.datetime(2025, 11, 2, 8, 0, tzinfo=dt.UTC)
    assert import_jobs((files / "postings_array.jsonld").read_bytes()).created == 2
    assert import_jobs((files / "postings_array.jsonld").read_bytes()).updated == 2


def test_item_list_of_bare_postings_and_graph_are_unwrapped():
    posting = {"@type": "JobPosting", "title": "T"}
    assert job_postings_in({"@type": "ItemList", "itemListElement": [posting]}) == [posting]
    assert job_postings_in({"@graph": [posting, posting]}) == [posting, posting]


def test_malformed_json_is_a_file_error_and_imports_nothing(files):
    with pytest.raises(ImportFileError, match="not valid JSON"):
        import_jobs((files / "malformed.jsonld").read_bytes())
    assert Job.objects.count() == 0


def test_import_jobs_command_prints_per_record_problems(files, taxonomy):
    out, err = StringIO(), StringIO()
    call_command("import_jobs", str(files / "postings_mixed.jsonld"), stdout=out, stderr=err)
    assert "5 created" in out.getvalue()
    assert "record 2 · title · skipped: is missing" in err.getvalue()
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_jobs", str(files / "malformed.jsonld"), stdout=out, stderr=err)


# --- wages ---------------------------------------------------------------------------------


def test_oews_csv_handles_markers_separators_extra_columns_and_footers(files):
    report = import_wages(files / "wages_edge.csv", year=2025)
    assert (report.created, report.skipped) == (4, 3)
    us_admin = WageStat.objects.get(occ_code="15-1244", area_title="U.S.")
    assert us_admin.tot_emp == 330000 and us_admin.a_median == Decimal(96000)
    assert (us_admin.a_pct10, us_admin.a_pct90, us_admin.area_type) == (
        Decimal(61000),
        Decimal(150000),
        "1",
    )
    security = WageStat.objects.get(occ_code="15-1212")
    assert security.tot_emp is None and security.a_mean is None and security.a_pct10 is None
    assert security.a_pct90 == Decimal(239200) and security.top_coded == ["a_pct90"]
    texas = WageStat.objects.get(area_title="Texas")
    assert texas.a_pct75 is None  # "n/a" reported, left empty
    rows = {(p.record, p.field, p.fatal) for p in report.problems}
    assert (4, "A_PCT75", False) in rows
    assert (5, "OCC_CODE", True) in rows  # ALL-OCC is not a SOC code
    assert (8, "OCC_CODE", True) in rows and (9, "OCC_CODE", True) in rows  # footers
    assert "footer" in str(next(p for p in report.problems if p.record == 8))


def test_oews_xlsx_reads_numbers_markers_and_skips_notes(files):
    report = import_wages(files / "wages_edge.xlsx", year=2024)
    assert (report.created, report.skipped) == (3, 2)
    security = WageStat.objects.get(occ_code="15-1212", year=2024)
    assert security.a_pct10 == Decimal(70000) and security.top_coded == ["a_pct90"]
    texas = WageStat.objects.get(area_title="Texas", year=2024)
    assert texas.tot_emp == 25000 and texas.a_mean == Decimal(94500)


def test_oews_reimport_updates_rows_of_the_same_year(files):
    import_wages(files / "wages_edge.csv", year=2025)
    report = import_wages(files / "wages_edge.csv", year=2025)
    assert (report.created, report.updated) == (0, 4)
    import_wages(files / "wages_edge.csv", year=2024)
    assert WageStat.objects.count() == 8


def test_oews_file_without_required_columns_names_them(files):
    with pytest.raises(ImportFileError) as excinfo:
        import_wages(files / "wages_missing.csv", year=2025)
    message = str(excinfo.value)
    for column in ("TOT_EMP", "A_MEAN", "A_PCT10", "A_PCT90"):
        assert column in message
    assert "A_MEDIAN" not in message.split("Expected")[0]


def test_import_wages_command_requires_a_year_and_reports(files):
    out, err = StringIO(), StringIO()
    call_command(
        "import_wages", str(files / "wages_edge.csv"), "--year", "2025", stdout=out, stderr=err
    )
    assert "4 created" in out.getvalue() and "row 8" in err.getvalue()
    with pytest.raises(CommandError, match="Missing required column"):
        call_command("import_wages", str(files / "wages_missing.csv"), "--year", "2025")


# --- skills --------------------------------------------------------------------------------


def test_skill_taxonomy_csv_adds_synonyms_and_normalised_occupations(files):
    SkillFactory(name="Monitoring")
    report = import_skills((files / "skills.csv").read_text())
    assert (report.created, report.updated, report.skipped) == (2, 1, 1)
    admin = Skill.objects.get(slug="cloud-administration")
    assert admin.description == "Running clouds."
    assert set(admin.synonyms.values_list("key", flat=True)) == {"cloudadmin", "cloudops"}
    assert list(SkillOccupation.objects.filter(skill=admin).values_list("code", "soc_code")) == [
        ("15-1244.00", "15-1244")
    ]
    assert SkillOccupation.objects.get(skill__slug="kubernetes").code == "15-1299.08"
    rows = {(p.record, p.field) for p in report.problems}
    assert (4, "occupations") in rows and (5, "name") in rows


def test_sample_data_loads_and_is_idempotent():
    first = load_sample_data()
    assert first["jobs"].created == 16 and first["wages"].created == 15
    assert not [p for p in first["jobs"].problems if p.fatal]
    again = load_sample_data()
    assert again["jobs"].created == 0 and again["jobs"].updated == 16
    assert Job.objects.count() == 16 and JobSkill.objects.count() > 16

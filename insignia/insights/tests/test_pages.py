"""Public pages: job search, job page, template page market section, the insights page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from insignia.insights.importers import import_skills, import_wages
from insignia.insights.models import SkillOccupation
from insignia.insights.tests.conftest import client_for, make_job
from insignia.testing.factories import BadgeTemplateFactory

pytestmark = pytest.mark.django_db


def listed(response):
    return [job.title for job in response.context["page"]]


def test_search_by_keyword_skill_location_remote_and_salary_floor(employer, skills):
    admin = skills["cloud-administration"]
    make_job(
        employer,
        title="Cloud Admin Austin",
        required=[admin],
        city="Austin",
        annual_max=Decimal(90000),
    )
    make_job(
        employer,
        title="Remote Cook",
        required=[skills["cooking"]],
        remote=True,
        annual_max=Decimal(50000),
    )
    make_job(employer, title="Closed", expires_at=timezone.now() - dt.timedelta(days=1))
    client = client_for()
    assert sorted(listed(client.get("/jobs/"))) == ["Cloud Admin Austin", "Remote Cook"]
    assert listed(client.get("/jobs/?q=cook")) == ["Remote Cook"]
    assert listed(client.get("/jobs/?skill=cloud-administration")) == ["Cloud Admin Austin"]
    assert listed(client.get("/jobs/?location=austin")) == ["Cloud Admin Austin"]
    assert listed(client.get("/jobs/?remote=on")) == ["Remote Cook"]
    assert listed(client.get("/jobs/?salary_floor=60000")) == ["Cloud Admin Austin"]


def test_search_is_paginated(employer):
    for i in range(25):
        make_job(employer, title=f"Job {i:02d}", days_ago=i + 1)
    client = client_for()
    first = client.get("/jobs/?q=Job")
    assert len(listed(first)) == 20 and "page=2" in first.content.decode()
    assert listed(client.get("/jobs/?q=Job&page=2")) == [
        "Job 20",
        "Job 21",
        "Job 22",
        "Job 23",
        "Job 24",
    ]


def test_external_apply_link_opens_directly_with_noopener(employer):
    job = make_job(
        employer, title="Ext", apply_url="https://fabrikam.example/a", in_app_apply=False
    )
    page = client_for().get(f"/jobs/{job.public_id}").content.decode()
    assert 'href="https://fabrikam.example/a" rel="noopener nofollow"' in page
    assert f"/jobs/{job.public_id}/apply" not in page


def test_job_page_shows_sanitised_description_and_skills(employer, skills):
    job = make_job(
        employer,
        title="T",
        required=[skills["monitoring"]],
        preferred=[skills["kubernetes"]],
        description_html="<p>Safe</p>",
    )
    page = client_for().get(f"/jobs/{job.public_id}").content.decode()
    assert "<p>Safe</p>" in page and "Monitoring" in page and "Kubernetes" in page
    assert client_for().get("/jobs/nosuchjob000000").status_code == 404


def test_template_page_shows_matching_jobs_and_salary_range(employer, skills, files):
    import_wages(files / "wages_edge.csv", year=2025)
    admin = skills["cloud-administration"]
    SkillOccupation.objects.create(skill=admin, code="15-1244.00", soc_code="15-1244")
    template = BadgeTemplateFactory(skills=[admin])
    make_job(
        employer,
        required=[admin],
        salary_currency="USD",
        annual_min=Decimal(80000),
        annual_max=Decimal(100000),
    )
    page = client_for().get(f"/templates/{template.public_id}").content.decode()
    assert "<strong>1</strong> open job" in page
    assert "61,000–150,000 USD a year" in page and "BLS OEWS, 2025" in page
    assert f"/jobs/?template={template.public_id}" in page
    jobs = client_for().get(f"/jobs/?template={template.public_id}")
    assert len(listed(jobs)) == 1


def test_insights_page_renders_ranges_chart_and_recommendations(earner, employer, skills, files):
    import_skills((files / "skills.csv").read_text())
    import_wages(files / "wages_edge.csv", year=2025)
    make_job(
        employer,
        title="Admin job",
        required=[skills["monitoring"]],
        salary_currency="USD",
        salary_min=Decimal(80000),
        salary_max=Decimal(100000),
        salary_period="year",
        annual_min=Decimal(80000),
        annual_max=Decimal(100000),
    )
    page = client_for(earner).get("/insights/").content.decode()
    assert "<svg" in page and "<script" not in page
    assert "Network and Computer Systems Administrators (15-1244) · U.S." in page
    assert "BLS OEWS, 2025" in page and "Posted salaries" in page
    assert "Admin job" in page and "Cloud Admin Associate" in page


def test_employer_staff_post_a_job_through_the_form(employer, employer_staff, skills):
    response = client_for(employer_staff).post(
        f"/employers/{employer.public_id}/jobs/new",
        {
            "title": "Cloud Admin",
            "description_markdown": "Run **clouds**.",
            "city": "Austin",
            "salary_min": "90000",
            "salary_max": "80000",
            "salary_currency": "USD",
            "salary_period": "year",
            "required_skills": "monitoring",
        },
    )
    assert response.status_code == 200
    assert "The minimum salary is above the maximum." in response.content.decode()
    response = client_for(employer_staff).post(
        f"/employers/{employer.public_id}/jobs/new",
        {
            "title": "Cloud Admin",
            "city": "Austin",
            "salary_min": "80000",
            "salary_currency": "USD",
            "salary_period": "year",
            "required_skills": "monitoring",
        },
    )
    job = employer.jobs.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.public_id}"
    assert job.annual_min == Decimal(80000)


def test_employer_command_creates_the_employer_and_adds_staff(employer_staff):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from insignia.insights.models import Employer

    out = StringIO()
    call_command(
        "employer",
        "Contoso Jobs",
        "--url",
        "https://contoso.example",
        "--staff",
        employer_staff.email,
        stdout=out,
    )
    created = Employer.objects.get(slug="contoso-jobs")
    assert list(created.staff.all()) == [employer_staff]
    assert f"/employers/{created.public_id}/applications/" in out.getvalue()
    with pytest.raises(CommandError, match="No user"):
        call_command("employer", "Contoso Jobs", "--staff", "nobody@example.com")


def test_template_page_prefers_the_wages_of_its_aligned_occupation(employer, skills, files):
    from insignia.badges.models import Alignment

    import_wages(files / "wages_edge.csv", year=2025)
    admin = skills["cloud-administration"]
    SkillOccupation.objects.create(skill=admin, code="15-1212.00", soc_code="15-1212")
    SkillOccupation.objects.create(skill=admin, code="15-1244.00", soc_code="15-1244")
    template = BadgeTemplateFactory(skills=[admin])
    Alignment.objects.create(
        template=template,
        target_name="Admins",
        target_url="https://o.example",
        target_code="15-1244",
    )
    page = client_for().get(f"/templates/{template.public_id}").content.decode()
    assert "Network and Computer Systems Administrators (15-1244)" in page

"""Posted-salary figures: percentiles of annualised mid-points, in the most used currency."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal

import pytest
from django.utils import timezone

from insignia.insights.jobindex import salary_point
from insignia.insights.selectors import posted_salary_range
from insignia.insights.tests.conftest import make_job

pytestmark = pytest.mark.django_db


def test_posted_salaries_give_percentiles_of_mid_points_to_3_figures_in_the_main_currency(
    employer, skills
):
    admin, cooking = skills["cloud-administration"], skills["cooking"]
    ranges = [("50000.10", "80000.25"), ("61000.99", "61001.00"), ("40000", "90000.50")]
    ranges += [(f"{45000 + i * 1237}.37", f"{70000 + i * 911}.05") for i in range(9)]
    for i, (low, high) in enumerate(ranges):
        make_job(
            employer,
            required=[admin],
            days_ago=400 if i == 0 else 3,
            salary_currency="USD",
            annual_min=Decimal(low),
            annual_max=Decimal(high),
        )
    for _ in range(2):  # fewer jobs in euros, and a job without a salary: left out
        make_job(employer, required=[admin], salary_currency="EUR", annual_min=1, annual_max=2)
    make_job(employer, required=[admin])
    make_job(employer, required=[cooking], salary_currency="USD", annual_min=1, annual_max=2)

    found = posted_salary_range(skill_ids=[admin.pk], now=timezone.now())

    # counted to 3 significant figures (the index's salary buckets)
    mids = sorted(salary_point((Decimal(low) + Decimal(high)) / 2) for low, high in ranges)
    cuts = statistics.quantiles(mids, n=20, method="inclusive")
    expected = [Decimal(cuts[i]).quantize(Decimal(1)) for i in (1, 4, 9, 14, 17)]
    assert found is not None
    assert [found.p10, found.p25, found.median, found.p75, found.p90] == expected
    assert found.currency == "USD"
    assert found.count == len(ranges)
    this_year = timezone.now().year
    first_year = (timezone.now() - dt.timedelta(days=400)).year
    assert found.source == (
        f"Jobs posted on this site, {first_year}–{this_year} "
        f"({len(ranges)} with a salary; mid-points to 3 significant figures)"
    )


def test_posted_salaries_of_one_year_name_that_year(employer, skills):
    admin = skills["cloud-administration"]
    make_job(
        employer, required=[admin], days_ago=0, salary_currency="USD", annual_min=10, annual_max=20
    )
    found = posted_salary_range(skill_ids=[admin.pk], now=timezone.now() + dt.timedelta(seconds=1))
    assert found is not None
    assert found.median == Decimal(15)
    assert found.source == (
        f"Jobs posted on this site, {timezone.now().year} "
        "(1 with a salary; mid-points to 3 significant figures)"
    )

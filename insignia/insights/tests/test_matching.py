"""Skill-name matching order, occupation codes and annualising."""

from __future__ import annotations

from decimal import Decimal

import pytest

from insignia.insights.matching import SkillMatcher, skill_key, split_skills
from insignia.insights.models import SkillSynonym
from insignia.insights.salaries import annualise, normalise_occupation_code, normalise_period
from insignia.testing.factories import SkillFactory


@pytest.mark.django_db
def test_exact_slug_wins_over_a_synonym_with_the_same_text():
    go = SkillFactory(name="Go", slug="go")
    golang = SkillFactory(name="Golang Tooling", slug="golang-tooling")
    SkillSynonym.objects.create(skill=golang, name="go", key="go")
    matcher = SkillMatcher()
    assert matcher.match("go") == go.pk


@pytest.mark.django_db
def test_synonym_then_case_space_and_punctuation_insensitive_names():
    k8s = SkillFactory(name="Kubernetes", slug="kubernetes")
    node = SkillFactory(name="Node.js", slug="nodejs")
    cpp = SkillFactory(name="C++", slug="cpp")
    SkillSynonym.objects.create(skill=k8s, name="K8s", key=skill_key("K8s"))
    matcher = SkillMatcher()
    assert matcher.match("k8s") == k8s.pk
    assert matcher.match(" K-8-S ") == k8s.pk  # synonym, insensitively
    assert matcher.match("NODE JS") == node.pk
    assert matcher.match("node.JS") == node.pk
    assert matcher.match("c++") == cpp.pk
    assert matcher.match("C") is None  # "C" is not "C++"
    assert matcher.match("Basket weaving") is None


def test_skills_field_accepts_text_lists_and_defined_terms_without_duplicates():
    assert split_skills("A, b; C\nA") == ["A", "b", "C"]
    assert split_skills(["x, y", {"@type": "DefinedTerm", "name": "z"}, 3]) == ["x", "y", "z"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("15-1244", "15-1244.00"),
        ("151244", "15-1244.00"),
        ("15-1299.08", "15-1299.08"),
        (" 15-1244.00 ", "15-1244.00"),
        ("15-124", None),
        ("Network administrators", None),
    ],
)
def test_occupation_codes_are_normalised_to_onet_soc(text, code):
    assert normalise_occupation_code(text) == code


def test_periods_are_annualised_with_documented_factors():
    assert normalise_period("HOUR") == "hour" and normalise_period("annually") == "year"
    assert normalise_period("fortnight") is None
    assert annualise(Decimal(50), "hour") == Decimal(104000)
    assert annualise(Decimal(400), "day") == Decimal(104000)
    assert annualise(Decimal(2000), "week") == Decimal(104000)
    assert annualise(Decimal(8000), "month") == Decimal(96000)
    assert annualise(None, "year") is None

"""Admin for operators: employers and their staff, jobs, wage rows, skill synonyms/occupations.

Saving or deleting jobs and employers here is a write to jobs like any other: each one keeps
the bitmap index of jobs exact and invalidates cached insights
(``insignia.insights.jobindex.jobs_changed``), in the admin's transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from insignia.insights import jobindex
from insignia.insights.models import (
    Application,
    Employer,
    EmployerMembership,
    Job,
    JobSkill,
    SkillOccupation,
    SkillSynonym,
    WageStat,
)


class EmployerMembershipInline(admin.TabularInline):
    model = EmployerMembership
    autocomplete_fields = ["user"]
    extra = 1


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "url", "public_id"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [EmployerMembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(
        self, request: HttpRequest, obj: Employer, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        # A new name shows in cached "top employers"; the index keys employers by id.
        jobindex.jobs_changed(before={}, job_ids=[])

    def delete_model(self, request: HttpRequest, obj: Employer) -> None:
        before = jobindex.snapshot(Job.objects.filter(employer=obj).values_list("pk", flat=True))
        super().delete_model(request, obj)
        jobindex.jobs_changed(before=before, job_ids=[])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Employer]) -> None:
        # The "delete selected" action runs outside a transaction; the index moves with it.
        with transaction.atomic():
            jobs = Job.objects.filter(employer__in=queryset).values_list("pk", flat=True)
            before = jobindex.snapshot(list(jobs))
            super().delete_queryset(request, queryset)
            jobindex.jobs_changed(before=before, job_ids=[])


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "employer", "city", "remote", "posted_at", "expires_at", "source"]
    list_filter = ["source", "remote"]
    search_fields = ["title", "employer__name", "source_id"]
    raw_id_fields = ["employer"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(
        self, request: HttpRequest, obj: Job, form: ModelForm[Any], change: bool
    ) -> None:
        before = jobindex.snapshot([obj.pk] if obj.pk else [])
        super().save_model(request, obj, form, change)
        # The skill rows repeat the job's dates for the ranking; keep them in step.
        JobSkill.objects.filter(job=obj).update(posted_at=obj.posted_at, expires_at=obj.expires_at)
        jobindex.jobs_changed(before=before, job_ids=[obj.pk])

    def delete_model(self, request: HttpRequest, obj: Job) -> None:
        before = jobindex.snapshot([obj.pk])
        super().delete_model(request, obj)
        jobindex.jobs_changed(before=before, job_ids=[])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        with transaction.atomic():
            before = jobindex.snapshot(list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)
            jobindex.jobs_changed(before=before, job_ids=[])


@admin.register(WageStat)
class WageStatAdmin(admin.ModelAdmin):
    list_display = ["occ_code", "occ_title", "area_title", "year", "a_median"]
    list_filter = ["year"]
    search_fields = ["occ_code", "occ_title", "area_title"]


@admin.register(SkillSynonym)
class SkillSynonymAdmin(admin.ModelAdmin):
    list_display = ["name", "skill"]
    search_fields = ["name", "skill__name"]
    raw_id_fields = ["skill"]


@admin.register(SkillOccupation)
class SkillOccupationAdmin(admin.ModelAdmin):
    list_display = ["skill", "code", "title"]
    search_fields = ["code", "skill__name", "title"]
    raw_id_fields = ["skill"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["job", "name", "email", "created_at"]
    raw_id_fields = ["job", "applicant", "badges"]

"""Admin for operators: employers and their staff, jobs, wage rows, skill synonyms/occupations."""

from django.contrib import admin

from insignia.insights.models import (
    Application,
    Employer,
    EmployerMembership,
    Job,
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


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "employer", "city", "remote", "posted_at", "expires_at", "source"]
    list_filter = ["source", "remote"]
    search_fields = ["title", "employer__name", "source_id"]
    raw_id_fields = ["employer"]


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

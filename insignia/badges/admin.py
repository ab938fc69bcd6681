from django.contrib import admin

from insignia.badges.models import Alignment, BadgeTemplate, Programme, Skill


class AlignmentInline(admin.TabularInline):
    model = Alignment
    extra = 0


@admin.register(BadgeTemplate)
class BadgeTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "slug", "public_id", "state", "achievement_type")
    list_filter = ("state", "achievement_type", "issuer")
    search_fields = ("name", "slug", "public_id")
    readonly_fields = ("public_id",)
    filter_horizontal = ("skills",)
    inlines = [AlignmentInline]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "status", "effective_date")
    list_filter = ("status",)
    readonly_fields = ("public_id",)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)

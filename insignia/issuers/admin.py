from django.contrib import admin

from insignia.issuers.models import Issuer, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "public_id", "email", "is_active")
    search_fields = ("name", "slug", "public_id")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("public_id",)
    inlines = [MembershipInline]

from django.contrib import admin

from insignia.awards.models import Award
from insignia.core.models import AuditEvent


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ("public_id", "template", "recipient_email", "state", "issued_on", "revoked_at")
    list_filter = ("state", "source", "issuer")
    search_fields = ("public_id", "recipient_email", "recipient_name", "external_id")
    raw_id_fields = ("earner", "replaced_by", "template")
    # Awards change only through services (audit rows, revocation lists); admin is read-only.
    readonly_fields = [f.name for f in Award._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "verb", "object_type", "object_id", "actor", "actor_label")
    list_filter = ("verb", "object_type")
    search_fields = ("object_id", "actor_label")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

from django.contrib import admin

from insignia.notifications.models import CapturedEmail, OutboxMessage, ReminderLog


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["public_id", "kind", "to", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["to", "public_id", "dedupe_key"]
    readonly_fields = ["context", "last_error"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["award", "kind", "sequence", "created_at"]


@admin.register(CapturedEmail)
class CapturedEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "created_at"]

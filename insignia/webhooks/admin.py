from django.contrib import admin

from insignia.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["public_id", "issuer", "url", "is_active", "cursor", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "public_id"]
    exclude = ["secret_encrypted"]
    readonly_fields = ["cursor"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["public_id", "endpoint", "event_type", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "event_type"]
    search_fields = ["public_id"]
    readonly_fields = ["body", "event"]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "number", "started_at", "status_code", "duration_ms", "error"]

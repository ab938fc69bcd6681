from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "insignia.webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Register the Celery tasks while Django starts (see insignia/notifications/apps.py).
        from insignia.webhooks import tasks  # noqa: F401

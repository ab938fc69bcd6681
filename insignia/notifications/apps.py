from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "insignia.notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Register this app's Celery tasks while Django starts, before any code finalises the
        # Celery app; a tasks module first imported later went unregistered in the test process.
        from insignia.notifications import tasks  # noqa: F401

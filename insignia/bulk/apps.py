from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "insignia.bulk"
    label = "bulk"
    verbose_name = "Bulk issuance and backfill"

    def ready(self) -> None:
        # Register this app's Celery tasks while Django starts, before any code finalises the
        # Celery app; a tasks module first imported later went unregistered in the test process.
        from insignia.bulk import tasks  # noqa: F401

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "insignia.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from insignia.core import checks  # noqa: F401  (registers the system checks)

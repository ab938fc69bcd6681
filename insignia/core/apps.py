from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "insignia.core"
    label = "core"
    verbose_name = "Core"

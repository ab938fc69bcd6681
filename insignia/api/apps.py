from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "insignia.api"
    label = "api"
    verbose_name = "Issuer API"

    def ready(self) -> None:
        # Registers the OpenAPI description of our authentication class with drf-spectacular.
        from insignia.api import schema  # noqa: F401

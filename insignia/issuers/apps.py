from django.apps import AppConfig


class IssuersConfig(AppConfig):
    name = "insignia.issuers"
    label = "issuers"
    verbose_name = "Issuers"

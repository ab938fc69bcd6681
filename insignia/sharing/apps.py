from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "insignia.sharing"
    label = "sharing"
    verbose_name = "Sharing"

from django.apps import AppConfig


class EarnersConfig(AppConfig):
    name = "insignia.earners"
    label = "earners"
    verbose_name = "Earners"

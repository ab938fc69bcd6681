from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insignia.insights"
    label = "insights"
    verbose_name = "Job-market insights"
    default_auto_field = "django.db.models.BigAutoField"

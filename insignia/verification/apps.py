from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "insignia.verification"
    label = "verification"
    verbose_name = "Verification"

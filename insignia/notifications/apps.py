from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "insignia.notifications"
    verbose_name = "Notifications"

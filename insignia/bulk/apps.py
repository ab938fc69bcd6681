from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "insignia.bulk"
    label = "bulk"
    verbose_name = "Bulk issuance and backfill"

"""The issuer's share report, added to the issuer UI's ``issuer_ui`` namespace by
insignia/issuers/urls.py (like the bulk and webhook pages)."""

from django.urls import path

from insignia.sharing import issuer_views

urlpatterns = [
    path("<slug:issuer_slug>/reports/", issuer_views.share_report, name="share_report"),
]

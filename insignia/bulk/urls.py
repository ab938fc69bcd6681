"""Bulk pages, added to the issuer UI's ``issuer_ui`` namespace by insignia/issuers/urls.py."""

from django.urls import path

from insignia.bulk import views

urlpatterns = [
    path("<slug:issuer_slug>/bulk/", views.bulk_upload, name="bulk_upload"),
    path("<slug:issuer_slug>/bulk/<str:public_id>/", views.bulk_job, name="bulk_job"),
    path(
        "<slug:issuer_slug>/bulk/<str:public_id>/invalid-rows.csv",
        views.bulk_job_errors,
        name="bulk_job_errors",
    ),
]

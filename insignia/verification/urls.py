"""Public URLs (ARCHITECTURE §6). Stable forever once issued: never rename a path here."""

from django.urls import path

from insignia.verification import views

app_name = "verification"
urlpatterns = [
    path("badges/<str:public_id>", views.badge, name="badge"),
    path("badges/<str:public_id>/image.<str:ext>", views.badge_image, name="badge_image"),
    path("badges/<str:public_id>/verify", views.badge_verify, name="badge_verify"),
    path("claim/<str:public_id>/<str:token>", views.claim, name="claim"),
    path("templates/<str:public_id>", views.template, name="template"),
    path("templates/<str:public_id>/image.<str:ext>", views.template_image, name="template_image"),
    path("issuers/<str:public_id>", views.issuer, name="issuer"),
    path(
        "issuers/<str:public_id>/revocations", views.issuer_revocations, name="issuer_revocations"
    ),
]

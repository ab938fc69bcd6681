"""Webhook pages, added to the issuer UI's ``issuer_ui`` namespace by insignia/issuers/urls.py."""

from django.urls import path

from insignia.webhooks import views

urlpatterns = [
    path("<slug:issuer_slug>/webhooks/", views.webhook_list, name="webhook_list"),
    path("<slug:issuer_slug>/webhooks/new/", views.webhook_create, name="webhook_create"),
    path(
        "<slug:issuer_slug>/webhooks/<str:public_id>/",
        views.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "<slug:issuer_slug>/webhooks/<str:public_id>/rotate/",
        views.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "<slug:issuer_slug>/webhooks/<str:public_id>/delete/",
        views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "<slug:issuer_slug>/webhooks/<str:public_id>/ping/",
        views.webhook_ping,
        name="webhook_ping",
    ),
    path(
        "<slug:issuer_slug>/webhooks/<str:public_id>/deliveries/<str:delivery_id>/replay/",
        views.webhook_replay,
        name="webhook_replay",
    ),
]

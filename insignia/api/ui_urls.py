"""Developer settings pages, added to the issuer UI's ``issuer_ui`` namespace by
insignia/issuers/urls.py."""

from django.urls import path

from insignia.api import views

urlpatterns = [
    path("<slug:issuer_slug>/developers/", views.developers, name="developers"),
    path(
        "<slug:issuer_slug>/developers/tokens/",
        views.token_create,
        name="developer_token_create",
    ),
    path(
        "<slug:issuer_slug>/developers/tokens/<str:public_id>/revoke/",
        views.token_revoke,
        name="developer_token_revoke",
    ),
    path(
        "<slug:issuer_slug>/developers/clients/",
        views.client_create,
        name="developer_client_create",
    ),
    path(
        "<slug:issuer_slug>/developers/clients/<str:public_id>/revoke/",
        views.client_revoke,
        name="developer_client_revoke",
    ),
]

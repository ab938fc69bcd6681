"""Sharing URLs (issue 6). Public and stable once issued, like the badge pages they hang off."""

from django.urls import path

from insignia.sharing import views

app_name = "sharing"
urlpatterns = [
    path("badges/<str:public_id>/share/<str:network>", views.share, name="share"),
    path("badges/<str:public_id>/download/<str:kind>", views.download, name="download"),
    path("badges/<str:public_id>/embed", views.embed, name="embed"),
    path("badges/<str:public_id>/qr.<str:ext>", views.qr, name="qr"),
    path("badges/<str:public_id>/certificate", views.certificate, name="certificate"),
    path("badges/<str:public_id>/share.png", views.share_image, name="share_image"),
    path("embed.js", views.embed_script, name="embed_script"),
    path("oembed", views.oembed, name="oembed"),
    path("u/<str:slug>/share.png", views.profile_share_image, name="profile_share_image"),
    path("u/<str:slug>/share/<str:network>", views.profile_share, name="profile_share"),
]

"""The earner's own pages under /me/ and the public profile at /u/<slug>."""

from django.urls import path

from insignia.earners import views

app_name = "earners"
urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("me/badges/<str:public_id>/state", views.award_state, name="award_state"),
    path("me/badges/<str:public_id>/visibility", views.award_visibility, name="award_visibility"),
    path("me/settings/", views.settings_page, name="settings"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("u/<str:slug>", views.profile, name="profile"),
]

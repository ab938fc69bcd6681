"""The local outbox, mounted at /_outbox/ by ``config.urls`` only when its backend is active."""

from django.urls import path

from insignia.notifications import views

app_name = "outbox"
urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("<str:public_id>/", views.outbox_message, name="message"),
    path("<str:public_id>/html", views.outbox_message_html, name="message_html"),
]

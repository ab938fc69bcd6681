from django.urls import path

app_name = "issuer_ui"
urlpatterns: list = []

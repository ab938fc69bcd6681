"""Top-level URLs. Public URLs are stable forever once issued (ARCHITECTURE §6)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from insignia.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("manage/", include("insignia.issuers.urls")),
    path("", include("insignia.verification.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

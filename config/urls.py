"""Top-level URLs. Public URLs are stable forever once issued (ARCHITECTURE §6)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from insignia.core import views as core_views
from insignia.notifications.backends import local_outbox_active

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("insignia.api.urls")),  # issuer API; docs/api.md
    path("manage/", include("insignia.issuers.urls")),
    path("", include("insignia.verification.urls")),
    path("", include("insignia.earners.urls")),  # /me/… and /u/<slug>
    path("", include("insignia.insights.urls")),  # /jobs/, /insights/, /employers/…
    path("", include("insignia.sharing.urls")),  # /badges/<id>/embed|share|qr…, /oembed
]

if local_outbox_active():
    # The embedded default's mailbox; never mounted when mail goes to a real server.
    urlpatterns.insert(0, path("_outbox/", include("insignia.notifications.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

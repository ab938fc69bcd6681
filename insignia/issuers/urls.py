"""The issuer web UI, mounted at ``/manage/``. Every page is scoped to one issuer's slug."""

from django.urls import path

from insignia.api.ui_urls import urlpatterns as developer_urlpatterns
from insignia.bulk.urls import urlpatterns as bulk_urlpatterns
from insignia.issuers import views
from insignia.sharing.issuer_urls import urlpatterns as report_urlpatterns
from insignia.webhooks.urls import urlpatterns as webhook_urlpatterns

app_name = "issuer_ui"

urlpatterns = [
    path("<slug:issuer_slug>/", views.dashboard, name="dashboard"),
    path("<slug:issuer_slug>/templates/", views.template_list_view, name="template_list"),
    path("<slug:issuer_slug>/templates/new/", views.template_create_view, name="template_create"),
    path(
        "<slug:issuer_slug>/templates/<str:public_id>/",
        views.template_detail,
        name="template_detail",
    ),
    path(
        "<slug:issuer_slug>/templates/<str:public_id>/edit/",
        views.template_edit,
        name="template_edit",
    ),
    path(
        "<slug:issuer_slug>/templates/<str:public_id>/state/",
        views.template_state,
        name="template_state",
    ),
    path("<slug:issuer_slug>/programmes/", views.programme_list_view, name="programme_list"),
    path(
        "<slug:issuer_slug>/programmes/new/",
        views.programme_create_view,
        name="programme_create",
    ),
    path(
        "<slug:issuer_slug>/programmes/<str:public_id>/",
        views.programme_detail,
        name="programme_detail",
    ),
    path(
        "<slug:issuer_slug>/programmes/<str:public_id>/status/",
        views.programme_status,
        name="programme_status",
    ),
    path("<slug:issuer_slug>/issue/", views.award_issue_view, name="award_issue"),
    path("<slug:issuer_slug>/awards/", views.award_list_view, name="award_list"),
    path("<slug:issuer_slug>/awards/<str:public_id>/", views.award_detail, name="award_detail"),
    path(
        "<slug:issuer_slug>/awards/<str:public_id>/revoke/",
        views.award_revoke_view,
        name="award_revoke",
    ),
    path(
        "<slug:issuer_slug>/awards/<str:public_id>/resend/",
        views.award_resend_view,
        name="award_resend",
    ),
]
urlpatterns += bulk_urlpatterns  # /manage/<issuer>/bulk/: insignia/bulk/views.py
urlpatterns += developer_urlpatterns  # /manage/<issuer>/developers/: insignia/api/views.py
urlpatterns += webhook_urlpatterns  # /manage/<issuer>/webhooks/: insignia/webhooks/views.py
urlpatterns += report_urlpatterns  # /manage/<issuer>/reports/: insignia/sharing/issuer_views.py

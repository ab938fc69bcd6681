"""Issuer API v1, mounted at /api/v1/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider.views import TokenView

from insignia.api import apis
from insignia.api.apis import route
from insignia.webhooks import apis as webhook_apis

app_name = "api"

urlpatterns = [
    path("oauth/token", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("whoami", route(apis.WhoamiApi), name="whoami"),
    path("templates", route(apis.TemplateListApi, apis.TemplateCreateApi), name="templates"),
    path(
        "templates/<str:public_id>",
        route(apis.TemplateGetApi, apis.TemplateUpdateApi, apis.TemplateArchiveApi),
        name="template",
    ),
    path("awards", route(apis.AwardListApi, apis.AwardCreateApi), name="awards"),
    path("awards/<str:public_id>", route(apis.AwardGetApi), name="award"),
    path("awards/<str:public_id>/revoke", route(apis.AwardRevokeApi), name="award-revoke"),
    path("awards/<str:public_id>/replace", route(apis.AwardReplaceApi), name="award-replace"),
    path("awards/<str:public_id>/resend", route(apis.AwardResendApi), name="award-resend"),
    path("programmes", route(apis.ProgrammeListApi, apis.ProgrammeCreateApi), name="programmes"),
    path(
        "programmes/<str:public_id>",
        route(apis.ProgrammeGetApi, apis.ProgrammeUpdateApi),
        name="programme",
    ),
    path("bulk-jobs", route(apis.BulkJobListApi, apis.BulkJobCreateApi), name="bulk-jobs"),
    path("bulk-jobs/<str:public_id>", route(apis.BulkJobGetApi), name="bulk-job"),
    path("bulk-jobs/<str:public_id>/errors", route(apis.BulkJobErrorsApi), name="bulk-job-errors"),
    path("events", route(apis.EventListApi), name="events"),
    path(
        "webhooks",
        route(webhook_apis.WebhookListApi, webhook_apis.WebhookCreateApi),
        name="webhooks",
    ),
    path(
        "webhooks/<str:public_id>",
        route(
            webhook_apis.WebhookGetApi, webhook_apis.WebhookUpdateApi, webhook_apis.WebhookDeleteApi
        ),
        name="webhook",
    ),
    path(
        "webhooks/<str:public_id>/deliveries",
        route(webhook_apis.WebhookDeliveryListApi),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<str:public_id>/deliveries/<str:delivery_id>/replay",
        route(webhook_apis.WebhookDeliveryReplayApi),
        name="webhook-delivery-replay",
    ),
]

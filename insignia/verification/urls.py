"""Public URLs (ARCHITECTURE §6). Stable forever once issued: never rename a path here."""

from django.urls import path

from insignia.verification import credential_views, views

app_name = "verification"
urlpatterns = [
    path("badges/<str:public_id>", views.badge, name="badge"),
    path("badges/<str:public_id>/image.<str:ext>", views.badge_image, name="badge_image"),
    path("badges/<str:public_id>/verify", views.badge_verify, name="badge_verify"),
    # Open Badges 3.0: the credential as JSON (embedded proof), VC-JWT, or baked png/svg.
    path(
        "badges/<str:public_id>/credential.<str:ext>",
        credential_views.badge_credential,
        name="badge_credential",
    ),
    path("status/<str:public_id>", credential_views.status_list, name="status_list"),
    path("claim/<str:public_id>/<str:token>", views.claim, name="claim"),
    path("templates/<str:public_id>", views.template, name="template"),
    path("templates/<str:public_id>/image.<str:ext>", views.template_image, name="template_image"),
    path("issuers/<str:public_id>", views.issuer, name="issuer"),
    path(
        "issuers/<str:public_id>/revocations", views.issuer_revocations, name="issuer_revocations"
    ),
    # The OB 3.0 Profile is also the controller document of the issuer's keys (its id is the
    # OB 3.0 issuer id); did.json serves did:web:<host>:issuers:<id>; jwks.json the RSA keys.
    path(
        "issuers/<str:public_id>/profile.json",
        credential_views.issuer_profile,
        name="issuer_profile_ob3",
    ),
    path("issuers/<str:public_id>/did.json", credential_views.issuer_did, name="issuer_did"),
    path("issuers/<str:public_id>/jwks.json", credential_views.issuer_jwks, name="issuer_jwks"),
]

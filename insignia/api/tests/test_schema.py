"""The OpenAPI document: it validates, the docs page works offline, and fuzzing finds no 5xx."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

from insignia.api.services import api_token_create
from insignia.bulk.models import BulkJob, BulkRow
from insignia.core.audit import Actor
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db
KNOWN_IDS = {
    "awards": "awrdfuzz",
    "templates": "tmplfuzz",
    "programmes": "progfuzz",
    "bulk-jobs": "bulkfuzz",
    "": "",
}


def test_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn: an undocumented view or an unresolvable type fails the build.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/awards/{public_id}/revoke" in text
    assert "Idempotency-Key" in text


def test_schema_is_served_as_openapi_3_listing_every_operation():
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {
        "awards_create",
        "awards_list",
        "awards_get",
        "awards_revoke",
        "awards_replace",
        "awards_resend_notification",
        "templates_create",
        "templates_update",
        "templates_archive",
        "programmes_list",
        "programmes_create",
        "programmes_update",
        "bulk_jobs_create",
        "bulk_jobs_list",
        "bulk_jobs_get",
        "bulk_jobs_errors",
        "events_list",
    } <= operations
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_loads_its_assets_from_us_not_a_cdn():
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs"):
        assert cdn not in html


# --- Property-based fuzzing ---------------------------------------------------------------
@pytest.fixture
def fuzz_token(issuer):
    # Real objects so that some generated ids resolve and writes reach the services.
    template = BadgeTemplateFactory(issuer=issuer, public_id="tmplfuzz")
    AwardFactory(template=template, public_id="awrdfuzz", state="pending")
    ProgrammeFactory(issuer=issuer, public_id="progfuzz")
    job = BulkJob.objects.create(
        issuer=issuer, public_id="bulkfuzz", filename="x.csv", file_sha256="0" * 64
    )
    BulkRow.objects.create(
        job=job, row_number=2, raw={"Email": "=1+1"}, errors=[{"column": "Email", "message": "x"}]
    )
    return api_token_create(
        actor=Actor.system("t"), issuer=issuer, name="fuzz", scopes="read write"
    )


@pytest.fixture
def api_schema(db):
    # Django's test client does the same: a real WSGI request would otherwise close the
    # connection that holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_fuzzing_the_api_against_its_own_schema_finds_no_server_error(api_schema, fuzz_token):
    headers = {"Authorization": f"Bearer {fuzz_token.raw}"}
    seen: Counter[int] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 21

    for operation in operations:

        @given(case=operation.as_strategy(), real_ids=st.booleans())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case, real_ids):
            if real_ids:
                # Half the cases point at objects that exist, so they get past the 404 and
                # into the serializers and services.
                known = next(v for k, v in KNOWN_IDS.items() if k in case.path)
                case.path_parameters = dict.fromkeys(case.path_parameters or {}, known)
                if isinstance(case.body, dict) and "template_id" in case.body:
                    case.body["template_id"] = KNOWN_IDS["templates"]
            response = case.call(headers=headers)
            seen[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error])

        run()
    # The fuzz must have got past authentication and lookups, or it proved nothing.
    assert sum(n for code, n in seen.items() if code < 300) > 50, seen

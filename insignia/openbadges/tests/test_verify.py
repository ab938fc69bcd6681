from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insignia.openbadges import ob2
from insignia.openbadges.verify import (
    FetchResult,
    StepCode,
    VerificationReport,
    verify_hosted_assertion,
)

from .factories import FakeWeb, inspector_document, inspector_web

NOW = datetime(2024, 6, 1, tzinfo=UTC)
FIXTURE_URL = "https://example.org/beths-robotics-badge.json"
FIXTURE_EMAIL = "nobody@example.org"  # sha256 + "deadsea" gives the fixtures' identity hash


def verify(web: FakeWeb, url: str = FIXTURE_URL, **kwargs: object) -> VerificationReport:
    return verify_hosted_assertion(url, fetch=web, now=NOW, **kwargs)  # type: ignore[arg-type]


def serve_fixture(name: str, **changes: object) -> FakeWeb:
    """The inspector fixtures, with assertion `name` (optionally edited) at its own URL."""
    web = inspector_web()
    assertion = inspector_document(name)
    assertion.update(changes)
    web.json(str(assertion.get("id", FIXTURE_URL)), assertion)
    return web


def outcome(report: VerificationReport, code: StepCode) -> bool | None:
    step = report.step(code)
    assert step is not None, f"no {code} step in {report.steps}"
    return step.ok


def detail(report: VerificationReport, code: StepCode) -> str:
    step = report.step(code)
    assert step is not None
    return step.detail


# --- the inspector's OB 2.0 fixtures ---


def test_basic_fixture_assertion_is_valid_for_its_recipient() -> None:
    report = verify(serve_fixture("basic-assertion.json"), recipient_email=FIXTURE_EMAIL)
    assert report.valid, report.failures
    assert [s.code for s in report.steps] == list(StepCode)
    assert all(step.ok for step in report.steps)
    assert report.badge_class is not None
    assert report.badge_class["name"] == "Awesome Robotics Badge"
    assert report.issuer is not None
    assert report.issuer["email"] == "contact@example.org"
    assert not report.revoked


def test_assertion_baked_in_the_inspector_png_verifies() -> None:
    from insignia.openbadges.baking import unbake_png

    from .factories import vector

    baked = json.loads(unbake_png(vector("inspector-ob20/simple-badge.png")) or "{}")
    report = verify(serve_fixture("basic-assertion.json"), url=baked["id"])
    assert report.valid, report.failures


def test_wrong_email_fails_the_recipient_step_only() -> None:
    report = verify(serve_fixture("basic-assertion.json"), recipient_email="someone@example.org")
    assert not report.valid
    assert [s.code for s in report.failures] == [StepCode.RECIPIENT]
    assert "not awarded to someone@example.org" in detail(report, StepCode.RECIPIENT)


def test_email_is_compared_as_given_so_case_matters() -> None:
    report = verify(serve_fixture("basic-assertion.json"), recipient_email="Nobody@example.org")
    assert outcome(report, StepCode.RECIPIENT) is False


def test_expired_fixture_fails_the_dates_step() -> None:
    report = verify(serve_fixture("basic-assertion-expired.json"))
    assert outcome(report, StepCode.DATES) is False
    assert "expired" in detail(report, StepCode.DATES)


def test_expiry_before_issue_fixture_fails() -> None:
    report = verify(serve_fixture("basic-assertion-expired-before-issued.json"))
    assert outcome(report, StepCode.DATES) is False
    assert "before issuedOn" in detail(report, StepCode.DATES)


def test_future_issue_date_fixture_fails() -> None:
    report = verify(serve_fixture("basic-assertion-in-future.json"))
    assert outcome(report, StepCode.DATES) is False
    assert "future" in detail(report, StepCode.DATES)


def test_invalid_context_fixture_fails_the_structure_step() -> None:
    report = verify(serve_fixture("basic-assertion-invalid-context.json"))
    assert outcome(report, StepCode.STRUCTURE) is False
    assert "@context" in detail(report, StepCode.STRUCTURE)


def test_invalid_type_fixture_fails_the_structure_step() -> None:
    report = verify(serve_fixture("basic-assertion-invalid-type.json"))
    assert outcome(report, StepCode.STRUCTURE) is False
    assert "OtherAssertion" in detail(report, StepCode.STRUCTURE)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("basic-assertion-with-allowed-origins.json", True),
        ("basic-assertion-with-allowed-origins-valid-starts-with.json", True),
        ("basic-assertion-with-allowed-origins-valid-multiple-starts-with.json", True),
        ("basic-assertion-with-allowed-origins-invalid-starts-with.json", False),
        ("basic-assertion-with-allowed-origins-invalid-multiple-starts-with.json", False),
    ],
)
def test_issuer_verification_policy_fixtures(name: str, valid: bool) -> None:
    report = verify(serve_fixture(name))
    assert outcome(report, StepCode.ISSUER_BINDING) is valid
    assert report.valid is valid


def test_fixture_with_language_tags_is_valid() -> None:
    assert verify(serve_fixture("basic-assertion-with-language.json")).valid


def test_issuer_with_a_non_http_id_gives_a_warning_not_a_failure() -> None:
    web = serve_fixture(
        "basic-assertion.json", badge="http://example.org/badge-with-bad-issuer.json"
    )
    report = verify(web)
    assert outcome(report, StepCode.ISSUER_BINDING) is None
    assert "not an HTTP URL" in detail(report, StepCode.ISSUER_BINDING)
    assert report.valid


def test_assertion_on_the_issuers_revocation_list_is_revoked_with_its_reason() -> None:
    revoked_url = "https://example.org/beths-robotics-badge-revoked.json"
    web = serve_fixture(
        "basic-assertion.json",
        id=revoked_url,
        badge="https://example.org/badge-from-organization-with-revocation-list.json",
    )
    report = verify(web, url=revoked_url)
    assert not report.valid
    assert report.revoked
    assert report.revocation_reason == "A good reason, for sure"
    assert outcome(report, StepCode.REVOCATION) is False
    assert report.revocation_list is not None


def test_assertion_not_on_the_revocation_list_passes() -> None:
    web = serve_fixture(
        "basic-assertion.json",
        badge="https://example.org/badge-from-organization-with-revocation-list.json",
    )
    report = verify(web)
    assert outcome(report, StepCode.REVOCATION) is True
    assert report.valid


def test_empty_revocation_list_passes() -> None:
    web = serve_fixture(
        "basic-assertion.json",
        badge="https://example.org/badge-from-organization-with-empty-revocation-list.json",
    )
    assert verify(web).valid


def test_unreachable_revocation_list_fails_the_revocation_step() -> None:
    web = serve_fixture(
        "basic-assertion.json",
        badge="https://example.org/badge-from-organization-with-revocation-list.json",
    )
    del web.responses["http://example.org/revocation-list.json"]
    report = verify(web)
    assert outcome(report, StepCode.REVOCATION) is False
    assert "404" in detail(report, StepCode.REVOCATION)


# --- revocation at the assertion URL ---


def test_410_with_a_notice_is_revoked_with_the_reason() -> None:
    web = FakeWeb()
    web.json(FIXTURE_URL, ob2.revoked_assertion_document(FIXTURE_URL, "Plagiarism"), status=410)
    report = verify(web)
    assert not report.valid
    assert report.revoked
    assert report.revocation_reason == "Plagiarism"
    assert "Plagiarism" in detail(report, StepCode.REVOCATION)
    assert web.requested == [FIXTURE_URL]  # nothing else is fetched for a revoked badge


def test_410_without_a_json_body_is_still_revoked() -> None:
    web = FakeWeb()
    web.raw(FIXTURE_URL, b"<h1>Gone</h1>", status=410)
    report = verify(web)
    assert report.revoked
    assert report.revocation_reason is None
    assert not report.valid


def test_200_with_revoked_true_is_revoked() -> None:
    web = FakeWeb()
    web.json(FIXTURE_URL, {"id": FIXTURE_URL, "revoked": True})
    report = verify(web)
    assert report.revoked
    assert not report.valid


# --- documents we build ourselves ---

ISSUER = ob2.IssuerProfile(
    id="https://badges.example.org/issuers/i1",
    name="Example Academy",
    url="https://academy.example.org",
    email="badges@academy.example.org",
)
BADGE = ob2.BadgeClass(
    id="https://badges.example.org/badges/b1",
    name="Robotics",
    description="Built a robot.",
    image="https://badges.example.org/badges/b1/image.png",
    issuer_id=ISSUER.id,
    criteria_narrative="Build a robot.",
)
SALT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ASSERTION = ob2.Assertion(
    id="https://badges.example.org/assertions/a1",
    badge_id=BADGE.id,
    recipient_identity=ob2.identity_hash("ada@example.org", SALT),
    recipient_salt=SALT,
    issued_on=NOW - timedelta(days=30),
    expires=NOW + timedelta(days=335),
)


def our_web(
    assertion: dict[str, object] | None = None, issuer: ob2.IssuerProfile = ISSUER
) -> FakeWeb:
    web = FakeWeb()
    web.json(issuer.id, ob2.issuer_document(issuer))
    web.json(BADGE.id, ob2.badge_class_document(BADGE))
    document = assertion if assertion is not None else ob2.assertion_document(ASSERTION)
    web.json(ASSERTION.id, document)
    return web


def test_documents_built_by_ob2_verify_as_valid() -> None:
    report = verify(our_web(), url=ASSERTION.id, recipient_email="ada@example.org")
    assert report.valid, report.failures
    assert "valid until" in detail(report, StepCode.DATES)


def test_assertion_served_at_another_url_fails_the_id_step() -> None:
    web = our_web()
    web.json("https://badges.example.org/copy", ob2.assertion_document(ASSERTION))
    report = verify(web, url="https://badges.example.org/copy")
    assert outcome(report, StepCode.ASSERTION_ID) is False
    assert "fetched from https://badges.example.org/copy" in detail(report, StepCode.ASSERTION_ID)


def test_redirect_to_the_assertion_id_is_accepted() -> None:
    web = our_web()
    body = ob2.dumps(ob2.assertion_document(ASSERTION))
    web.responses["https://short.example/x"] = FetchResult(
        200, "application/ld+json", body, url=ASSERTION.id
    )
    report = verify(web, url="https://short.example/x")
    assert outcome(report, StepCode.ASSERTION_ID) is True


def test_issuer_on_another_origin_than_the_assertion_fails_the_binding() -> None:
    elsewhere = ob2.IssuerProfile(
        id="https://other.example/issuers/i1",
        name="Impostor",
        url="https://other.example",
        email="x@other.example",
    )
    badge = ob2.badge_class_document(BADGE)
    badge["issuer"] = elsewhere.id
    web = our_web(issuer=elsewhere)
    web.json(BADGE.id, badge)
    report = verify(web, url=ASSERTION.id)
    assert outcome(report, StepCode.ISSUER_BINDING) is False
    assert "badges.example.org" in detail(report, StepCode.ISSUER_BINDING)
    assert "other.example" in detail(report, StepCode.ISSUER_BINDING)


def test_issuer_allowed_origins_vouch_for_another_host() -> None:
    elsewhere = ob2.IssuerProfile(
        id="https://other.example/issuers/i1",
        name="Partner",
        url="https://other.example",
        email="x@other.example",
        verification_allowed_origins=("badges.example.org",),
    )
    badge = ob2.badge_class_document(BADGE)
    badge["issuer"] = elsewhere.id
    web = our_web(issuer=elsewhere)
    web.json(BADGE.id, badge)
    assert verify(web, url=ASSERTION.id).valid


def test_recipient_identity_of_another_type_can_be_checked() -> None:
    assertion = ob2.assertion_document(ASSERTION)
    assertion["recipient"] = {
        "type": "url",
        "hashed": True,
        "salt": "s",
        "identity": ob2.identity_hash("https://ada.example.org", "s"),
    }
    report = verify(
        our_web(assertion), url=ASSERTION.id, recipient_identity=("url", "https://ada.example.org")
    )
    assert outcome(report, StepCode.RECIPIENT) is True
    report = verify(our_web(assertion), url=ASSERTION.id, recipient_email="ada@example.org")
    assert outcome(report, StepCode.RECIPIENT) is False


def test_plaintext_recipient_matches_by_equality() -> None:
    assertion = ob2.assertion_document(ASSERTION)
    assertion["recipient"] = {"type": "email", "hashed": False, "identity": "ada@example.org"}
    report = verify(our_web(assertion), url=ASSERTION.id, recipient_email="ada@example.org")
    assert outcome(report, StepCode.RECIPIENT) is True


@pytest.mark.parametrize(
    ("recipient", "reason"),
    [
        ({"type": "email", "hashed": True, "identity": "ada@example.org"}, "marked hashed"),
        ({"type": "email", "hashed": False, "identity": "sha256$" + "a" * 64}, "is a hash"),
        ({"type": "email", "hashed": True, "identity": "sha256$abc"}, "marked hashed"),
        ({"type": "carrier-pigeon", "hashed": False, "identity": "x"}, "not one of"),
        ({"type": "email", "hashed": True}, "missing"),
        ("ada@example.org", "no recipient object"),
    ],
)
def test_malformed_recipient_fails_with_a_reason(recipient: object, reason: str) -> None:
    assertion = ob2.assertion_document(ASSERTION)
    assertion["recipient"] = recipient
    report = verify(our_web(assertion), url=ASSERTION.id)
    assert outcome(report, StepCode.RECIPIENT) is False
    assert reason in detail(report, StepCode.RECIPIENT)


def test_missing_required_fields_are_all_named() -> None:
    assertion = ob2.assertion_document(ASSERTION)
    del assertion["recipient"], assertion["issuedOn"]
    report = verify(our_web(assertion), url=ASSERTION.id)
    assert outcome(report, StepCode.STRUCTURE) is False
    assert "recipient, issuedOn" in detail(report, StepCode.STRUCTURE)
    assert outcome(report, StepCode.DATES) is False


def test_dates_without_timezone_fail_the_structure_step() -> None:
    assertion = ob2.assertion_document(ASSERTION)
    assertion["issuedOn"] = "2024-05-01T10:00:00"
    report = verify(our_web(assertion), url=ASSERTION.id)
    assert outcome(report, StepCode.STRUCTURE) is False
    assert "no timezone" in detail(report, StepCode.STRUCTURE)


def test_signed_verification_type_is_not_accepted_as_hosted() -> None:
    assertion = ob2.assertion_document(ASSERTION)
    assertion["verification"] = {"type": "SignedBadge", "creator": "https://x.example/key"}
    report = verify(our_web(assertion), url=ASSERTION.id)
    assert outcome(report, StepCode.STRUCTURE) is False


def test_data_uri_assertion_image_fails_the_structure_step() -> None:
    assertion = ob2.assertion_document(ASSERTION)
    assertion["image"] = "data:image/png;base64,AAAA"
    report = verify(our_web(assertion), url=ASSERTION.id)
    assert "data URI" in detail(report, StepCode.STRUCTURE)


def test_badge_class_missing_fields_fails_its_step() -> None:
    web = our_web()
    badge = ob2.badge_class_document(BADGE)
    del badge["name"], badge["criteria"]
    web.json(BADGE.id, badge)
    report = verify(web, url=ASSERTION.id)
    assert outcome(report, StepCode.BADGE_CLASS) is False
    assert "name, criteria" in detail(report, StepCode.BADGE_CLASS)


def test_issuer_missing_email_or_with_the_wrong_type_fails_its_step() -> None:
    web = our_web()
    issuer = ob2.issuer_document(ISSUER)
    del issuer["email"]
    issuer["type"] = "Criteria"
    web.json(ISSUER.id, issuer)
    report = verify(web, url=ASSERTION.id)
    assert outcome(report, StepCode.ISSUER) is False
    assert "email" in detail(report, StepCode.ISSUER)
    assert "Issuer or Profile" in detail(report, StepCode.ISSUER)


def test_unreachable_badge_class_fails_and_later_issuer_checks_are_skipped() -> None:
    web = our_web()
    del web.responses[BADGE.id]
    report = verify(web, url=ASSERTION.id)
    assert outcome(report, StepCode.BADGE_CLASS) is False
    assert outcome(report, StepCode.ISSUER) is None
    assert outcome(report, StepCode.ISSUER_BINDING) is None


# --- transport failures never raise ---


def test_malformed_json_fails_the_fetch_step() -> None:
    web = FakeWeb()
    web.raw(ASSERTION.id, b"{not json", content_type="application/json")
    report = verify(web, url=ASSERTION.id)
    assert not report.valid
    assert outcome(report, StepCode.FETCH_ASSERTION) is False
    assert "not a JSON object" in detail(report, StepCode.FETCH_ASSERTION)


def test_json_that_is_not_an_object_fails_the_fetch_step() -> None:
    web = FakeWeb()
    web.json(ASSERTION.id, ["an", "array"])
    report = verify(web, url=ASSERTION.id)
    assert "not a JSON object" in detail(report, StepCode.FETCH_ASSERTION)


def test_http_error_fails_the_fetch_step() -> None:
    report = verify(FakeWeb(), url=ASSERTION.id)
    assert not report.valid
    assert "HTTP 404" in detail(report, StepCode.FETCH_ASSERTION)


def test_transport_exception_becomes_a_failed_step() -> None:
    def broken(url: str) -> FetchResult:
        raise TimeoutError("timed out after 5 s")

    report = verify_hosted_assertion(ASSERTION.id, fetch=broken, now=NOW)
    assert not report.valid
    assert "timed out" in detail(report, StepCode.FETCH_ASSERTION)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone"):
        verify_hosted_assertion(ASSERTION.id, fetch=FakeWeb(), now=datetime(2024, 1, 1))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "@context",
        "id",
        "type",
        "recipient",
        "badge",
        "verification",
        "issuedOn",
        "expires",
        "revoked",
        "image",
        "issuer",
        "revocationList",
        "revokedAssertions",
        "name",
        "email",
    ]
)


@settings(max_examples=200)
@given(
    st.dictionaries(FIELDS, JSON_VALUES, max_size=10),
    st.dictionaries(FIELDS, JSON_VALUES, max_size=10),
)
def test_hostile_documents_never_raise(
    assertion: dict[str, object], other: dict[str, object]
) -> None:
    web = FakeWeb()
    assertion.setdefault("badge", "https://x.example/b")
    web.json(ASSERTION.id, assertion)
    for url in ("https://x.example/b", str(other.get("issuer")), str(other.get("revocationList"))):
        web.json(url, other)
    report = verify(web, url=ASSERTION.id, recipient_email="ada@example.org")
    assert report.steps
    assert isinstance(report.valid, bool)

"""Hypothesis strategies for realistic Open Badges 3.0 `OpenBadgeCredential` documents.

A `plan` fixes the document's shape (which optional fields exist, how many alignments or
evidence items); `credential(plan)` fills it with values. Drawing two credentials from one plan
gives two documents of (usually) the same shape, which is what a badge template produces and what
the fast path's cache is for.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

# Any Unicode except lone surrogates (not encodable, so never in a real JSON document): emoji,
# quotes, backslashes, newlines, tabs and other control characters included.
_CHARS = st.characters(exclude_categories=("Cs",))
TEXT = st.text(_CHARS, min_size=0, max_size=30)
NAME = st.one_of(
    TEXT,
    st.sampled_from(['Team "work"', "a\\b", "line\nbreak", "tab\there", "🏅 Gold", "Ünïcödé"]),
)
LONG_TEXT = st.text(_CHARS, min_size=0, max_size=1500)
HOSTS = st.sampled_from(["example.com", "badges.example.org", "xn--bcher-kva.example"])


@st.composite
def iri(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    number = draw(st.integers(0, 10**12))
    if kind == 0:
        return f"https://{draw(HOSTS)}/items/{number}"
    if kind == 1:
        return f"urn:uuid:{draw(st.uuids())}"
    if kind == 2:
        return f"did:example:{number:x}"
    return f"https://{draw(HOSTS)}/p?q={number}&l=é#frag"


DATES = st.datetimes(
    min_value=__import__("datetime").datetime(1990, 1, 1),
    max_value=__import__("datetime").datetime(2090, 1, 1),
).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    names = [
        "extensions",
        "name",
        "description",
        "valid_until",
        "subject_id",
        "issuer_name",
        "issuer_url",
        "issuer_email",
        "issuer_image",
        "achievement_image",
        "achievement_type",
        "criteria_id",
        "criteria_narrative",
        "status",
        "credits",
        "human_code",
        "image_caption",
    ]
    plan: dict[str, Any] = {name: draw(st.booleans()) for name in names}
    plan["alignments"] = draw(st.integers(0, 5))
    plan["alignment_optional"] = draw(st.lists(st.booleans(), min_size=5, max_size=5))
    plan["tags"] = draw(st.integers(0, 4))
    plan["evidence"] = draw(st.integers(0, 3))
    plan["evidence_id"] = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    plan["credential_type"] = draw(
        st.sampled_from(["OpenBadgeCredential", "AchievementCredential"])
    )
    return plan


def _image(draw: st.DrawFn, caption: bool) -> dict[str, Any]:
    image: dict[str, Any] = {"id": draw(iri()), "type": "Image"}
    if caption:
        image["caption"] = draw(NAME)
    return image


@st.composite
def credential(draw: st.DrawFn, plan: dict[str, Any]) -> dict[str, Any]:
    contexts = [VC_V2, OB_303] + ([EXTENSIONS] if plan["extensions"] else [])
    issuer: dict[str, Any] = {"id": draw(iri()), "type": ["Profile"]}
    if plan["issuer_name"]:
        issuer["name"] = draw(NAME)
    if plan["issuer_url"]:
        issuer["url"] = draw(iri())
    if plan["issuer_email"]:
        issuer["email"] = draw(st.emails())
    if plan["issuer_image"]:
        issuer["image"] = _image(draw, plan["image_caption"])
    criteria: dict[str, Any] = {}
    if plan["criteria_id"]:
        criteria["id"] = draw(iri())
    if plan["criteria_narrative"] or not criteria:
        criteria["narrative"] = draw(LONG_TEXT)
    achievement: dict[str, Any] = {
        "id": draw(iri()),
        "type": ["Achievement"],
        "name": draw(NAME),
        "description": draw(LONG_TEXT),
        "criteria": criteria,
    }
    if plan["achievement_image"]:
        achievement["image"] = _image(draw, plan["image_caption"])
    if plan["achievement_type"]:
        achievement["achievementType"] = draw(
            st.sampled_from(["Badge", "Certificate", "Course", "MicroCredential", "ext:Custom"])
        )
    if plan["human_code"]:
        achievement["humanCode"] = draw(NAME)
    if plan["credits"]:
        achievement["creditsAvailable"] = draw(
            st.one_of(st.integers(0, 400), st.floats(0, 400, allow_nan=False))
        )
    alignments = []
    for index in range(plan["alignments"]):
        alignment: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": draw(NAME),
            "targetUrl": draw(iri()),
        }
        if plan["alignment_optional"][index]:
            alignment["targetCode"] = draw(NAME)
            alignment["targetDescription"] = draw(TEXT)
            alignment["targetFramework"] = draw(NAME)
            alignment["targetType"] = draw(st.sampled_from(["CFItem", "CTDL", "ceasn:Competency"]))
        alignments.append(alignment)
    if alignments:
        achievement["alignment"] = alignments
    if plan["tags"]:
        achievement["tag"] = [draw(NAME) for _ in range(plan["tags"])]
    subject: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": achievement}
    if plan["subject_id"]:
        subject["id"] = draw(iri())
    else:
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": "sha256$" + draw(st.binary(min_size=32, max_size=32)).hex(),
                "identityType": "emailAddress",
                "salt": draw(TEXT),
            }
        ]
    document: dict[str, Any] = {
        "@context": contexts,
        "id": draw(iri()),
        "type": ["VerifiableCredential", plan["credential_type"]],
        "issuer": issuer,
        "validFrom": draw(DATES),
        "credentialSubject": subject,
    }
    if plan["name"]:
        document["name"] = draw(NAME)
    if plan["description"]:
        document["description"] = draw(LONG_TEXT)
    if plan["valid_until"]:
        document["validUntil"] = draw(DATES)
    evidence = []
    for index in range(plan["evidence"]):
        item: dict[str, Any] = {"type": ["Evidence"], "name": draw(NAME)}
        if plan["evidence_id"][index]:
            item["id"] = draw(iri())
        item["description"] = draw(LONG_TEXT)
        item["genre"] = draw(TEXT)
        item["audience"] = draw(TEXT)
        evidence.append(item)
    if evidence:
        document["evidence"] = evidence
    if plan["extensions"]:
        document["credentialSchema"] = [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}]
    if plan["status"]:
        list_url = draw(iri())
        index = draw(st.integers(0, 131071))
        document["credentialStatus"] = {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
    return document

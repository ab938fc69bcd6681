"""Open Badges 2.0 documents for our rows: Award → Assertion, BadgeTemplate → BadgeClass,
Issuer → Profile, plus the issuer's RevocationList.

This module only maps rows onto the dataclasses of ``insignia.openbadges.ob2`` and serialises
them with ``ob2.dumps``; the document rules live in that library. Every IRI is absolute and built
from ``settings.SITE_URL``, so a document names the same URLs whichever host or proxy served it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache

from insignia.awards.models import Award
from insignia.badges.models import Alignment, BadgeTemplate
from insignia.issuers.models import Issuer
from insignia.openbadges import ob2
from insignia.verification import selectors
from insignia.verification.selectors import TemplateRef

# --- URLs -------------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def badge_url(public_id: str) -> str:
    return absolute(f"/badges/{public_id}")


def badge_image_url(public_id: str, image_kind: str) -> str:
    return absolute(f"/badges/{public_id}/image.{image_kind}")


def template_url(public_id: str) -> str:
    return absolute(f"/templates/{public_id}")


def template_image_url(template: BadgeTemplate) -> str:
    return absolute(f"/templates/{template.public_id}/image.{template.image_kind}")


def issuer_url(public_id: str) -> str:
    return absolute(f"/issuers/{public_id}")


def revocation_list_url(issuer_public_id: str) -> str:
    return absolute(f"/issuers/{issuer_public_id}/revocations")


def media_url(url: str) -> str:
    """A storage URL made absolute (file storage gives a path; object storage a full URL)."""
    return url if url.startswith(("http://", "https://")) else absolute(url)


# --- rows → dataclasses -----------------------------------------------------------------------


def issuer_profile(issuer: Issuer) -> ob2.IssuerProfile:
    return ob2.IssuerProfile(
        id=issuer_url(issuer.public_id),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description or None,
        image=media_url(issuer.logo.url) if issuer.logo else None,
        revocation_list=revocation_list_url(issuer.public_id),
    )


def badge_class(
    template: BadgeTemplate,
    *,
    issuer_public_id: str,
    skills: Sequence[str],
    alignments: Sequence[Alignment],
) -> ob2.BadgeClass:
    return ob2.BadgeClass(
        id=template_url(template.public_id),
        name=template.name,
        description=template.description,
        image=template_image_url(template),
        issuer_id=issuer_url(issuer_public_id),
        criteria_url=template.criteria_url or None,
        criteria_narrative=template.criteria_markdown or None,
        alignments=tuple(
            ob2.Alignment(
                target_name=a.target_name,
                target_url=a.target_url,
                target_description=a.target_description or None,
                target_framework=a.target_framework or None,
                target_code=a.target_code or None,
            )
            for a in alignments
        ),
        tags=tuple(skills),
    )


def assertion(award: Award, template: TemplateRef) -> ob2.Assertion:
    return ob2.Assertion(
        id=badge_url(award.public_id),
        badge_id=template_url(template.public_id),
        # Emails are stored normalised (lower-case), which is what a verifier will hash too.
        recipient_identity=ob2.identity_hash(award.recipient_email, award.salt),
        recipient_salt=award.salt,
        issued_on=award.issued_on,
        expires=award.expires_at,
        image=badge_image_url(award.public_id, template.image_kind),
        evidence=tuple(
            ob2.Evidence(
                id=item.get("url") or None,
                name=item.get("name") or None,
                narrative=item.get("narrative") or None,
            )
            for item in award.evidence
            if item.get("url") or item.get("narrative")
        ),
        narrative=award.narrative or None,
    )


def revocation_list(issuer: Issuer, revoked: Iterable[tuple[str, str]]) -> ob2.RevocationList:
    return ob2.RevocationList(
        id=revocation_list_url(issuer.public_id),
        issuer_id=issuer_url(issuer.public_id),
        revoked=[(badge_url(public_id), reason or None) for public_id, reason in revoked],
    )


# --- serialised documents ---------------------------------------------------------------------
# The assertion is rendered on every request: building and dumping it costs microseconds, less
# than a round trip to a shared cache. The BadgeClass needs two extra queries (skills and
# alignments), so its bytes are cached; the key holds `updated_at`, which the template services
# bump in the same transaction that changes skills or alignments.


def assertion_json(award: Award, template: TemplateRef) -> bytes:
    return ob2.dumps(ob2.assertion_document(assertion(award, template)))


def revoked_assertion_json(award: Award) -> bytes:
    return ob2.dumps(
        ob2.revoked_assertion_document(badge_url(award.public_id), award.revocation_reason or None)
    )


def badge_class_json(template: BadgeTemplate) -> bytes:
    key = (
        f"ob2:badgeclass:{template.public_id}:{template.updated_at.timestamp()}:{settings.SITE_URL}"
    )
    cached: bytes | None = cache.get(key)
    if cached is not None:
        return cached
    document = ob2.badge_class_document(
        badge_class(
            template,
            issuer_public_id=template.issuer.public_id,
            skills=selectors.template_skill_names(template),
            alignments=selectors.template_alignments(template),
        )
    )
    body = ob2.dumps(document)
    cache.set(key, body, timeout=settings.INSIGNIA_PUBLIC_CACHE_SECONDS)
    return body


def issuer_json(issuer: Issuer) -> bytes:
    return ob2.dumps(ob2.issuer_document(issuer_profile(issuer)))


def revocation_list_json(issuer: Issuer) -> bytes:
    revoked = selectors.issuer_revocations(issuer)
    return ob2.dumps(ob2.revocation_list_document(revocation_list(issuer, revoked)))

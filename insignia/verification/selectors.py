"""Reads behind the public pages and hosted documents, and who may see what.

The hosted JSON path is one indexed query on the award (``public_id`` is unique) plus a memo of
its template's ids; everything a page needs beyond that is fetched only on the HTML path.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Max

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState, Status, Visibility
from insignia.awards.selectors import award_visible_to
from insignia.awards.tokens import token_matches
from insignia.badges.models import Alignment, BadgeTemplate, TemplateState
from insignia.core.ids import is_public_id
from insignia.issuers.models import Issuer
from insignia.issuers.permissions import Capability
from insignia.issuers.selectors import user_can

# --- lookups ----------------------------------------------------------------------------------


def award_by_public_id(public_id: str) -> Award | None:
    """The award with its template, for pages, images and checks."""
    if not is_public_id(public_id):
        return None
    try:
        return Award.objects.select_related("template").get(public_id=public_id)
    except Award.DoesNotExist:
        return None


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """The three template values an assertion depends on."""

    public_id: str
    image_kind: str
    updated_at: dt.datetime

    @classmethod
    def of(cls, template: BadgeTemplate) -> TemplateRef:
        return cls(template.public_id, template.image_kind, template.updated_at)


# The hosted-assertion path is the hottest in the product, and compiling the ORM query is most of
# its cost: joining the template to read three values costs more than the rest of the view. So
# the award is read alone (only the columns the document, the visibility check and the
# cache validators use) and the template's values come from a per-process memo. `public_id` never
# changes; `image_kind` and `updated_at` may lag by TEMPLATE_REF_SECONDS, less than the public
# cache lifetime CDNs are already allowed (INSIGNIA_PUBLIC_CACHE_SECONDS).
TEMPLATE_REF_SECONDS = 30
_template_refs: dict[int, tuple[float, TemplateRef]] = {}
_DOCUMENT_FIELDS = (
    "public_id", "recipient_email", "salt", "issued_on", "expires_at", "evidence", "narrative",
    "revoked_at", "revocation_reason", "updated_at", "state", "visibility", "earner_id",
    "issuer_id", "template_id",
)  # fmt: skip


def template_ref(template_id: int) -> TemplateRef:
    now = time.monotonic()
    hit = _template_refs.get(template_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    ref = TemplateRef(
        *BadgeTemplate.objects.values_list("public_id", "image_kind", "updated_at").get(
            pk=template_id
        )
    )
    _template_refs[template_id] = (now + TEMPLATE_REF_SECONDS, ref)
    return ref


def template_refs_forget() -> None:
    """Empty the memo (tests, where rolled-back primary keys are reused)."""
    _template_refs.clear()


def award_for_document(public_id: str) -> tuple[Award, TemplateRef] | None:
    """The award for its hosted JSON: one indexed query on the award alone."""
    if not is_public_id(public_id):
        return None
    try:
        award = Award.objects.only(*_DOCUMENT_FIELDS).get(public_id=public_id)
    except Award.DoesNotExist:
        return None
    return award, template_ref(award.template_id)


def template_by_public_id(public_id: str) -> BadgeTemplate | None:
    if not is_public_id(public_id):
        return None
    try:
        return BadgeTemplate.objects.select_related("issuer").get(public_id=public_id)
    except BadgeTemplate.DoesNotExist:
        return None


def issuer_by_public_id(public_id: str) -> Issuer | None:
    if not is_public_id(public_id):
        return None
    try:
        return Issuer.objects.get(public_id=public_id)
    except Issuer.DoesNotExist:
        return None


def template_skill_names(template: BadgeTemplate) -> list[str]:
    return list(template.skills.order_by("name").values_list("name", flat=True))


def template_alignments(template: BadgeTemplate) -> list[Alignment]:
    return list(template.alignments.all())


def issuer_revocations(issuer: Issuer) -> list[tuple[str, str]]:
    """(award public id, reason) of every revoked award of ``issuer``, oldest first."""
    return list(
        Award.objects.filter(issuer=issuer, revoked_at__isnull=False)
        .order_by("revoked_at", "id")
        .values_list("public_id", "revocation_reason")
    )


def issuer_revocations_changed_at(issuer: Issuer) -> dt.datetime:
    latest: dt.datetime | None = Award.objects.filter(
        issuer=issuer, revoked_at__isnull=False
    ).aggregate(latest=Max("updated_at"))["latest"]
    return max(latest, issuer.updated_at) if latest else issuer.updated_at


def issuer_public_templates(issuer: Issuer) -> list[BadgeTemplate]:
    return list(
        BadgeTemplate.objects.filter(issuer=issuer, state=TemplateState.ACTIVE).order_by("name")
    )


# --- visibility -------------------------------------------------------------------------------


Viewer = AbstractBaseUser | AnonymousUser


def award_is_visible(*, award: Award, user: Viewer) -> bool:
    """ARCHITECTURE §8: accepted public awards for all; the rest for the earner and staff.

    ``is_public`` is tested first so that the public path never evaluates the lazy
    ``request.user``: no session read, no ``Vary: Cookie``, and a CDN can keep the answer.
    """
    if award.is_public:
        return True
    return user.is_authenticated and award_visible_to(award=award, user=cast(User, user))


def template_is_visible(*, template: BadgeTemplate, user: Viewer) -> bool:
    """Active and archived templates are public (issued badges still point at them)."""
    if template.state != TemplateState.DRAFT:
        return True
    if not user.is_authenticated:
        return False
    staff = cast(User, user)
    return staff.is_superuser or user_can(
        user=staff, issuer=template.issuer, capability=Capability.VIEW
    )


def claim_token_valid(*, award: Award, raw_token: str, now: dt.datetime) -> bool:
    expires_at = award.claim_token_expires_at
    if expires_at is None or expires_at <= now:
        return False
    return token_matches(raw_token, award.claim_token_hash)


# --- what the pages show ----------------------------------------------------------------------


@dataclass(frozen=True)
class AwardPage:
    """Everything the badge page shows beyond the award row itself."""

    award: Award
    template: BadgeTemplate
    issuer: Issuer
    status: Status
    skills: list[str]
    alignments: list[Alignment]
    is_public: bool
    is_pending: bool
    is_private: bool

    @property
    def evidence(self) -> list[dict[str, str]]:
        return [item for item in self.award.evidence if item.get("url") or item.get("narrative")]


def award_page(award: Award, *, now: dt.datetime) -> AwardPage:
    template = award.template
    issuer = Issuer.objects.get(pk=award.issuer_id)
    return AwardPage(
        award=award,
        template=template,
        issuer=issuer,
        status=award.status(now),
        skills=template_skill_names(template),
        alignments=template_alignments(template),
        is_public=award.is_public,
        is_pending=award.state == AwardState.PENDING,
        is_private=award.visibility == Visibility.PRIVATE,
    )


def award_last_modified(award: Award, template: TemplateRef, *, now: dt.datetime) -> dt.datetime:
    """When what we serve for ``award`` last changed, including turning expired at expiry."""
    moments = [award.updated_at, template.updated_at]
    if award.expires_at is not None and award.expires_at <= now:
        moments.append(award.expires_at)
    return max(moments)

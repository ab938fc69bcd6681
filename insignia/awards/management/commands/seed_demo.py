"""``manage.py seed_demo``: a fictional issuer, templates, staff and awards to click through.

Idempotent: if the demo issuer exists, nothing is created and the logins are printed again.
All names are invented; the domain ``example.com`` is reserved for documentation.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from insignia.accounts.models import User
from insignia.awards.models import AwardSource
from insignia.awards.services import EvidenceInput, award_issue, award_revoke
from insignia.badges.models import AchievementType, DuplicatePolicy, ProgrammeStatus, TemplateState
from insignia.badges.services import (
    AlignmentInput,
    ImageUpload,
    TemplateInput,
    programme_create,
    template_create,
)
from insignia.core.audit import Actor
from insignia.issuers.models import Issuer, Membership, Role
from insignia.issuers.services import issuer_create

DEMO_ISSUER_SLUG = "contoso"
DEMO_PASSWORD = "insignia-demo"  # noqa: S105 - printed demo login
STAFF = {
    "owner@contoso.example": Role.OWNER,
    "issuer@contoso.example": Role.ISSUER,
    "viewer@contoso.example": Role.VIEWER,
}
EARNER_EMAIL = "sam.rivera@example.com"
OPERATOR_EMAIL = "operator@insignia.example"


def badge_png(label: str, sub: str, color: tuple[int, int, int]) -> bytes:
    """A 400×400 hexagonal badge with a code and a caption."""
    size = 400
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    centre, radius = size / 2, size / 2 - 8
    import math

    points = [
        (
            centre + radius * math.cos(math.radians(60 * i - 90)),
            centre + radius * math.sin(math.radians(60 * i - 90)),
        )
        for i in range(6)
    ]
    draw.polygon(points, fill=(*color, 255))
    inner = [(centre + (p[0] - centre) * 0.86, centre + (p[1] - centre) * 0.86) for p in points]
    draw.polygon(inner, outline=(255, 255, 255, 230), width=6)
    big = ImageFont.load_default(size=72)
    small = ImageFont.load_default(size=26)
    draw.text((centre, centre - 20), label, font=big, fill="white", anchor="mm")
    draw.text((centre, centre + 55), sub, font=small, fill="white", anchor="mm")
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


BADGE_SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">
  <polygon points="200,8 366,104 366,296 200,392 34,296 34,104" fill="#0f766e"/>
  <polygon points="200,35 343,117 343,283 200,365 57,283 57,117"
    fill="none" stroke="#fff" stroke-width="6"/>
  <g font-family="sans-serif" fill="#fff" text-anchor="middle">
    <text x="200" y="205" font-size="64" font-weight="700">SEC</text>
    <text x="200" y="255" font-size="24">SECURITY PILOT</text>
  </g>
</svg>
"""


class Command(BaseCommand):
    help = "Create demo data (Contoso Certification, badge templates, staff, awards). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        if Issuer.objects.filter(slug=DEMO_ISSUER_SLUG).exists():
            self.stdout.write("Demo data already present.")
        else:
            claim_url = self._seed()
            self.stdout.write(self.style.SUCCESS("Demo data created."))
            self.stdout.write(f"  Claim link for jo.chen@example.com (pending badge): {claim_url}")
        self._seed_job_market()
        self._print_logins()

    def _seed_job_market(self) -> None:
        # SAMPLE jobs and wages (fictional) for /jobs/ and /insights/; idempotent. The operator
        # reads the sample employers' applications.
        from insignia.insights.sample import load_sample_data

        reports = load_sample_data(staff_email=OPERATOR_EMAIL)
        self.stdout.write(
            "  Sample job market: "
            + "; ".join(f"{name} {report.summary()}" for name, report in reports.items())
        )

    @transaction.atomic
    def _seed(self) -> str:
        actor = Actor.system("seed_demo")
        operator = User.objects.create_superuser(
            OPERATOR_EMAIL, DEMO_PASSWORD, full_name="Site Operator"
        )
        users = {
            email: User.objects.create_user(
                email, DEMO_PASSWORD, full_name=email.split("@")[0].title()
            )
            for email in (*STAFF, EARNER_EMAIL)
        }
        users[EARNER_EMAIL].full_name = "Sam Rivera"
        users[EARNER_EMAIL].save(update_fields=["full_name"])
        from allauth.account.models import EmailAddress

        for user in [operator, *users.values()]:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

        issuer = issuer_create(
            actor=actor,
            name="Contoso Certification",
            slug=DEMO_ISSUER_SLUG,
            url="https://contoso.example",
            email="certification@contoso.example",
            description=(
                "Contoso's exam and certification programme for cloud professionals "
                "(fictional demo data)."
            ),
            linkedin_organization_id="1234567",
        )
        for email, role in STAFF.items():
            Membership.objects.create(issuer=issuer, user=users[email], role=role)

        today = timezone.now().date()
        cloud = programme_create(
            actor=actor,
            issuer=issuer,
            name="Cloud Certifications",
            effective_date=today - dt.timedelta(days=800),
            status=ProgrammeStatus.ACTIVE,
        )
        security = programme_create(
            actor=actor,
            issuer=issuer,
            name="Security Pilot",
            effective_date=today - dt.timedelta(days=10),
            status=ProgrammeStatus.PILOT,
            description="A pilot track; badges are issued to a first cohort.",
        )
        exam = template_create(
            actor=actor,
            issuer=issuer,
            state=TemplateState.ACTIVE,
            image=ImageUpload(badge_png("CX-900", "EXAM PASSED", (42, 79, 214)), "cx-900.png"),
            data=TemplateInput(
                name="Contoso Cloud Fundamentals (Exam CX-900)",
                slug="cx-900",
                description="Earners passed Exam CX-900, showing foundational knowledge of cloud "
                "services, "
                "pricing, security and compliance.",
                criteria_url="https://contoso.example/exams/cx-900",
                criteria_markdown="Pass **Exam CX-900** with a score of 700 or more.",
                skills=["Cloud Computing", "Cloud Security", "Cost Management"],
                achievement_type=AchievementType.ASSESSMENT,
                duplicate_policy=DuplicatePolicy.DENY,
                programme=cloud,
            ),
        )
        cert = template_create(
            actor=actor,
            issuer=issuer,
            state=TemplateState.ACTIVE,
            image=ImageUpload(badge_png("CX-104", "ADMINISTRATOR", (124, 58, 237)), "cx-104.png"),
            data=TemplateInput(
                name="Contoso Certified: Cloud Administrator Associate",
                slug="cloud-administrator-associate",
                description="Holders implement, manage and monitor cloud environments: identity, "
                "governance, "
                "storage, compute and virtual networks.",
                criteria_url="https://contoso.example/certifications/cloud-administrator",
                criteria_markdown=(
                    "Pass **Exam CX-104**. Renew every year with a free online assessment."
                ),
                skills=[
                    "Cloud Administration",
                    "Virtual Networking",
                    "Identity Management",
                    "Monitoring",
                ],
                alignments=[
                    AlignmentInput(
                        target_name="Network and Computer Systems Administrators",
                        target_url="https://www.onetonline.org/link/summary/15-1244.00",
                        target_framework="O*NET-SOC",
                        target_code="15-1244.00",
                    )
                ],
                achievement_type=AchievementType.CERTIFICATION,
                validity_days=365,
                duplicate_policy=DuplicatePolicy.REPLACE,
                programme=cloud,
                earn_again_url="https://contoso.example/certifications/cloud-administrator/renew",
            ),
        )
        template_create(
            actor=actor,
            issuer=issuer,
            state=TemplateState.ACTIVE,
            image=ImageUpload(BADGE_SVG, "security.svg"),
            data=TemplateInput(
                name="Contoso Security Operations (Pilot)",
                slug="security-operations-pilot",
                description="Pilot cohort badge for security operations analysts.",
                criteria_markdown="Complete the pilot labs and pass the practical assessment.",
                skills=["Threat Detection", "Incident Response"],
                achievement_type=AchievementType.BADGE,
                programme=security,
            ),
        )
        now = timezone.now()
        award_issue(
            actor=actor,
            template=exam,
            recipient_email=EARNER_EMAIL,
            recipient_name="Sam Rivera",
            issued_on=now - dt.timedelta(days=400),
            accepted=True,
            source=AwardSource.CLI,
            evidence=[
                EvidenceInput(
                    url="https://contoso.example/transcripts/sam-rivera", name="Exam transcript"
                )
            ],
        )
        award_issue(
            actor=actor,
            template=cert,
            recipient_email=EARNER_EMAIL,
            recipient_name="Sam Rivera",
            issued_on=now - dt.timedelta(days=30),
            accepted=True,
            source=AwardSource.CLI,
        )
        award_issue(
            actor=actor,
            template=cert,
            recipient_email="alex.morgan@example.com",
            recipient_name="Alex Morgan",
            issued_on=now - dt.timedelta(days=500),
            accepted=True,
            source=AwardSource.CLI,
        )  # expired: a year's validity, issued 500 days ago
        revoked = award_issue(
            actor=actor,
            template=exam,
            recipient_email="lee.park@example.com",
            recipient_name="Lee Park",
            issued_on=now - dt.timedelta(days=90),
            accepted=True,
            source=AwardSource.CLI,
        ).award
        award_revoke(
            actor=actor, award=revoked, reason="Exam result invalidated after a policy review."
        )
        pending = award_issue(
            actor=actor,
            template=exam,
            recipient_email="jo.chen@example.com",
            recipient_name="Jo Chen",
            source=AwardSource.CLI,
        )
        return f"{settings.SITE_URL}/claim/{pending.award.public_id}/{pending.claim_token}"

    def _print_logins(self) -> None:
        from insignia.notifications.backends import local_outbox_active

        site = settings.SITE_URL
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"  Site:            {site}/",
                    f"  Issuer UI:       {site}/manage/{DEMO_ISSUER_SLUG}/",
                    f"                   (owner@contoso.example / {DEMO_PASSWORD})",
                    "  Other staff:     issuer@contoso.example, viewer@contoso.example",
                    f"                   (same password: {DEMO_PASSWORD})",
                    f"  Earner:          {EARNER_EMAIL} / {DEMO_PASSWORD}",
                    f"  Django admin:    {site}/admin/   ({OPERATOR_EMAIL} / {DEMO_PASSWORD})",
                    "  Templates:       python manage.py templates",
                    *(
                        [f"  Mail (outbox):   {site}/_outbox/   (claim links open from here)"]
                        if local_outbox_active()
                        else []
                    ),
                    "",
                ]
            )
        )

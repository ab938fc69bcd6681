"""factory_boy factories for the domain. They build rows directly (no services), so tests of a
service are not testing it through itself; use services in tests that exercise behaviour."""

from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone

from insignia.accounts.models import User
from insignia.awards.models import Award, AwardState
from insignia.badges.models import BadgeTemplate, Programme, ProgrammeStatus, Skill, TemplateState
from insignia.issuers.models import Issuer, Membership, Role
from insignia.openbadges.ob2 import new_salt
from insignia.testing.images import png_bytes


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuer

    name = factory.Sequence(lambda n: f"Contoso Certification {n}")
    slug = factory.Sequence(lambda n: f"contoso-{n}")
    url = "https://contoso.example"
    email = "certs@contoso.example"
    description = "Certifications for cloud professionals."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    issuer = factory.SubFactory(IssuerFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ISSUER


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Skill {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    issuer = factory.SubFactory(IssuerFactory)
    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    effective_date = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=30))
    status = ProgrammeStatus.ACTIVE


class BadgeTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BadgeTemplate
        skip_postgeneration_save = True

    issuer = factory.SubFactory(IssuerFactory)
    name = factory.Sequence(lambda n: f"Azure Fundamentals {n}")
    slug = factory.Sequence(lambda n: f"az-900-{n}")
    description = "Passed the cloud fundamentals exam."
    image = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="badge.png"))
    image_kind = "png"
    criteria_url = "https://contoso.example/exams/az-900"
    criteria_markdown = "Pass the **AZ-900** exam with 700 points or more."
    state = TemplateState.ACTIVE

    @factory.post_generation
    def skills(self, create: bool, extracted: list[Skill] | None, **kwargs: object) -> None:
        if not create:
            return
        self.skills.set(
            extracted if extracted is not None else [SkillFactory(name="Cloud Computing")]
        )


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    template = factory.SubFactory(BadgeTemplateFactory)
    issuer = factory.LazyAttribute(lambda o: o.template.issuer)
    recipient_email = factory.Sequence(lambda n: f"earner{n}@example.com")
    recipient_name = factory.Faker("name")
    salt = factory.LazyFunction(new_salt)
    issued_on = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    state = AwardState.ACCEPTED

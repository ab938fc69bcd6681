"""Job-market data: skill synonyms and occupation mappings, employers, jobs, wages, applications.

The skill taxonomy itself is ``badges.Skill``; everything insights adds to a skill lives here,
keyed by it, so the badges app keeps its schema. ``JobSkill`` repeats a job's dates so the
recommendation query aggregates one indexed table and touches ``Job`` only for the top rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from insignia.accounts.models import User
from insignia.awards.models import Award
from insignia.badges.models import Skill
from insignia.core.models import BaseModel


class SkillSynonym(models.Model):
    """Another name for a skill ("k8s" for Kubernetes); ``key`` is its normalised form."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="synonyms")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.skill}"


class SkillOccupation(models.Model):
    """A skill maps to an occupation: O*NET-SOC code (``15-1244.00``) and its SOC 2018 prefix."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="occupations")
    code = models.CharField(max_length=10)
    soc_code = models.CharField(max_length=7, db_index=True)
    title = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["skill", "code"], name="uniq_skill_occupation")
        ]

    def __str__(self) -> str:
        return f"{self.skill} → {self.code}"


class Employer(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    url = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="employers/", blank=True)
    description = models.TextField(blank=True)
    staff: models.ManyToManyField[User, EmployerMembership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="EmployerMembership", related_name="employers"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmployerMembership(models.Model):
    """A user on an employer's staff may post jobs and read the applications sent to them."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employer", "user"], name="uniq_employer_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.employer}"


class SalaryPeriod(models.TextChoices):
    HOUR = "hour", _("per hour")
    DAY = "day", _("per day")
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")
    YEAR = "year", _("per year")


class JobSource(models.TextChoices):
    POSTED = "posted", _("Posted here")
    IMPORTED = "imported", _("Imported")


class Job(BaseModel):
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="jobs")
    title = models.CharField(_("title"), max_length=300)
    # Sanitised HTML (nh3) whatever the source: imported postings carry HTML, posted ones Markdown.
    description_html = models.TextField(blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=120, blank=True)
    remote = models.BooleanField(_("remote"), default=False)
    salary_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    salary_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    salary_currency = models.CharField(max_length=3, blank=True)
    salary_period = models.CharField(max_length=8, choices=SalaryPeriod.choices, blank=True)
    # The same range per year (documented factors in ``salaries.ANNUAL_FACTORS``), for the
    # salary floor filter and the posted-salary statistics.
    annual_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    annual_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    occupation_code = models.CharField(max_length=10, blank=True)
    occupation_text = models.CharField(max_length=300, blank=True)
    apply_url = models.URLField(_("apply URL"), max_length=500, blank=True)
    in_app_apply = models.BooleanField(_("apply here"), default=True)
    posted_at = models.DateTimeField(_("posted"))
    expires_at = models.DateTimeField(_("closes"), null=True, blank=True)
    source = models.CharField(max_length=16, choices=JobSource.choices, default=JobSource.POSTED)
    source_id = models.CharField(max_length=300, blank=True)
    skills: models.ManyToManyField[Skill, JobSkill] = models.ManyToManyField(
        Skill, through="JobSkill", related_name="jobs"
    )

    class Meta:
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="uniq_job_source_id",
            ),
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True)
                | Q(salary_max__isnull=True)
                | Q(salary_min__lte=models.F("salary_max")),
                name="job_salary_min_le_max",
            ),
        ]
        indexes = [
            models.Index(fields=["-posted_at"]),
            models.Index(fields=["annual_max"]),
            # the jobs that expired since the index's expired bitmap was last folded
            models.Index(fields=["expires_at"], name="job_expires_at"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.employer}"

    def get_absolute_url(self) -> str:
        return reverse("insights:job", args=[self.public_id])

    @property
    def location_label(self) -> str:
        place = ", ".join(p for p in (self.city, self.region, self.country) if p)
        if self.remote:
            return f"Remote · {place}" if place else "Remote"
        return place


class JobSkill(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="job_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="job_skills")
    required = models.BooleanField(default=True)
    # Copies of the job's dates: the ranking filters and aggregates this table alone.
    posted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "skill"], name="uniq_job_skill")]
        # Covering: the ranking and the demand figures read these columns only, so a popular
        # skill's 100k rows come from the index without a table lookup per row.
        indexes = [
            models.Index(
                fields=["skill", "expires_at", "job", "required", "posted_at"],
                name="jobskill_rank_cover",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.skill_id}"


class JobsVersion(models.Model):
    """One row: a token that changes whenever jobs, their skills or employers change.

    Cached insights (``insignia.insights.cache``) are keyed by it. It lives in the database, not
    the cache, so a bump commits or rolls back with the write that caused it.
    """

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token


class JobBitmap(models.Model):
    """One bitmap of job ids (bit n ↔ ``Job.id == n``): the jobs with a skill, of an employer,
    in a region, in a salary bucket… See ``insignia.insights.jobindex``, which alone writes it."""

    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=400)
    bits = models.BinaryField(default=bytes)
    count = models.PositiveIntegerField(default=0)  # set bits, expired jobs included
    as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="uniq_jobbitmap_kind_key")
        ]
        indexes = [models.Index(fields=["kind", "-count"], name="jobbitmap_kind_count")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class WageStat(models.Model):
    """One OEWS row: annual wage percentiles for an occupation in an area and year."""

    year = models.PositiveSmallIntegerField()
    area_title = models.CharField(max_length=200)
    area_type = models.CharField(max_length=20, blank=True)
    occ_code = models.CharField(max_length=7, db_index=True)
    occ_title = models.CharField(max_length=300)
    o_group = models.CharField(max_length=20, blank=True)
    tot_emp = models.PositiveIntegerField(null=True, blank=True)
    a_mean = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    a_pct10 = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    a_pct25 = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    a_median = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    a_pct75 = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    a_pct90 = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Columns marked "#" in the source: the value stored is the cap, the true wage is higher.
    top_coded = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=200, default="BLS OEWS")

    class Meta:
        ordering = ["occ_code", "area_title"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "area_title", "occ_code"], name="uniq_wage_year_area_occ"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occ_code} {self.area_title} {self.year}"


class Application(BaseModel):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_applications"
    )
    # A snapshot of what was sent: the employer sees what the earner saw when they applied.
    name = models.CharField(max_length=200)
    email = models.EmailField()
    headline = models.CharField(max_length=200, blank=True)
    profile_url = models.URLField(blank=True)
    message = models.TextField(blank=True)
    badges = models.ManyToManyField(Award, related_name="job_applications", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "applicant"], name="uniq_application_job_user")
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.job}"

"""Bulk imports an operator runs from the command line: JobPosting JSON-LD, OEWS wages, skills.

Every importer keeps going past a bad record: it reports ``(record, field, message)`` for each
problem, imports the good records, and re-importing the same file updates rows instead of
duplicating them (jobs by the source's identifier, wages by year + area + occupation, skills by
slug). Writes are batched (one query per batch, not per row): ARCHITECTURE §7.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import nh3
from django.db import connection, models, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from insignia.badges.models import Skill
from insignia.badges.services import skills_get_or_create
from insignia.insights import jobindex
from insignia.insights.matching import SkillMatcher, skill_key, split_skills
from insignia.insights.models import (
    Employer,
    Job,
    JobSkill,
    JobSource,
    SkillOccupation,
    SkillSynonym,
    WageStat,
)
from insignia.insights.salaries import (
    ISO_4217,
    annualise,
    normalise_occupation_code,
    normalise_period,
    soc_of,
)

BATCH = 500
# Descriptions keep formatting and links, nothing that runs or loads: same policy as
# ``core.markdown`` (nh3 allow-list, http(s)/mailto links with rel="nofollow noopener").
DESCRIPTION_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def sanitise_description(html: str) -> str:
    return nh3.clean(
        html,
        tags=DESCRIPTION_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        strip_comments=True,
    )


@dataclass(frozen=True)
class Problem:
    record: int | None  # 1-based record (jobs) or row (wages, skills); None: the whole file
    field: str
    message: str
    fatal: bool = True  # True: the record was skipped; False: imported with this noted
    unit: str = "record"

    def __str__(self) -> str:
        where = "file" if self.record is None else f"{self.unit} {self.record}"
        kind = "skipped" if self.fatal else "note"
        return f"{where} · {self.field or '-'} · {kind}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    unit: str = "record"  # "record" (JSON-LD) or "row" (spreadsheets, 1-based like the file)

    def note(self, record: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(record, field, message, fatal=False, unit=self.unit))

    def fail(self, record: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(record, field, message, fatal=True, unit=self.unit))

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.skipped} skipped, "
            f"{len(self.problems)} problem(s)"
        )


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing was imported."""


# --- JobPosting JSON-LD --------------------------------------------------------------------


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", "")
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values}


def job_postings_in(document: Any) -> list[Any]:
    """The postings in a document holding one JobPosting, an array, an ItemList or a @graph."""
    if isinstance(document, list):
        return (
            [p for item in document for p in job_postings_in(item)]
            if any(
                isinstance(i, dict) and ({"ItemList"} & _types(i) or "@graph" in i)
                for i in document
            )
            else document
        )
    if not isinstance(document, dict):
        return [document]
    if "@graph" in document:
        return job_postings_in(document["@graph"])
    if "ItemList" in _types(document):
        elements = document.get("itemListElement") or []
        elements = elements if isinstance(elements, list) else [elements]
        return [
            e.get("item", e) if isinstance(e, dict) and "ListItem" in _types(e) else e
            for e in elements
        ]
    return [document]


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name") or value.get("value") or value.get("@value") or ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _when(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parsed = parse_datetime(text)
    if parsed is None:
        day = parse_date(text[:10]) if len(text) >= 10 else None
        if day is None:
            raise ValueError(text)
        parsed = dt.datetime.combine(day, dt.time(0, 0))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        value = value.replace(",", "").strip()
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not amount.is_finite():
        raise ValueError(value)
    return amount


@dataclass
class _JobRow:
    index: int
    source_id: str
    employer_key: str
    fields: dict[str, Any]
    skills: list[int]


def _http_url(value: Any) -> str:
    text = _text(value)
    return text if re.match(r"^https?://", text, re.IGNORECASE) and len(text) <= 500 else ""


def _parse_salary(node: Any, row: int, report: ImportReport) -> dict[str, Any]:
    """baseSalary → salary fields; a bad salary is dropped (and reported), the job kept."""
    if not node:
        return {}
    node = _first(node)
    if not isinstance(node, dict):
        report.note(row, "baseSalary", "is not a MonetaryAmount; salary ignored.")
        return {}
    currency = _text(node.get("currency")).upper()
    if currency not in ISO_4217:
        report.note(
            row,
            "baseSalary.currency",
            f"{currency or '(missing)'!s} is not an ISO 4217 currency code; salary ignored.",
        )
        return {}
    value = node.get("value")
    unit = ""
    try:
        if isinstance(value, dict):
            unit = _text(value.get("unitText"))
            low = _money(value.get("minValue"))
            high = _money(value.get("maxValue"))
            exact = _money(value.get("value"))
            if low is None and high is None:
                low = high = exact
        else:
            low = high = _money(value)
    except ValueError as exc:
        report.note(row, "baseSalary.value", f"{exc.args[0]!r} is not a number; salary ignored.")
        return {}
    unit = unit or _text(node.get("unitText"))
    if low is None and high is None:
        report.note(row, "baseSalary.value", "has no amount; salary ignored.")
        return {}
    if (low is not None and low < 0) or (high is not None and high < 0):
        report.note(row, "baseSalary.value", "is negative; salary ignored.")
        return {}
    if low is not None and high is not None and low > high:
        report.note(
            row, "baseSalary.value", f"minValue {low} is above maxValue {high}; salary ignored."
        )
        return {}
    period = normalise_period(unit)
    if period is None:
        if unit:
            report.note(row, "baseSalary.unitText", f"unknown unit {unit!r}; salary ignored.")
            return {}
        report.note(row, "baseSalary.unitText", "missing; the amount is taken as per YEAR.")
        period = "year"
    return {
        "salary_min": low,
        "salary_max": high,
        "salary_currency": currency,
        "salary_period": period,
        "annual_min": annualise(low, period),
        "annual_max": annualise(high, period),
    }


def _parse_posting(
    node: Any,
    row: int,
    report: ImportReport,
    matcher: SkillMatcher,
    known_codes: set[str],
    now: dt.datetime,
) -> _JobRow | None:
    if not isinstance(node, dict):
        report.fail(row, "@type", "is not a JSON object.")
        return None
    if "@type" in node and "JobPosting" not in _types(node):
        report.fail(row, "@type", f"{node.get('@type')!r} is not a JobPosting.")
        return None
    title = _text(node.get("title"))
    if not title:
        report.fail(row, "title", "is missing; a job needs a title.")
        return None
    organisation = _first(node.get("hiringOrganization"))
    org_name = _text(organisation)
    if not org_name:
        report.fail(row, "hiringOrganization.name", "is missing; a job needs an employer.")
        return None
    org_url = (
        _http_url(_first(organisation.get("sameAs")) or organisation.get("url"))
        if isinstance(organisation, dict)
        else ""
    )
    try:
        posted = _when(node.get("datePosted")) or now
    except ValueError:
        report.note(row, "datePosted", "is not an ISO 8601 date; today is used.")
        posted = now
    try:
        expires = _when(node.get("validThrough"))
    except ValueError:
        report.note(row, "validThrough", "is not an ISO 8601 date; the job does not expire.")
        expires = None
    place = _first(node.get("jobLocation"))
    address = place.get("address") if isinstance(place, dict) else None
    address = _first(address)
    if not isinstance(address, dict):
        address = {"addressLocality": _text(address)} if address else {}
    location_types = node.get("jobLocationType") or []
    location_types = location_types if isinstance(location_types, list) else [location_types]
    remote = any(str(t).upper().endswith("TELECOMMUTE") for t in location_types)
    skills: list[int] = []
    for name in split_skills(node.get("skills")):
        skill_id = matcher.match(name)
        if skill_id is None:
            report.note(row, "skills", f"{name!r} matches no skill in the taxonomy.")
        elif skill_id not in skills:
            skills.append(skill_id)
    category = _text(_first(node.get("occupationalCategory")))
    code = normalise_occupation_code(category) if category else None
    if category and code is None:
        # "15-1244.00 Network and Computer Systems Administrators" or a bare title.
        code = normalise_occupation_code(category.split(" ", 1)[0])
    if category and (code is None or soc_of(code) not in known_codes):
        report.note(row, "occupationalCategory", f"{category!r} matches no known occupation.")
    identifier = node.get("identifier")
    source_id = _text(identifier.get("value") if isinstance(identifier, dict) else identifier)
    url = _http_url(node.get("url"))
    if source_id:
        source_id = f"{slugify(org_name)}:{source_id}"
    else:
        source_id = (
            url
            or "sha256:"
            + hashlib.sha256(f"{org_name}\n{title}\n{posted.isoformat()}".encode()).hexdigest()
        )
    fields: dict[str, Any] = {
        "title": title[:300],
        "description_html": sanitise_description(_text(node.get("description"))),
        "city": _text(address.get("addressLocality"))[:120],
        "region": _text(address.get("addressRegion"))[:120],
        "country": _text(address.get("addressCountry"))[:120],
        "remote": remote,
        "salary_min": None,
        "salary_max": None,
        "salary_currency": "",
        "salary_period": "",
        "annual_min": None,
        "annual_max": None,
        "occupation_code": code or "",
        "occupation_text": category[:300],
        "apply_url": url,
        "in_app_apply": not url,
        "posted_at": posted,
        "expires_at": expires,
    }
    fields.update(_parse_salary(node.get("baseSalary"), row, report))
    return _JobRow(row, source_id[:300], f"{org_name}\n{org_url}", fields, skills)


def import_jobs(data: bytes | str, *, now: dt.datetime | None = None) -> ImportReport:
    """Import JobPosting JSON-LD; see the module docstring for the rules."""
    report = ImportReport()
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"The file is not valid JSON: {exc}.") from exc
    now = now or timezone.now()
    matcher = SkillMatcher()
    known_codes = set(WageStat.objects.values_list("occ_code", flat=True).distinct()) | set(
        SkillOccupation.objects.values_list("soc_code", flat=True)
    )
    rows: list[_JobRow] = []
    for index, node in enumerate(job_postings_in(document), start=1):
        parsed = _parse_posting(node, index, report, matcher, known_codes, now)
        if parsed is None:
            report.skipped += 1
        else:
            rows.append(parsed)
    # A file may list a posting twice: the last one wins, as a re-import would.
    latest = {row.source_id: row for row in rows}
    unique_rows = list(latest.values())
    employers = _employers_for(unique_rows)
    for start in range(0, len(unique_rows), BATCH):
        _save_jobs(unique_rows[start : start + BATCH], employers, report)
    return report


def _employers_for(rows: Sequence[_JobRow]) -> dict[str, Employer]:
    """One employer per slug of ``hiringOrganization.name``; the first URL given fills a blank."""
    wanted: dict[str, tuple[str, str]] = {}
    for row in rows:
        name, url = row.employer_key.split("\n", 1)
        slug = slugify(name)[:80] or "employer"
        known_name, known_url = wanted.get(slug, (name, ""))
        wanted[slug] = (known_name, known_url or url)
    found = {e.slug: e for e in Employer.objects.filter(slug__in=wanted)}
    for slug, (name, url) in wanted.items():
        employer = found.get(slug)
        if employer is None:
            found[slug] = Employer.objects.create(name=name[:200], slug=slug, url=url)
        elif url and not employer.url:
            employer.url = url
            employer.save(update_fields=["url", "updated_at"])
    return {
        row.employer_key: found[slugify(row.employer_key.split("\n", 1)[0])[:80] or "employer"]
        for row in rows
    }


def _update_many(model: type[models.Model], objs: Sequence[models.Model], names: list[str]) -> None:
    """``UPDATE … WHERE id = %s`` with executemany. Django's ``bulk_update`` builds a CASE
    expression per column per row in Python, which made re-imports 8× slower than inserts."""
    fields = [f for f in (model._meta.get_field(name) for name in names) if isinstance(f, Field)]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    # Table and column names come from the model; every value is a parameter.
    sql = f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE id = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@transaction.atomic
def _save_jobs(
    rows: Sequence[_JobRow], employers: dict[str, Employer], report: ImportReport
) -> None:
    now = timezone.now()
    existing = {
        job.source_id: job
        for job in Job.objects.filter(
            source=JobSource.IMPORTED, source_id__in=[r.source_id for r in rows]
        )
    }
    before = jobindex.snapshot(job.pk for job in existing.values())
    new_jobs: list[Job] = []
    changed: list[Job] = []
    for row in rows:
        job = existing.get(row.source_id)
        if job is None:
            job = Job(source=JobSource.IMPORTED, source_id=row.source_id)
            new_jobs.append(job)
        else:
            changed.append(job)
        job.employer = employers[row.employer_key]
        job.updated_at = now  # bulk_update does not touch auto_now fields
        for name, value in row.fields.items():
            setattr(job, name, value)
    Job.objects.bulk_create(new_jobs)
    if changed:
        _update_many(Job, changed, ["employer", *rows[0].fields.keys(), "updated_at"])
        JobSkill.objects.filter(job__in=changed).delete()
    by_id = {job.source_id: job for job in [*new_jobs, *changed]}
    JobSkill.objects.bulk_create(
        [
            JobSkill(
                job=by_id[row.source_id],
                skill_id=skill_id,
                required=True,
                posted_at=row.fields["posted_at"],
                expires_at=row.fields["expires_at"],
            )
            for row in rows
            for skill_id in row.skills
        ]
    )
    jobindex.jobs_changed(before=before, job_ids=[job.pk for job in by_id.values()])
    report.created += len(new_jobs)
    report.updated += len(changed)


# --- OEWS wages ----------------------------------------------------------------------------

WAGE_COLUMNS = {
    "AREA_TITLE": "area_title",
    "OCC_CODE": "occ_code",
    "OCC_TITLE": "occ_title",
    "TOT_EMP": "tot_emp",
    "A_MEAN": "a_mean",
    "A_PCT10": "a_pct10",
    "A_PCT25": "a_pct25",
    "A_MEDIAN": "a_median",
    "A_PCT75": "a_pct75",
    "A_PCT90": "a_pct90",
}
OPTIONAL_WAGE_COLUMNS = {"AREA_TYPE": "area_type", "O_GROUP": "o_group"}
WAGE_FIELDS = ("a_mean", "a_pct10", "a_pct25", "a_median", "a_pct75", "a_pct90")
# OEWS publishes "#" for wages at or above its top code; the 2024–2025 tables cap annual
# wages at $239,200 (hourly $115.00).
OEWS_TOP_CODE = Decimal(239200)
_SOC_CODE = re.compile(r"^\d{2}-\d{4}$")


def _rows_of(path: Path) -> Iterator[list[Any]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
            raise ImportFileError(f"Cannot read {path.name} as XLSX: {exc}.") from exc
        try:
            yield from ([*row] for row in book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # BLS's own CSV exports are Windows-1252
    yield from csv.reader(io.StringIO(text, newline=""))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def import_wages(
    path: Path, *, year: int, source: str = "BLS OEWS", top_code: Decimal = OEWS_TOP_CODE
) -> ImportReport:
    report = ImportReport(unit="row")
    rows = enumerate(_rows_of(path), start=1)
    header: dict[str, int] = {}
    for _line, header_row in rows:
        names = [_cell(c).upper() for c in header_row]
        if "OCC_CODE" in names:
            header = {name: i for i, name in enumerate(names) if name}
            break
    if not header:
        raise ImportFileError("No header row with an OCC_CODE column was found.")
    missing = [c for c in WAGE_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            "Missing required column(s): " + ", ".join(missing) + ". Expected the OEWS layout "
            "(AREA_TITLE, OCC_CODE, OCC_TITLE, TOT_EMP, A_MEAN, A_PCT10 … A_PCT90)."
        )
    columns = {**WAGE_COLUMNS, **{k: v for k, v in OPTIONAL_WAGE_COLUMNS.items() if k in header}}
    parsed: dict[tuple[str, str], WageStat] = {}
    for line, raw in rows:
        values = {
            name: _cell(raw[header[col]]) if header[col] < len(raw) else ""
            for col, name in columns.items()
        }
        if not any(_cell(c) for c in raw):
            continue
        code = values["occ_code"]
        if not _SOC_CODE.match(code):
            filled = [v for v in (_cell(c) for c in raw) if v]
            if len(filled) <= 2:
                report.fail(line, "OCC_CODE", f"note or footer row skipped: {filled[0][:80]!r}")
            else:
                report.fail(line, "OCC_CODE", f"{code!r} is not a SOC code (like 15-1244).")
            report.skipped += 1
            continue
        if not values["area_title"] or not values["occ_title"]:
            field_name = "AREA_TITLE" if not values["area_title"] else "OCC_TITLE"
            report.fail(line, field_name, "is empty.")
            report.skipped += 1
            continue
        stat = WageStat(
            year=year,
            area_title=values["area_title"][:200],
            area_type=values.get("area_type", "")[:20],
            occ_code=code,
            occ_title=values["occ_title"][:300],
            o_group=values.get("o_group", "")[:20],
            source=source[:200],
        )
        top: list[str] = []
        for name in ("tot_emp", *WAGE_FIELDS):
            text = values[name]
            if text in {"*", "**", ""}:
                continue  # not available (OEWS: "*" wage, "**" employment)
            if text == "#":
                if name == "tot_emp":
                    report.note(line, name.upper(), "'#' is not valid for employment; left empty.")
                    continue
                setattr(stat, name, top_code)
                top.append(name)
                continue
            try:
                number = Decimal(text.replace(",", "").replace("$", ""))
            except InvalidOperation:
                report.note(line, name.upper(), f"{text!r} is not a number; left empty.")
                continue
            if number < 0:
                report.note(line, name.upper(), f"{text!r} is negative; left empty.")
                continue
            setattr(stat, name, int(number) if name == "tot_emp" else number)
        stat.top_coded = top
        parsed[(stat.area_title, code)] = stat
    _save_wages(list(parsed.values()), year, report)
    return report


@transaction.atomic
def _save_wages(stats: list[WageStat], year: int, report: ImportReport) -> None:
    existing = {
        (w.area_title, w.occ_code): w.pk
        for w in WageStat.objects.filter(year=year).only("pk", "area_title", "occ_code")
    }
    updates = []
    for stat in stats:
        pk = existing.get((stat.area_title, stat.occ_code))
        if pk is not None:
            stat.pk = pk
            updates.append(stat)
    creates = [s for s in stats if s.pk is None]
    WageStat.objects.bulk_create(creates, batch_size=BATCH)
    WageStat.objects.bulk_update(
        updates,
        ["area_type", "occ_title", "o_group", "tot_emp", *WAGE_FIELDS, "top_coded", "source"],
        batch_size=BATCH,
    )
    report.created += len(creates)
    report.updated += len(updates)


# --- Skill taxonomy CSV ---------------------------------------------------------------------

SKILL_COLUMNS = ("name", "slug", "description", "synonyms", "occupations")


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", value) if part.strip()]


@transaction.atomic
def import_skills(text: str) -> ImportReport:
    """CSV with ``name`` and optional ``slug``, ``description``, ``synonyms`` and
    ``occupations`` (both separated by ``;`` or ``|``; an occupation may carry a title after
    ``=``, e.g. ``15-1244.00=Network and Computer Systems Administrators``)."""
    report = ImportReport(unit="row")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    if "name" not in fields:
        raise ImportFileError(
            "The CSV needs a 'name' column (optional: " + ", ".join(SKILL_COLUMNS[1:]) + ")."
        )
    for line, raw in enumerate(reader, start=2):
        row = {key: (raw.get(original) or "").strip() for key, original in fields.items()}
        name = row.get("name", "")
        if not name:
            report.fail(line, "name", "is empty.")
            report.skipped += 1
            continue
        slug = slugify(row.get("slug") or name)[:140]
        if not slug:
            report.fail(line, "name", f"{name!r} has no letters or digits for a slug.")
            report.skipped += 1
            continue
        skill = Skill.objects.filter(slug=slug).first()
        if skill is None:
            clash = Skill.objects.filter(name__iexact=name).first()
            if clash is not None:
                skill = clash
        if skill is None:
            skill = skills_get_or_create(names=[name])[0]
            if skill.slug != slug:
                skill.slug = slug
                skill.save(update_fields=["slug"])
            report.created += 1
        else:
            report.updated += 1
        if row.get("description") and skill.description != row["description"]:
            skill.description = row["description"]
            skill.save(update_fields=["description"])
        for synonym in _split_list(row.get("synonyms", "")):
            key = skill_key(synonym)
            other = SkillSynonym.objects.filter(key=key).exclude(skill=skill).first()
            if other is not None:
                report.note(line, "synonyms", f"{synonym!r} already names {other.skill.name}.")
                continue
            if key:
                SkillSynonym.objects.update_or_create(
                    key=key, defaults={"skill": skill, "name": synonym[:200]}
                )
        for entry in _split_list(row.get("occupations", "")):
            code_text, _sep, title = entry.partition("=")
            code = normalise_occupation_code(code_text)
            if code is None:
                report.note(line, "occupations", f"{code_text!r} is not a SOC / O*NET-SOC code.")
                continue
            SkillOccupation.objects.update_or_create(
                skill=skill,
                code=code,
                defaults={"soc_code": soc_of(code), "title": title.strip()[:300]},
            )
    return report


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

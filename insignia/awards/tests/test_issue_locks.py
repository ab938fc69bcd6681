"""Per-(template, recipient) issue locks: same person serialised, other people in parallel.

The concurrency tests need PostgreSQL (SQLite serialises every writing transaction with
BEGIN IMMEDIATE, so there is nothing to contend). No timing assertions: a transaction is
held open with an event, and "waits on the lock" is read from pg_stat_activity.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from insignia.awards.bulk import BulkAwardInput, awards_issue_bulk
from insignia.awards.locks import lock_pairs, pair_lock_key
from insignia.awards.models import Award
from insignia.awards.services import award_issue
from insignia.badges.models import DuplicatePolicy
from insignia.core.audit import Actor
from insignia.core.errors import ServiceError
from insignia.core.models import AuditEvent
from insignia.testing.factories import BadgeTemplateFactory

SYSTEM = Actor.system("test")
# Generous: only reached when something that should not block does.
GUARD = 60


def test_pair_lock_key_is_stable_and_signed_64_bit():
    # Stable across processes and releases: two workers must derive the same key.
    assert pair_lock_key(1, "ann@example.com") == pair_lock_key(1, "ann@example.com")
    assert pair_lock_key(1, "ann@example.com") == 781066402351214859
    keys = {pair_lock_key(t, e) for t in (1, 2) for e in ("ann@example.com", "bob@example.com")}
    assert len(keys) == 4
    assert all(-(2**63) <= k < 2**63 for k in keys)


@pytest.mark.django_db
def test_lock_pairs_takes_nothing_for_no_pairs_and_works_in_a_transaction():
    with transaction.atomic():
        lock_pairs([])
        lock_pairs([(1, "ann@example.com"), (1, "ann@example.com"), (2, "bob@example.com")])


# --- PostgreSQL concurrency -------------------------------------------------------------------


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row and advisory locks are only contended on PostgreSQL")


def _issue(template: Any, email: str, **kwargs: Any) -> Any:
    return award_issue(
        actor=SYSTEM, template=template, recipient_email=email, recipient_name="A B", **kwargs
    )


class Held:
    """Run ``work`` in a thread inside a transaction that stays open until ``release()``."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work
        self.ready = threading.Event()
        self.go = threading.Event()
        self.errors: list[BaseException] = []
        self.pid: int | None = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.pid = cursor.fetchone()[0]
                self.work()
                self.ready.set()
                assert self.go.wait(GUARD), "never released"
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
            self.ready.set()
        finally:
            connection.close()

    def __enter__(self) -> Held:
        self.thread.start()
        assert self.ready.wait(GUARD)
        assert not self.errors, self.errors
        return self

    def release(self) -> None:
        self.go.set()
        self.thread.join(GUARD)

    def __exit__(self, *exc: Any) -> None:
        self.release()


class Background:
    """Run ``work`` in a thread (own connection, autocommit outside ``work``'s transaction)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work
        self.done = threading.Event()
        self.pid: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            close_old_connections()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started.set()
            self.result = self.work()
        except BaseException as exc:
            self.error = exc
        finally:
            self.started.set()
            self.done.set()
            connection.close()

    def start(self) -> Background:
        self.thread.start()
        assert self.started.wait(GUARD)
        return self

    def waiting_on_advisory_lock(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted "
                "AND locktype = 'advisory'",
                [self.pid],
            )
            return bool(cursor.fetchone()[0])

    def wait_until_blocked(self) -> None:
        """Block until the thread waits on an advisory lock (fails if it finishes instead)."""
        deadline = timezone.now() + dt.timedelta(seconds=GUARD)
        while not self.waiting_on_advisory_lock():
            assert not self.done.is_set(), f"finished without waiting: {self.error!r}"
            assert timezone.now() < deadline, "never blocked"
            self.done.wait(0.02)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_person_concurrently_under_deny_gets_exactly_one_award():
    _postgres_only()
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def issue() -> None:
        try:
            barrier.wait()
            _issue(template, "ada@example.com")
            outcomes.append("created")
        except ServiceError as exc:
            outcomes.append(exc.code or "error")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GUARD)
    assert sorted(outcomes) == ["created"] + ["duplicate"] * 7
    assert Award.objects.filter(recipient_email="ada@example.com").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_is_per_person_not_per_template():
    _postgres_only()
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    with Held(lambda: _issue(template, "ada@example.com")) as held:
        # Another recipient of the same template completes while Ada's issue is open…
        bob = Background(lambda: _issue(template, "bob@example.com")).start()
        assert bob.done.wait(GUARD), "a different recipient waited on Ada's lock"
        assert bob.error is None and bob.result.created
        # …while a second issue to Ada waits for the first to end.
        twin = Background(lambda: _issue(template, "ada@example.com")).start()
        twin.wait_until_blocked()
        held.release()
    assert not held.errors
    assert twin.done.wait(GUARD)
    assert isinstance(twin.error, ServiceError) and twin.error.code == "duplicate"
    assert Award.objects.filter(recipient_email="ada@example.com").count() == 1
    assert Award.objects.filter(recipient_email="bob@example.com").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_replace_under_concurrency_revokes_each_previous_award_exactly_once():
    _postgres_only()
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.REPLACE)
    first = _issue(template, "ada@example.com").award
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            barrier.wait()
            _issue(template, "ada@example.com")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GUARD)
    assert not errors
    awards = list(Award.objects.filter(recipient_email="ada@example.com"))
    assert len(awards) == 7
    live = [a for a in awards if a.revoked_at is None]
    assert len(live) == 1
    # Every other award was revoked once, each replaced by a later one: a chain, no fork.
    revoked = [a for a in awards if a.revoked_at is not None]
    assert all(a.replaced_by_id is not None for a in revoked)
    assert sorted(a.replaced_by_id for a in revoked) == sorted(
        a.pk for a in awards if a.pk != first.pk
    )
    for award in revoked:
        assert (
            AuditEvent.objects.filter(verb="award.revoked", object_id=award.public_id).count() == 1
        )


def _items(template: Any, emails: list[str]) -> list[BulkAwardInput]:
    issued = timezone.now() - dt.timedelta(days=1)
    return [
        BulkAwardInput(
            template_id=template.pk,
            recipient_email=email,
            recipient_name="A B",
            issued_on=issued,
            expires_at=None,
            idempotency_key=f"bulk:test:{email}",
        )
        for email in emails
    ]


def _bulk(template: Any, emails: list[str]) -> Any:
    return awards_issue_bulk(
        actor=SYSTEM, issuer=template.issuer, items=_items(template, emails), source="csv"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_chunks_of_one_template_for_different_people_run_concurrently():
    _postgres_only()
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    first = [f"a{i}@example.com" for i in range(50)]
    second = [f"b{i}@example.com" for i in range(50)]
    with Held(lambda: _bulk(template, first)) as held:
        other = Background(lambda: _bulk(template, second)).start()
        assert other.done.wait(GUARD), "the second chunk waited on the first"
        assert other.error is None and len(other.result.created) == 50
        # A single issue to someone in the open chunk waits for it, then sees its award.
        single = Background(lambda: _issue(template, "a7@example.com")).start()
        single.wait_until_blocked()
        held.release()
    assert not held.errors
    assert single.done.wait(GUARD)
    assert isinstance(single.error, ServiceError) and single.error.code == "duplicate"
    assert Award.objects.count() == 100
    assert AuditEvent.objects.filter(verb="award.issued").count() == 100


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_chunks_under_deny_give_each_person_one_award():
    _postgres_only()
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    emails = [f"p{i}@example.com" for i in range(40)]
    barrier = threading.Barrier(4)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(part: list[str]) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                # Distinct keys per run: only the duplicate policy can refuse the overlap.
                items = [
                    BulkAwardInput(**{**vars(i), "idempotency_key": f"{i.idempotency_key}:{n}"})
                    for n, i in enumerate(_items(template, part))
                ]
                results.append(
                    awards_issue_bulk(
                        actor=SYSTEM, issuer=template.issuer, items=items, source="csv"
                    )
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # Four chunks, each person in two of them, in different orders (a deadlock would show).
    parts = [emails[:30], emails[10:40], list(reversed(emails[:20])), emails[20:] + emails[:10]]
    threads = [threading.Thread(target=run, args=(p,)) for p in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GUARD)
    assert not errors
    assert Award.objects.count() == 40
    assert sorted(Award.objects.values_list("recipient_email", flat=True)) == sorted(emails)
    assert sum(len(r.created) for r in results) == 40
    assert sum(len(r.refused) for r in results) == sum(len(p) for p in parts) - 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunk_over_the_lock_budget_locks_its_template_instead(settings):
    # Bounded: past the budget a chunk takes one template lock, not a lock per person (the
    # server's lock table is shared and small); then issuers of that template wait for it.
    _postgres_only()
    settings.INSIGNIA_ISSUE_PAIR_LOCKS_MAX = 5
    template = BadgeTemplateFactory(duplicate_policy=DuplicatePolicy.DENY)
    other_template = BadgeTemplateFactory(issuer=template.issuer)
    emails = [f"p{i}@example.com" for i in range(20)]
    with Held(lambda: _bulk(template, emails)) as held:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s",
                [held.pid],
            )
            assert cursor.fetchone()[0] == 1
        elsewhere = Background(lambda: _issue(other_template, "zed@example.com")).start()
        assert elsewhere.done.wait(GUARD) and elsewhere.error is None
        single = Background(lambda: _issue(template, "zed@example.com")).start()
        single.wait_until_blocked()
        held.release()
    assert not held.errors
    assert single.done.wait(GUARD) and single.error is None and single.result.created
    assert Award.objects.filter(template=template).count() == 21

"""Per-(template, recipient) issue locks: the duplicate policy's guard against concurrency.

Two issuers of one template for *different* people never wait on each other; two issuers of
one template for the *same* person run one after the other, so the second sees the first's
award (committed) when it checks the duplicate policy.

PostgreSQL: transaction-scoped advisory locks (``pg_advisory_xact_lock``), released by commit
or rollback, keyed by a stable 64-bit hash of (template id, normalised email). A hash
collision between two pairs only makes them wait for each other; it never lets a duplicate
through. Every issuer first takes its templates' lock in *shared* mode, then its pairs' locks,
all in ascending key order (one statement each), so no two issuers can deadlock.

Bounded: each advisory lock held takes a slot in PostgreSQL's shared lock table, which holds
about ``max_locks_per_transaction × (max_connections + max_prepared_transactions)`` locks for
the whole server (6,400 by default) and, once full, fails *every* session's next lock with
"out of shared memory". A chunk with more pairs than ``pair_lock_budget()`` (a quarter of the
table unless ``INSIGNIA_ISSUE_PAIR_LOCKS_MAX`` says otherwise) therefore takes its templates'
lock *exclusively* instead, one slot per template: such chunks run one at a time per template
and single issues of that template wait for them, as before per-pair locks. With M workers
running chunks of N rows, size the server with ``max_locks_per_transaction`` so that
M × N stays well under the table (e.g. 256 for 1,000-row chunks and up to ~20 workers at 100
connections) and set ``INSIGNIA_ISSUE_PAIR_LOCKS_MAX`` ≥ N.

SQLite: nothing to do. Our settings open every transaction with ``BEGIN IMMEDIATE`` (see
``config/settings.py``), which takes the database's single write lock at BEGIN: writing
transactions never overlap, so a duplicate check and the insert after it cannot interleave
with another writer's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection

# Distinguishes our keys from any other advisory-lock user of the same database.
_NAMESPACE = b"insignia.award-pair\x00"


def pair_lock_key(template_id: int, email: str) -> int:
    """The advisory-lock key for (template, recipient): a signed 64-bit integer.

    ``email`` must already be normalised (as stored on the award): the same person must map
    to the same key however the address was typed.
    """
    digest = hashlib.blake2b(
        _NAMESPACE + f"{template_id}\x00{email}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def template_lock_key(template_id: int) -> int:
    digest = hashlib.blake2b(_NAMESPACE + f"template\x00{template_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


_budget: int | None = None


def pair_lock_budget() -> int:
    """Most pair locks one transaction may take before it locks whole templates instead."""
    configured = getattr(settings, "INSIGNIA_ISSUE_PAIR_LOCKS_MAX", None)
    if configured is not None:
        return int(configured)
    global _budget
    if _budget is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_locks_per_transaction')::int * ("
                "current_setting('max_connections')::int"
                " + current_setting('max_prepared_transactions')::int)"
            )
            _budget = max(1, cursor.fetchone()[0] // 4)
    return _budget


def lock_pairs(pairs: Iterable[tuple[int, str]]) -> None:
    """Hold the issue lock of every (template id, email) pair until the transaction ends.

    Call inside a transaction, before reading the pairs' templates and existing awards.
    """
    if connection.vendor != "postgresql":
        return
    wanted = set(pairs)
    if not wanted:
        return
    templates = sorted({template_lock_key(template_id) for template_id, _ in wanted})
    keys = sorted({pair_lock_key(template_id, email) for template_id, email in wanted})
    with connection.cursor() as cursor:
        if len(templates) == 1 and len(keys) == 1:
            # A single issue: both in one round trip (a SELECT list runs left to right).
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s)",
                [templates[0], keys[0]],
            )
            return
        if len(keys) > pair_lock_budget():
            _lock(cursor, "exclusive", templates)
            return
        _lock(cursor, "shared", templates)
        _lock(cursor, "exclusive", keys)


_ONE = {
    "exclusive": "SELECT pg_advisory_xact_lock(%s)",
    "shared": "SELECT pg_advisory_xact_lock_shared(%s)",
}
# ORDER BY: PostgreSQL evaluates a volatile output function after the sort, so the locks are
# taken in key order (the deadlock-free order) whatever the plan.
_MANY = {
    "exclusive": "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k",
    "shared": "SELECT pg_advisory_xact_lock_shared(k) FROM unnest(%s::bigint[]) AS k ORDER BY k",
}


def _lock(cursor: Any, mode: str, keys: list[int]) -> None:
    if len(keys) == 1:
        cursor.execute(_ONE[mode], [keys[0]])
    else:
        cursor.execute(_MANY[mode], [keys])

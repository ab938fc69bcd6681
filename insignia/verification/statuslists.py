"""Writes to revocation status lists: allocating an award's bit and setting it on revocation.

Race-freedom: allocation locks the issuer's newest list row (``select_for_update``: a row lock
on PostgreSQL; on SQLite every write transaction is ``BEGIN IMMEDIATE``, which serialises
writers) and bumps ``next_index`` with an ``F()`` update inside that lock, so two awards never
get the same bit. Two requests allocating for the same award collide on the award's one-to-one
row; the loser reads the winner's allocation. A full list is closed by creating the next one,
whose ``(issuer, sequence)`` is unique, so two creators cannot both succeed.

The signed list documents are built in ``credentials``; this module only changes bits.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from insignia.awards.models import Award
from insignia.openbadges import statuslist
from insignia.verification.models import StatusAllocation, StatusList

_ATTEMPTS = 5


def status_allocation_ensure(*, award: Award) -> StatusAllocation:
    """The award's status-list bit, allocated now if it has none (idempotent, race-free).

    An award that is already revoked (revoked before it had a bit) gets its bit set at once.
    """
    existing = _allocation(award)
    if existing is not None:
        return existing
    for _ in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                allocation = _allocate(award)
                if award.revoked_at is not None:
                    _set(allocation)
                return allocation
        except IntegrityError:
            # Another transaction allocated for this award, or opened the next list first.
            existing = _allocation(award)
            if existing is not None:
                return existing
    raise RuntimeError(f"could not allocate a status-list index for award {award.public_id}")


def status_revoke(*, award: Award) -> None:
    """Set the award's revocation bit. Call it inside the transaction that revokes the award
    (no savepoint of its own: the revoke is one unit, and a savepoint costs two statements)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("status_revoke must run inside the revoking transaction")
    found = StatusAllocation.objects.filter(award=award).values_list("status_list_id", "index")
    if not found:
        # status_allocation_ensure sets the bit of an award that is already revoked.
        status_allocation_ensure(award=award)
        return
    list_id, index = found[0]
    _set_bit(list_id, index)


def _allocation(award: Award) -> StatusAllocation | None:
    return StatusAllocation.objects.select_related("status_list").filter(award=award).first()


def _allocate(award: Award) -> StatusAllocation:
    current = (
        StatusList.objects.select_for_update()
        .filter(issuer_id=award.issuer_id)
        .order_by("-sequence")
        .first()
    )
    if current is None or current.is_full:
        current = StatusList.objects.create(
            issuer_id=award.issuer_id,
            sequence=current.sequence + 1 if current else 1,
            size=statuslist.MIN_ENTRIES,
            bits=bytes(statuslist.MIN_LENGTH_BYTES),
        )
    claimed = StatusList.objects.filter(pk=current.pk, next_index__lt=F("size")).update(
        next_index=F("next_index") + 1
    )
    if not claimed:
        raise IntegrityError(f"status list {current.public_id} filled up; retry on the next one")
    index = StatusList.objects.values_list("next_index", flat=True).get(pk=current.pk) - 1
    current.next_index = index + 1
    return StatusAllocation.objects.create(award=award, status_list=current, index=index)


def _set(allocation: StatusAllocation) -> None:
    _set_bit(allocation.status_list_id, allocation.index)


def _set_bit(list_id: int, index: int) -> None:
    # The row lock serialises concurrent revocations on one list (read-modify-write of bits).
    bits = bytearray(
        StatusList.objects.select_for_update().values_list("bits", flat=True).get(pk=list_id)
    )
    if statuslist.get_bit(bits, index):
        return
    statuslist.set_bit(bits, index)
    StatusList.objects.filter(pk=list_id).update(
        bits=bytes(bits), version=F("version") + 1, updated_at=timezone.now()
    )

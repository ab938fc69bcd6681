"""Insert many rows with PostgreSQL ``COPY`` (``bulk_create`` on other databases).

Why not ``bulk_create`` on PostgreSQL: with psycopg 3 and client-side binding (our default),
Django sends a bulk insert as ``UNNEST`` of one array per column, and psycopg quotes every
array element in Python (a regular expression per value). For a 1,000-award chunk that was
most of the chunk's time; ``COPY`` streams the rows with psycopg's C row formatter instead,
and values that need no preparation are handed over as they are.

No ``ON CONFLICT`` with ``COPY``: callers make sure the rows are new (see ``awards_issue_bulk``)
and otherwise get the ``IntegrityError`` as they would from ``bulk_create``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db import models as m
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

# Field classes (exactly these, not subclasses that may prepare values their own way) whose
# Python value psycopg adapts as Django's get_db_prep_save would leave it (str, int, bool,
# aware datetime, date, UUID, None): their values go to COPY as they are, skipping Django's
# per-value preparation (a third of a chunk's Python time).
_AS_IS: frozenset[type[Any]] = frozenset(
    {
        m.AutoField,
        m.BigAutoField,
        m.CharField,
        m.TextField,
        m.EmailField,
        m.SlugField,
        m.URLField,
        m.IntegerField,
        m.BigIntegerField,
        m.SmallIntegerField,
        m.PositiveIntegerField,
        m.PositiveSmallIntegerField,
        m.PositiveBigIntegerField,
        m.BooleanField,
        m.DateTimeField,
        m.DateField,
        m.UUIDField,
    }
)

Prepare = Callable[[Any], Any]


def copy_insert(objs: Sequence[Model], *, set_pks: bool = False) -> None:
    """Insert ``objs`` (all of one model, unsaved) in the current transaction.

    ``set_pks``: give every object its primary key (drawn from the table's sequence first, so
    nothing has to be read back). Auto-now fields and defaults are filled as ``save()`` would.
    """
    if not objs:
        return
    model = type(objs[0])
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=500)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk]
    if set_pks:
        for obj, value in zip(objs, _next_ids(connection, model, len(objs)), strict=True):
            obj.pk = value
        fields.insert(0, pk)
    # Per field: the attribute as it is, or through the field's pre_save (auto_now, files…)
    # and then its preparation.
    plan: list[tuple[Any, str, Prepare | None]] = []
    for f in fields:
        prepare = _preparer(f, connection)
        plan.append((f, f.attname, prepare) if not _auto_now(f) else (f, "", None))
    with _copy(connection, model, fields) as copy:
        for obj in objs:
            row = []
            for f, attname, prepare in plan:
                if not attname:
                    row.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
                elif prepare is None:
                    row.append(getattr(obj, attname))
                else:
                    row.append(prepare(getattr(obj, attname)))
            copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def copy_values(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert plain rows (values for the fields ``names``, in that order) into ``model``'s
    table, without building a model instance per row; other fields must have a database-side
    or no default (nothing is filled in). Meant for write-once tables (bulk job rows)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=500
        )
        return
    fields = [model._meta.get_field(name) for name in names]
    prepares = [_preparer(f, connection) for f in fields]
    with _copy(connection, model, fields) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if prepare is None else prepare(value)
                    for prepare, value in zip(prepares, row, strict=True)
                ]
            )


def _next_ids(connection: BaseDatabaseWrapper, model: type[Model], n: int) -> list[int]:
    meta = model._meta
    assert meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, n],
        )
        return [value for (value,) in cursor.fetchall()]


@contextlib.contextmanager
def _copy(
    connection: BaseDatabaseWrapper, model: type[Model], fields: Sequence[Any]
) -> Iterator[Any]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        yield copy


def _preparer(field: Any, connection: BaseDatabaseWrapper) -> Prepare | None:
    """None when the value goes to COPY as it is; else what turns it into a COPY value."""
    if isinstance(field, m.ForeignKey):
        if type(field) is m.ForeignKey and type(field.target_field) in _AS_IS:
            return None
    elif type(field) in _AS_IS:
        return None
    elif type(field) is m.JSONField:
        # COPY's text format hands the column type's input function text: a JSON document as
        # a string is all jsonb needs (no Jsonb wrapper object and dumper per value).
        encoder = field.encoder

        def dump(value: Any) -> Any:
            return None if value is None else json.dumps(value, cls=encoder)

        return dump
    return lambda value: field.get_db_prep_save(value, connection)


def _auto_now(field: Any) -> bool:
    return isinstance(field, m.DateField) and bool(field.auto_now or field.auto_now_add)

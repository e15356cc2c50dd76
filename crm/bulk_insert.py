"""Set-based inserts of many rows of plain values, without a model instance per row (imports, issue #24).

Django's ``bulk_create`` builds a model instance per row and prepares every field of it through the field's
methods (some 45 calls per customer): for 100,000 imported customers and their history rows that was most of
the commit's time. Here a caller gives the columns and rows of values already as the database stores them
(the service that owns the table computes them, with its own rules), and they are written:

- on PostgreSQL with ``COPY … FROM STDIN`` (text format), the ids taken first from the table's sequence in
  one query when the caller needs them;
- elsewhere (SQLite: embedded mode, tests) with ``executemany``, or a multi-row ``INSERT … RETURNING id``
  when the ids are needed.

The caller holds the transaction: a failure anywhere leaves nothing. Each statement is logged like any
other query (``connection.queries`` and the query-count assertions of the tests see a COPY as one query).
"""

from __future__ import annotations

import datetime
import io
import json
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import DateTimeField, JSONField, Model

# COPY's text format: a backslash, a tab, a newline or a carriage return inside a value is escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is Decimal or kind is float:
        return str(value)
    if isinstance(value, datetime.date):  # datetime included: ISO 8601 with its offset
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _log(sql: str, started: float) -> None:
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _json_columns(model: type[Model], columns: Sequence[str]) -> list[int]:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [index for index, name in enumerate(columns) if isinstance(fields[name], JSONField)]


def _datetime_columns(model: type[Model], columns: Sequence[str]) -> list[int]:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [index for index, name in enumerate(columns) if isinstance(fields[name], DateTimeField)]


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new ids of ``model``'s table, taken from its sequence (PostgreSQL only), in one query."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool = False
) -> list[int]:
    """Insert ``rows`` (tuples of values in the order of ``columns``, the fields' attnames, values as stored:
    text, numbers, aware datetimes, ids; a JSON field's value as Python data) into ``model``'s table. Returns
    the new ids in the order of the rows when ``returning_ids``, else []. No signal, no ``save()``, no
    default: every column the table needs is given by the caller."""
    if not rows:
        return []
    json_columns = _json_columns(model, columns)
    if json_columns:
        rows = [list(row) for row in rows]
        for row in rows:
            for index in json_columns:
                row[index] = None if row[index] is None else json.dumps(row[index])
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows, returning_ids=returning_ids)
    return _insert(model, columns, rows, returning_ids=returning_ids)


def _copy(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool
) -> list[int]:
    ids: list[int] = []
    if returning_ids:
        ids = reserve_ids(model, len(rows))
        columns = [model._meta.pk.attname, *columns]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    buffer = io.StringIO()
    write = buffer.write
    if returning_ids:
        for pk, row in zip(ids, rows, strict=True):
            write(f"{pk}\t" + "\t".join([_copy_text(value) for value in row]) + "\n")
    else:
        for row in rows:
            write("\t".join([_copy_text(value) for value in row]) + "\n")
    buffer.seek(0)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, buffer)  # the driver's cursor: Django's wrapper has no COPY
    _log(sql, started)
    return ids


def _max_parameters() -> int:
    """How many parameters one statement may carry: SQLite says its own limit (32,766 since 3.32; Django
    assumes 999, the old default, which would make a statement per 24 customers)."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return int(connection.features.max_query_params or 65535)


def _insert(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool
) -> list[int]:
    datetimes = _datetime_columns(model, columns)
    if datetimes:
        adapt = connection.ops.adapt_datetimefield_value
        rows = [list(row) for row in rows]
        for row in rows:
            for index in datetimes:
                row[index] = adapt(row[index])
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if not returning_ids:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {one}", rows)  # noqa: S608 - names only
            return []
        ids: list[int] = []
        per_statement = max(1, _max_parameters() // len(columns))
        pk = quote(model._meta.pk.column)
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(part))} RETURNING {pk}",  # noqa: S608
                [value for row in part for value in row],
            )
            ids.extend(row[0] for row in cursor.fetchall())
        return ids

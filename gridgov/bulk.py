"""Set-based writes for the demo seed and other bulk paths.

Django's ``bulk_update`` writes one ``CASE WHEN id = … THEN …`` per field and row, which it builds
as Python expressions: for the demo's ten thousand cases that is most of a minute of CPU before
PostgreSQL sees a statement. ``update_rows`` writes the same rows as one ``UPDATE … FROM (VALUES …)``
per batch, the values prepared by each field as Django would save them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from django.db import connection, connections

BATCH = 2000


def update_rows(model, objects: Iterable, fields: Sequence[str], *, batch_size: int = BATCH) -> int:
    """UPDATE ``fields`` of every object (by primary key) from its attributes; answers the rows written."""
    objects = list(objects)
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if not objects or not columns:
        return 0
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk
    names = [connection.ops.quote_name(f.column) for f in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    # The first row's placeholders carry each column's type; PostgreSQL gives the other rows the same.
    first_row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in [pk, *columns]) + ")"
    other_row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start:start + batch_size]
            params: list = []
            for obj in batch:
                params.append(obj.pk)
                params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns)
            values = ", ".join([first_row] + [other_row] * (len(batch) - 1))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v({connection.ops.quote_name(pk.column)}, {', '.join(names)}) "
                f"WHERE {table}.{connection.ops.quote_name(pk.column)} = v.{connection.ops.quote_name(pk.column)}",
                params,
            )
            written += cursor.rowcount
    return written


def insert_rows(model, objects: Iterable) -> list:
    """INSERT the objects by COPY, as ``bulk_create`` would (``auto_now`` and defaults applied, each
    object's ``pk`` set), without building an INSERT of thousands of placeholders for psycopg to
    parse: ids are reserved from the table's sequence first, so the caller can point other rows at
    them. No signals, as with ``bulk_create``. Answers the objects."""
    from django.contrib.gis.db.models import GeometryField
    from django.db.models import JSONField

    objects = list(objects)
    if not objects:
        return objects
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not getattr(f, "generated", False)]
    for obj in objects:  # a foreign key set to an object saved since takes its id now, as in bulk_create
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    missing = [obj for obj in objects if obj.pk is None]
    with connection.cursor() as cursor:
        if missing:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(missing)])
            for obj, (pk,) in zip(missing, cursor.fetchall()):
                obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        geometry = {i for i, f in enumerate(fields) if isinstance(f, GeometryField)}
        encoded = {i for i, f in enumerate(fields) if isinstance(f, JSONField)}  # a str there is JSON text to write
        db = connections[connection.alias]  # the connection itself, not the proxy looked up again for every value
        plain = {str, int, bool, type(None)}
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                row = []
                for i, field in enumerate(fields):
                    value = field.pre_save(obj, add=True)
                    if i in geometry:
                        row.append(None if value is None else value.hexewkb.decode())
                    elif i not in encoded and type(value) in plain or (type(value) is datetime and value.tzinfo is not None):
                        row.append(value)  # what get_db_prep_save would answer for these, without its calls
                    else:
                        row.append(field.get_db_prep_save(value, db))
                copy.write_row(row)
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias
    return objects

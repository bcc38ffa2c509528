"""Many rows of one model in one INSERT, for the rows every command writes in numbers: audit entries and
notifications (a timer runner's batch writes a hundred of each).

Django's ``bulk_create`` already sends one ``INSERT … SELECT * FROM UNNEST(…)`` on PostgreSQL, but it compiles
every value through the field machinery on the way (a third of a batch's insert time, measured in
``bench.timers``). Here each column is prepared once as one array: the field's own ``pre_save`` and
``get_db_prep_save`` (so ``auto_now_add``, JSON and foreign keys are written as Django writes them), and the
columns the database fills (the id, a ``db_default`` such as the transaction id) are read back onto the objects.
It sits in the lowest layer so that ``cases`` and ``notifications`` both use it; other databases get
``bulk_create``."""

from collections.abc import Sequence
from typing import TypeVar

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

M = TypeVar("M", bound=models.Model)


def rows_insert(objects: Sequence[M]) -> list[M]:
    """Insert unsaved ``objects`` (all of one model) in one statement; each gets its id and its database-filled
    columns, as from ``bulk_create``. RETURNING gives the rows back in the order of the arrays, as Django's own
    UNNEST insert relies on."""
    if not objects:
        return []
    model = type(objects[0])
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objects)
    meta = model._meta
    filled = [
        field for field in meta.concrete_fields if field.primary_key or field.db_default is not NOT_PROVIDED
    ]
    written = [field for field in meta.concrete_fields if field not in filled]
    arrays = [
        [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in objects]
        for field in written
    ]
    quote = connection.ops.quote_name
    types = [
        str(field.db_type(connection)).split("(")[0] for field in written
    ]  # varchar[], not varchar(40)[]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(str(field.column)) for field in written)}) "
        f"SELECT * FROM UNNEST({', '.join(f'%s::{db_type}[]' for db_type in types)}) "
        f"RETURNING {', '.join(quote(str(field.column)) for field in filled)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        returned = cursor.fetchall()
    for obj, values in zip(objects, returned, strict=True):
        for field, value in zip(filled, values, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objects)

"""Many rows in one INSERT, for the rows every command writes in numbers: audit entries and notifications (a
timer runner's batch writes a hundred of each; a command's batch, ``notifications.batch``, writes both kinds in
one statement).

Django's ``bulk_create`` already sends one ``INSERT … SELECT * FROM UNNEST(…)`` on PostgreSQL, but it compiles
every value through the field machinery on the way (a third of a batch's insert time, measured in
``bench.timers``). Here each column is prepared once as one array: the field's own ``pre_save`` and
``get_db_prep_save`` (so ``auto_now_add``, JSON and foreign keys are written as Django writes them), and the
columns the database fills (the id, a ``db_default`` such as the transaction id) are read back onto the objects.
It sits in the lowest layer so that ``cases`` and ``notifications`` both use it; other databases get
``bulk_create``."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class UnnestInsert:
    """One model's ``INSERT … SELECT * FROM UNNEST(…) RETURNING …`` with its arrays, and the columns it returns."""

    sql: str
    arrays: list[list[Any]]
    filled: list[models.Field]


def unnest_insert(objects: Sequence[models.Model]) -> UnnestInsert:
    """The PostgreSQL INSERT of ``objects`` (one model) from one array per column, to run or to put in a ``WITH``."""
    meta = type(objects[0])._meta
    # What the database fills (an auto id, a ``db_default``); a primary key that is a foreign key is written.
    filled = [field for field in meta.concrete_fields if field.db_returning]
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
        f"SELECT * FROM UNNEST({', '.join(f'%s::{db_type}[]' for db_type in types)})"
    )
    if filled:
        sql += f" RETURNING {', '.join(quote(str(field.column)) for field in filled)}"
    return UnnestInsert(sql, arrays, filled)


def filled_in(
    objects: Sequence[models.Model], filled: list[models.Field], returned: Sequence[Sequence]
) -> None:
    for obj, values in zip(objects, returned, strict=True):
        for field, value in zip(filled, values, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = connection.alias


def rows_insert(objects: Sequence[M]) -> list[M]:
    """Insert unsaved ``objects`` (all of one model) in one statement; each gets its id and its database-filled
    columns, as from ``bulk_create``. RETURNING gives the rows back in the order of the arrays, as Django's own
    UNNEST insert relies on."""
    if not objects:
        return []
    if connection.vendor != "postgresql":
        return type(objects[0])._default_manager.bulk_create(objects)
    insert = unnest_insert(objects)
    with connection.cursor() as cursor:
        cursor.execute(insert.sql, insert.arrays)
        returned = cursor.fetchall() if insert.filled else [()] * len(objects)
    filled_in(objects, insert.filled, returned)
    return list(objects)


def rows_insert_all(objects: Sequence[models.Model], statements: Sequence[tuple[str, Sequence]] = ()) -> None:
    """Insert unsaved ``objects`` of several models, and run ``statements`` (INSERT / UPDATE / DELETE with their
    parameters, touching rows nothing else here touches), in one statement on PostgreSQL: each model's UNNEST
    insert and each statement is a data-modifying ``WITH`` of one query, whose answer gives each object its id and
    database-filled columns. Elsewhere, one INSERT per model and the statements one after the other. The rows of a
    model are inserted in the order given."""
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj)
    if connection.vendor != "postgresql" or len(by_model) + len(statements) < 2:
        for rows in by_model.values():
            rows_insert(rows)
        statements_in_one(statements)
        return
    inserts = [unnest_insert(rows) for rows in by_model.values()]
    # Each part answers (its number, its returned columns as one JSON array): one column type for the UNION.
    # ``ORDER BY ordinality`` is not needed: an INSERT … RETURNING gives its rows in the order of its input.
    withs = [f"part{number} AS ({insert.sql})" for number, insert in enumerate(inserts)]
    withs += [f"w{number} AS ({sql})" for number, (sql, _params) in enumerate(statements)]
    quote = connection.ops.quote_name
    answers = [
        f"SELECT {number}, json_build_array({', '.join(quote(str(f.column)) for f in insert.filled)}) "
        f"FROM part{number}"
        for number, insert in enumerate(inserts)
        if insert.filled
    ] or ["SELECT 0, NULL::json"]
    params = [array for insert in inserts for array in insert.arrays]
    params += [param for _sql, statement_params in statements for param in statement_params]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(withs)} {' UNION ALL '.join(answers)}", params)
        returned = cursor.fetchall()
    for number, (rows, insert) in enumerate(zip(by_model.values(), inserts, strict=True)):
        values = [json.loads(v) if isinstance(v, str) else v for part, v in returned if part == number]
        if not insert.filled:
            values = [[]] * len(rows)
        filled_in(
            rows,
            insert.filled,
            [[f.to_python(x) for f, x in zip(insert.filled, row, strict=True)] for row in values],
        )


def update_sql(queryset: models.QuerySet, **values: Any) -> tuple[str, tuple]:
    """The SQL of ``queryset.update(**values)``, not run: for ``statements_in_one``."""
    from django.db.models.sql import UpdateQuery

    query = queryset.query.chain(UpdateQuery)
    assert isinstance(query, UpdateQuery)
    query.add_update_values(values)
    compiler = query.get_compiler(queryset.db)
    compiler.pre_sql_setup()
    return compiler.as_sql()


def statements_in_one(statements: Sequence[tuple[str, Sequence]]) -> None:
    """Run INSERT / UPDATE / DELETE statements (SQL and parameters) that touch different rows as one statement on
    PostgreSQL (each a data-modifying ``WITH``: one round trip); one after the other elsewhere."""
    statements = [statement for statement in statements if statement[0]]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(statements) < 2:
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        withs = ", ".join(f"w{number} AS ({sql})" for number, (sql, _params) in enumerate(statements))
        cursor.execute(f"WITH {withs} SELECT 1", [param for _sql, params in statements for param in params])

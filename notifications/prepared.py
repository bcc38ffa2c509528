"""Reads on the hot path compiled once per process instead of once per call.

Building and compiling a queryset with joins, annotations and subqueries costs more Python than the database
spends answering it: the case lock, which every command takes, answers in about 0.2 ms in PostgreSQL and took
about 1.5 ms to build and compile (BENCHMARKS.md, "The engine at the floor"). A ``Compiled`` read is built
once with a marker in place of its one value, compiled by Django on its first use on each database vendor, and
from then on runs as that SQL with the marker replaced; its rows become model instances exactly as
``QuerySet.__iter__`` makes them (the same converters, ``select_related`` objects and annotations).

Only for reads whose shape never changes between calls; everything else stays an ordinary queryset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)

# Stands for the value in the compiled parameters; no id is negative, so no real parameter equals it.
MARK = -7_319_624_001


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    marked: tuple[int, ...]  # the positions of MARK in params
    compiler: SQLCompiler
    init_list: list[str]
    fields_start: int
    fields_end: int
    populators: list[Any]
    annotations: dict[str, int]


class Compiled(Generic[M]):
    """``Compiled(lambda value: Model.objects….filter(pk=value)[:1])``; ``.first(42)`` is that queryset's
    ``first()`` for 42. ``build`` must use its argument only as a query parameter."""

    def __init__(self, build: Callable[[int], QuerySet[M]]):
        self._build = build
        self._plans: dict[str, _Plan] = {}

    def first(self, value: int) -> M | None:
        plan = self._plans.get(connection.vendor) or self._compile()
        params = list(plan.params)
        for position in plan.marked:
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        compiler = plan.compiler
        (row,) = compiler.results_iter([[row[: compiler.col_count]]])
        instance = compiler.klass_info["model"].from_db(
            connection.alias, plan.init_list, row[plan.fields_start : plan.fields_end]
        )
        for populator in plan.populators:
            populator.populate(row, instance)
        for name, position in plan.annotations.items():
            setattr(instance, name, row[position])
        return instance

    def _compile(self) -> _Plan:
        query = self._build(MARK).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        marked = tuple(i for i, p in enumerate(params) if type(p) is int and p == MARK)
        if not marked:
            raise ValueError("Compiled: the built query does not use its value as a parameter")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        plan = _Plan(
            sql=sql,
            params=tuple(params),
            marked=marked,
            compiler=compiler,
            init_list=[column[0].target.attname for column in select[fields[0] : fields[-1] + 1]],
            fields_start=fields[0],
            fields_end=fields[-1] + 1,
            # django-stubs describe Django 6 (a fetch_mode argument); 5.2 takes three.
            populators=get_related_populators(klass_info, select, connection.alias),  # type: ignore[call-arg]
            annotations=dict(compiler.annotation_col_map),
        )
        self._plans[connection.vendor] = plan
        return plan

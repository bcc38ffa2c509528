"""``notifications.prepared.Compiled``: a read compiled once answers as its queryset's ``first()`` would — the same
fields, the ``select_related`` objects without another query, the annotations — for any value, in one
statement, and with no new compilation after the first."""

from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from cases.models import AuditEntry, Case
from demo.lifecycles import dispute_to
from notifications.prepared import Compiled
from workflow.locks import case_lock, case_of_task


def _case_with_unit_and_entries(value: int):
    entries = AuditEntry.objects.filter(case=OuterRef("pk")).order_by().values("case").annotate(n=Count("pk"))
    return (
        Case.objects.select_related("unit", "dispute")
        .annotate(entries=Subquery(entries.values("n")[:1]))
        .filter(pk=value)
        .order_by()[:1]
    )


READ = Compiled(_case_with_unit_and_entries)


def test_a_compiled_read_answers_as_its_queryset_for_each_value_in_one_statement(people):
    cases = [dispute_to("registered", people), dispute_to("triaged", people)]
    READ.first(cases[0].pk)  # compiled here (or by an earlier test)
    for case in cases:
        expected = next(iter(_case_with_unit_and_entries(case.pk)))
        with (
            CaptureQueriesContext(connection) as queries,
            mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled again")),
        ):
            found = READ.first(case.pk)
            assert found.unit.name == expected.unit.name  # select_related: no query for it
            assert found.dispute.category == expected.dispute.category
        assert len(queries) == 1
        assert found is not None and found.pk == case.pk
        assert {f.attname: getattr(found, f.attname) for f in Case._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in Case._meta.concrete_fields
        }
        assert found.entries == expected.entries == AuditEntry.objects.filter(case=case).count()
        assert found.state == case.state and found._state.adding is False


def test_a_compiled_read_of_nothing_is_none(people):
    assert READ.first(2_000_000_000) is None


def test_a_read_that_does_not_use_its_value_is_refused_when_compiled(people):
    with pytest.raises(ValueError, match="does not use its value"):
        Compiled(lambda value: Case.objects.filter(pk=1)[:1]).first(1)


@pytest.mark.django_db(transaction=True)
def test_the_case_lock_by_task_reads_the_case_the_task_belongs_to(committed_people):
    from django.db import transaction
    from viewflow.workflow.models import Task

    case = dispute_to("triaged", committed_people)
    task = Task.objects.filter(process__caseprocess__case=case).order_by("-pk").first()
    with transaction.atomic():
        locked = case_lock(case_of_task(task.pk))
        assert locked is not None and locked.pk == case.pk and locked.unit.pk == case.unit_id
        assert case_lock(case_of_task(2_000_000_000)) is None

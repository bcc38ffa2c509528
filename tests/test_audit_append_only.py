"""The audit trail refuses changes in the database itself on PostgreSQL, not only through the ORM."""

import pytest
from django.db import DatabaseError, connection, transaction

from cases.models import AuditEntry
from demo.lifecycles import dispute_to

pytestmark = pytest.mark.django_db


def rows(case):
    return list(
        AuditEntry.objects.filter(case=case).order_by("pk").values_list("pk", "action", "name", "reason")
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_auditentry SET reason = 'rewritten' WHERE case_id = %s",
        "DELETE FROM cases_auditentry WHERE case_id = %s",
    ],
)
def test_raw_sql_may_neither_rewrite_nor_delete_an_audit_row(postgres_only, people, sql):
    case = dispute_to("triaged", people)
    before = rows(case)
    assert len(before) >= 2
    with (
        pytest.raises(DatabaseError, match="audit entries are append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [case.pk])
    assert rows(case) == before


def test_the_orm_refuses_too(people):
    case = dispute_to("triaged", people)
    before = rows(case)
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.filter(case=case).update(reason="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.filter(case=case).delete()
    assert rows(case) == before

"""``notifications.rows.rows_insert``: many rows of one model in one statement, each object given back its id and
the columns the database fills (the transaction id), in the order given, with JSON and ``auto_now_add`` written
as Django writes them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import AuditAction, AuditEntry
from demo.lifecycles import dispute_to
from notifications.models import Notification
from notifications.rows import rows_insert


def test_rows_go_in_with_one_statement_in_order_with_what_the_database_fills(people):
    case = dispute_to("registered", people)
    recipients = [people["mediator"], people["supervisor"], people["lawyer"]]
    rows = [
        Notification(recipient=person, type="deadline.near", case=case, payload={"n": n, "步骤": "研判"})
        for n, person in enumerate(recipients)
    ]
    with CaptureQueriesContext(connection) as queries:
        inserted = rows_insert(rows)
    assert len(queries) == 1
    assert inserted == rows and all(row.pk for row in rows)
    assert [row.pk for row in rows] == sorted(row.pk for row in rows)
    stored = Notification.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
    assert [(n.recipient_id, n.payload, n.created_at is not None) for n in stored] == [
        (person.pk, {"n": n, "步骤": "研判"}, True) for n, person in enumerate(recipients)
    ]
    assert [n.txid for n in stored] == [row.txid for row in rows]  # read back onto the objects
    if connection.vendor == "postgresql":
        assert len({row.txid for row in rows}) == 1 and rows[0].txid is not None


def test_no_rows_is_no_statement(people):
    with CaptureQueriesContext(connection) as queries:
        assert rows_insert([]) == []
    assert len(queries) == 0


def test_audit_rows_keep_their_actions_and_cases(people):
    case = dispute_to("registered", people)
    before = AuditEntry.objects.count()
    entries = [
        AuditEntry(case=case, action=AuditAction.DUE_SOON, name="triage"),
        AuditEntry(case=case, action=AuditAction.OVERDUE, name="triage"),
    ]
    rows_insert(entries)
    assert AuditEntry.objects.count() == before + 2
    assert list(
        AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk").values_list("action", "case")
    ) == [(AuditAction.DUE_SOON, case.pk), (AuditAction.OVERDUE, case.pk)]


def test_a_commands_batch_writes_rows_of_several_models_and_an_update_in_one_statement(people):
    """``rows_insert_all`` (what a command's batch runs at its end): audit rows, notifications and an UPDATE in one
    statement on PostgreSQL, each object given its id and transaction id, each model's rows in the order given."""
    from notifications.rows import rows_insert_all, update_sql

    case = dispute_to("registered", people)
    entries = [
        AuditEntry(case=case, action=AuditAction.DUE_SOON, name="triage"),
        AuditEntry(case=case, action=AuditAction.OVERDUE, name="triage"),
    ]
    notes = [Notification(recipient=people["mediator"], type="deadline.near", case=case, payload={"n": 1})]
    renamed = update_sql(type(case.dispute).objects.filter(pk=case.pk), respondent_name="王五")
    mixed = [entries[0], notes[0], entries[1]]
    with CaptureQueriesContext(connection) as queries:
        rows_insert_all(mixed, [renamed])
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    assert all(row.pk for row in mixed) and entries[0].pk < entries[1].pk
    assert list(
        AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk").values_list("action", "txid")
    ) == [(AuditAction.DUE_SOON, entries[0].txid), (AuditAction.OVERDUE, entries[1].txid)]
    assert Notification.objects.get(pk=notes[0].pk).payload == {"n": 1}
    case.dispute.refresh_from_db()
    assert case.dispute.respondent_name == "王五"
    if connection.vendor == "postgresql":
        assert entries[0].txid == notes[0].txid is not None  # read back from the one statement's answer

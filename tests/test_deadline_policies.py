"""Deadline policies (``cases.models.clocks.DeadlinePolicy``): seeded from practice by a migration, looked up per
kind, step and priority (the priority's own row first), kept by administrators in the admin, where a bad row is
refused with a clear message and nothing changes."""

from datetime import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases.deadlines import PolicyBook
from cases.models import Clock, DeadlinePolicy
from cases.workdays import CALENDAR_ZONE
from tests.helpers import open_task
from workflow import services

ADD = reverse("admin:cases_deadlinepolicy_add")


def table() -> list[tuple]:
    return list(
        DeadlinePolicy.objects.order_by("kind", "step", "priority", "counted_from").values_list(
            "kind", "step", "priority", "counted_from", "amount", "unit"
        )
    )


def test_the_defaults_come_from_practice(db):
    rows = {
        (kind, step, priority, start): (amount, unit) for kind, step, priority, start, amount, unit in table()
    }

    assert rows[("dispute", "", 0, "registered")] == (30, "calendar_days")  # 人民调解: one month
    assert rows[("dispute", "triage", 0, "opened")] == (1, "working_days")
    assert rows[("dispute", "triage", 3, "opened")] == (4, "working_hours")  # urgent
    assert rows[("dispute", "convene", 0, "opened")] == (5, "working_days")
    assert rows[("dispute", "consult", 0, "previous_opened")] == (5, "working_days")  # the same window
    assert rows[("dispute", "resolution", 0, "opened")] == (10, "working_days")
    assert rows[("dispute", "follow_up", 0, "opened")] == (2, "working_days")
    assert rows[("help_request", "", 0, "registered")] == (15, "working_days")
    assert rows[("help_request", "dispatch", 0, "opened")] == (1, "working_days")
    assert rows[("help_request", "advise_legal", 0, "opened")] == (1, "working_days")  # claimed within
    assert rows[("help_request", "advise_legal", 0, "claimed")] == (
        5,
        "working_days",
    )  # advice after the claim
    assert len(rows) == 27


def test_the_priority_own_row_wins_over_the_row_for_any_priority(db):
    assert (PolicyBook(kind="dispute", priority=3).policy("triage").amount, "working_hours") == (
        4,
        "working_hours",
    )
    assert PolicyBook(kind="dispute", priority=2).policy("triage").unit == "working_days"
    assert PolicyBook(kind="help_request", priority=1).policy("advise_tax", claimed=True).amount == 5
    assert PolicyBook(kind="dispute", priority=1).policy("triage", claimed=True) is None


def test_an_administrator_changes_a_policy_and_steps_opened_afterwards_follow_it(
    client, people, time_machine
):
    time_machine.move_to(datetime(2026, 11, 2, 9, 0, tzinfo=CALENDAR_ZONE), tick=False)
    before = services.dispute_intake(actor=people["mediator"], **_dispute())
    triage = DeadlinePolicy.objects.get(kind="dispute", step="triage", priority=0)
    client.force_login(people["admin"])

    response = client.post(
        reverse("admin:cases_deadlinepolicy_change", args=[triage.pk]),
        {
            "kind": "dispute",
            "step": "triage",
            "priority": "0",
            "counted_from": "opened",
            "amount": "2",
            "unit": "working_days",
        },
    )

    assert response.status_code == 302
    after = services.dispute_intake(actor=people["mediator"], **_dispute())
    due = {
        case.reference: Clock.objects.get(task_id=open_task(case, "triage").pk).due_at
        for case in (before, after)
    }
    assert due == {
        before.reference: datetime(2026, 11, 3, 9, 0, tzinfo=CALENDAR_ZONE),  # as it started
        after.reference: datetime(2026, 11, 4, 9, 0, tzinfo=CALENDAR_ZONE),
    }


POLICY = {
    "kind": "dispute",
    "step": "triage",
    "priority": "2",
    "counted_from": "opened",
    "amount": "3",
    "unit": "working_days",
}
SOME_TIME = "A deadline needs some time: give 1 or more."


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"amount": "0"}, {"amount": [SOME_TIME]}),
        ({"amount": "-2"}, {"amount": [SOME_TIME]}),
        ({"amount": "1000"}, {"amount": ["At most 999: more is surely a typing error."]}),
        ({"amount": ""}, {"amount": ["This field is required."]}),
        ({"step": "dispatch"}, {"step": ["Micro-dispute has no step dispatch."]}),
        (
            {"step": ""},
            {
                "counted_from": [
                    "The whole case is counted from its registration, and a step from its opening, the opening of "
                    "the step before it or its first claim."
                ]
            },
        ),
        (
            {"priority": "0"},
            {
                "__all__": [
                    "There is a policy for this step, priority and starting point already; change that one."
                ]
            },
        ),
        (
            {"step": "consult", "priority": "0", "counted_from": "opened"},
            {
                "counted_from": [
                    "This step and priority are counted from the opening of the step before it already: a step has "
                    "one window before its first claim."
                ]
            },
        ),
    ],
)
def test_the_admin_refuses_a_bad_policy_with_a_clear_message_and_nothing_changes(
    client, people, change, errors
):
    client.force_login(people["admin"])
    before = table()

    response = client.post(ADD, {**POLICY, **change}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert table() == before


def test_the_admin_adds_a_policy_for_high_priority(client, people):
    client.force_login(people["admin"])

    response = client.post(ADD, POLICY)

    assert response.status_code == 302
    assert PolicyBook(kind="dispute", priority=2).policy("triage").amount == 3


def test_the_database_refuses_a_policy_without_time(db):
    before = table()
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlinePolicy.objects.create(
            kind="dispute", step="triage", priority=2, amount=0, unit="working_days"
        )
    assert table() == before


def _dispute() -> dict:
    from tests.helpers import dispute_body

    return dispute_body()


def test_the_process_keeps_the_policies_sees_its_own_change_at_once_and_keeps_nothing_read_after_a_change(db):
    """``cases.reference``: the policies are read once and kept (another process's change shows within
    ``REFERENCE_DATA_SECONDS``); a change saved in this process applies at once; a transaction that changed them
    keeps nothing it reads, since it may still roll back (here the test's own transaction, around everything)."""
    from cases.reference import deadline_policies

    def triage_days() -> int:
        return next(
            p.amount for p in deadline_policies() if (p.kind, p.step, p.priority) == ("dispute", "triage", 0)
        )

    assert triage_days() == 1
    DeadlinePolicy.objects.filter(kind="dispute", step="triage", priority=0).update(amount=2)  # no signal
    assert triage_days() == 1  # kept: as another process's change would be, for a minute
    policy = DeadlinePolicy.objects.get(kind="dispute", step="triage", priority=0)
    with pytest.raises(RuntimeError), transaction.atomic():
        policy.amount = 3
        policy.save()
        assert triage_days() == 3  # its own change, at once
        raise RuntimeError("rolled back")
    assert triage_days() == 2  # the rolled-back 3 is gone, and nothing read since was kept
    DeadlinePolicy.objects.filter(pk=policy.pk).update(amount=4)
    assert triage_days() == 4  # still read afresh: this transaction changed the policies

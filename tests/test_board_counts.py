"""The board's counts kept with the writes (``cases.models.board.BoardCount``, moved by a database trigger): after
real lifecycles, an escalation to the unit above, side exits and a rolled-back transaction they are exactly
what a fresh COUNT of the cases says, slot by slot; and the board reads them, not the cases."""

import importlib

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from cases.models import BOARD_COUNT_SLOTS, BoardCount, Case, Unit
from cases.selectors.board import board_counts, board_snapshot
from demo.lifecycles import dispute_to, help_request_to, work_to
from workflow import services

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("cases.migrations.0021_board_counts")


def kept() -> dict[tuple[int, str, int], int]:
    """The kept rows that count something, by (unit, state, slot)."""
    return {
        (row.unit_id, row.state, row.slot): row.count for row in BoardCount.objects.all() if row.count != 0
    }


def counted() -> dict[tuple[int, str, int], int]:
    """The same, counted afresh from the cases (as the migration's backfill counts them)."""
    counts: dict[tuple[int, str, int], int] = {}
    for unit_id, state, pk in Case.objects.values_list("unit_id", "state", "pk"):
        key = (unit_id, state, pk % BOARD_COUNT_SLOTS)
        counts[key] = counts.get(key, 0) + 1
    return counts


def kept_due() -> dict[tuple, int]:
    """The kept lights' rows that count something, by (unit, yellow day, due day, paused, slot)."""
    from cases.models import BoardDue

    rows = BoardDue.objects.exclude(count=0).values_list(
        "unit_id", "yellow_day", "due_day", "paused", "slot", "count"
    )
    return {tuple(row[:5]): row[5] for row in rows}


def due_counted() -> dict[tuple, int]:
    """The same, counted afresh from the open cases with a deadline (days in UTC)."""
    from datetime import UTC

    from cases.models.case import TERMINAL_STATES

    counts: dict[tuple, int] = {}
    cases = Case.objects.exclude(state__in=TERMINAL_STATES).filter(
        yellow_at__isnull=False, due_at__isnull=False
    )
    rows = cases.values_list("unit_id", "yellow_at", "due_at", "paused", "pk")
    for unit_id, yellow_at, due_at, paused, pk in rows:
        key = (
            unit_id,
            yellow_at.astimezone(UTC).date(),
            due_at.astimezone(UTC).date(),
            paused,
            pk % BOARD_COUNT_SLOTS,
        )
        counts[key] = counts.get(key, 0) + 1
    return counts


def per_unit_and_state() -> dict[tuple[int, str], int]:
    rows = Case.objects.values_list("unit_id", "state").annotate(n=Count("*")).order_by()
    return {(unit_id, state): n for unit_id, state, n in rows}


def test_the_kept_counts_are_a_fresh_count_after_lifecycles_escalations_side_exits_and_a_rollback(people):
    # Given cases worked along both lines, to the end and half-way
    closed = dispute_to("closed", people)
    help_request_to("closed", people)
    help_request_to("claimed", people, specialties=["legal", "tax"])
    dispute_to("consulting", people)
    # and a dispute escalated to the street above, then triaged and worked on there
    escalated = dispute_to("registered", people, description="需上级协调的跨社区纠纷。")
    services.case_side_exit(
        reference=escalated.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    work_to(escalated, "consulting", people)
    # and the other side exits
    for action, to in (("reject", ""), ("refer", "泰兴市劳动人事争议仲裁委员会"), ("withdraw", "")):
        case = dispute_to("triaged", people)
        services.case_side_exit(
            reference=case.reference, user=people["mediator"], action=action, reason="测", to=to
        )
    request = help_request_to("submitted", people)
    services.case_side_exit(reference=request.reference, user=people["liaison"], action="reject", reason="测")
    before = kept()

    # When a transaction moves a case and registers one, then rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        Case.objects.filter(pk=closed.pk).update(state="consulting", unit=escalated.unit)
        Case.objects.create(
            reference="TX-ROLLED-BACK", kind=closed.kind, unit=closed.unit, brand=closed.brand,
            channel=closed.channel, state="registered", description="回滚", created_by=people["mediator"],
        )  # fmt: skip
        assert kept() != before  # the trigger moved the counts inside the transaction
        raise RuntimeError("rolled back")

    # Then the kept counts are a fresh count, slot by slot, and what the board sums per unit and state
    assert kept() == before == counted()
    assert kept_due() == due_counted() != {}
    units = list(Unit.objects.values_list("pk", flat=True))
    assert board_counts(unit_ids=units) == per_unit_and_state()
    street = people["mediator"].unit.get_parent()
    assert board_counts(unit_ids=[street.pk]) == {(street.pk, "consulting"): 1}
    assert sum(board_counts(unit_ids=units).values()) == Case.objects.count() == 9


def test_the_migration_fills_the_counts_from_the_cases_as_they_are(people):
    # Given cases, and counts lost (as before the migration)
    dispute_to("triaged", people)
    help_request_to("dispatched", people)
    BoardCount.objects.all().delete()
    # When the migration's backfill runs
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.BACKFILL)
    # Then the counts are the cases'
    assert (
        kept()
        == counted()
        == {
            (
                people["mediator"].unit_id,
                "triaged",
                Case.objects.get(kind="dispute").pk % BOARD_COUNT_SLOTS,
            ): 1,
            (
                people["liaison"].unit_id,
                "dispatched",
                Case.objects.get(kind="help_request").pk % BOARD_COUNT_SLOTS,
            ): 1,
        }
    )


def test_the_board_snapshot_reads_the_kept_counts_not_the_cases(people):
    # Given two disputes, one escalated to the street
    dispute_to("triaged", people)
    escalated = dispute_to("registered", people)
    services.case_side_exit(
        reference=escalated.reference, user=people["mediator"], action="escalate", reason="跨"
    )
    root = Unit.objects.get(depth=1)
    # When the city's board is read
    with CaptureQueriesContext(connection) as queries:
        snapshot = board_snapshot(root=root)
    # Then its counts are the cases', and no query counts the cases but the lights' (the open lit cases)
    assert snapshot["by_state"] == {"triaged": 1, "escalated": 1}
    assert snapshot["open"] == 2
    counting = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and 'FROM "cases_case"' in q["sql"]
    ]
    assert len(counting) == 1 and "yellow_at" in counting[0]


def direct_lights(units: list[Unit]) -> tuple[int, int]:
    """(red, yellow) of the open cases, counted one by one now (as the board counted before ``BoardDue``)."""
    from django.utils import timezone

    from cases.models.case import TERMINAL_STATES

    now = timezone.now()
    open_ = Case.objects.filter(unit__in=units).exclude(state__in=TERMINAL_STATES)
    return (
        open_.filter(due_at__lte=now).count(),
        open_.filter(yellow_at__lte=now, due_at__gt=now, paused=False).count(),
    )


def test_the_lights_from_kept_days_and_todays_cases_are_a_direct_count_at_every_hour(people, time_machine):
    from datetime import datetime, timedelta

    from cases.models import BoardDue
    from cases.selectors.board import board_lights
    from cases.workdays import CALENDAR_ZONE

    monday = datetime(2026, 11, 2, 9, tzinfo=CALENDAR_ZONE)
    # Given cases registered over a week, one paused, some worked on, one closed
    for day in range(5):
        time_machine.move_to(monday + timedelta(days=day, hours=day), tick=False)
        dispute_to("registered", people)
        dispute_to("triaged", people, actor=people["mediator_chengxi"])
        help_request_to("dispatched", people, specialties=["legal"])
    dispute_to("consulting", people)
    units = list(Unit.objects.all())
    root = Unit.objects.get(depth=1)
    lit = 0
    # Then at every few hours over the next three weeks the board's lights are the direct count
    for hours in range(0, 24 * 21, 5):
        time_machine.move_to(monday + timedelta(hours=hours), tick=False)
        shown = board_lights(units=units, root=root)
        assert (shown["red"], shown["yellow"]) == direct_lights(units), hours
        lit += shown["red"] + shown["yellow"]
    assert lit > 0 and BoardDue.objects.exists()
    assert sum(child["red"] for child in shown["children"]) == shown["red"] == direct_lights(units)[0] > 0


def test_two_transactions_pausing_cases_of_one_unit_and_day_do_not_wait_for_each_other(
    committed_people, postgres_only, time_machine
):
    """Every case of a unit registered on one day has the same (unit, yellow day, due day) in ``BoardDue``: one
    row each, a transaction pausing one case held it until its commit, and the other waited. Spread over slots by
    case id, two cases of neighbouring ids move rows of their own."""
    import threading
    from datetime import datetime

    from django.db import OperationalError

    from cases.workdays import CALENDAR_ZONE

    time_machine.move_to(datetime(2026, 11, 2, 9, tzinfo=CALENDAR_ZONE), tick=False)
    first, second = dispute_to("registered", committed_people), dispute_to("registered", committed_people)
    assert first.due_at is not None and (first.due_at, first.yellow_at) == (second.due_at, second.yellow_at)
    assert first.pk % BOARD_COUNT_SLOTS != second.pk % BOARD_COUNT_SLOTS
    paused, go = threading.Event(), threading.Event()

    def pause_first_and_hold():
        try:
            with transaction.atomic():
                Case.objects.filter(pk=first.pk).update(paused=True)
                paused.set()
                go.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=pause_first_and_hold)
    holder.start()
    try:
        assert paused.wait(10)
        # When the other case is paused while the first one's transaction is still open
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")  # a wait for the first one's commit fails here
            try:
                Case.objects.filter(pk=second.pk).update(paused=True)
            except OperationalError as error:
                pytest.fail(f"waited for the other transaction: {error}")
    finally:
        go.set()
        holder.join(10)
    # Then both committed, and the kept rows are the cases' own
    assert Case.objects.filter(paused=True).count() == 2
    assert kept_due() == due_counted() != {}

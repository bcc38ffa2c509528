"""Timers fire exactly once (``workflow.services.timers``, ``manage.py run_timers``): the yellow and red reminders
to whoever holds the step or may take it, the automatic 督办 two working days after red (a supervision order to
whoever works the case, issued for the supervisors above, who hear of it), the end of a pause. A step that is
done or paused fires nothing. On PostgreSQL the runner reads due rows by the partial index, and two runner
processes fire 500 due timers exactly once each, even when one is killed in the middle of a batch. Time is frozen
with time-machine, except in the process test."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from cases.models import AuditEntry, Clock, SupervisionOrder, Timer, TimerKind
from cases.services.timers import timers_claim
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to, step_data
from notifications.models import Notification
from tests import live
from tests.helpers import dispute_body, open_task
from workflow import services

ROOT = Path(__file__).resolve().parent.parent


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


@pytest.fixture
def frozen(time_machine):
    def move(text: str) -> None:
        time_machine.move_to(at(text), tick=False)

    return move


def heard(user, kind: str) -> list[str]:
    with translation.override("en"):
        return [n.text for n in Notification.objects.filter(recipient=user, type=kind).order_by("pk")]


def test_a_step_turning_yellow_then_red_is_told_to_its_holder_once(people, frozen):
    # given a dispute registered on the eve of the National Day holidays: triage due 8 October at 10:00
    frozen("2026-09-30 10:00")
    case = dispute_to("registered", people)
    mediator = people["mediator"]
    assert services.timers_run() == 0

    # when the runner passes as it turns yellow, and again
    frozen("2026-09-30 17:07:30")
    assert services.timers_run() == 1
    assert services.timers_run() == 0

    # then the mediator heard it once
    near = f"{case.reference} · Triage is due by 2026-10-08 10:00"
    assert heard(mediator, "deadline.near") == [near]

    # and once it is overdue, once more
    frozen("2026-10-08 10:00")
    assert services.timers_run() == 1
    assert services.timers_run() == 0
    assert heard(mediator, "deadline.passed") == [
        f"{case.reference} · Triage is overdue since 2026-10-08 10:00"
    ]
    assert heard(mediator, "deadline.near") == [near]
    assert Notification.objects.filter(type__startswith="deadline.").count() == 2


def test_a_step_waiting_in_a_queue_is_told_to_everyone_who_may_take_it(people, frozen):
    frozen("2026-11-02 09:00")
    case = help_request_to("dispatched", people, specialties=["tax"])  # to be claimed within a working day

    frozen("2026-11-03 09:00")
    assert services.timers_run() == 2  # yellow and red at once: the runner was not there at yellow

    assert heard(people["tax_advisor"], "deadline.passed") == [
        f"{case.reference} · Tax advice is overdue since 2026-11-03 09:00"
    ]
    assert len(heard(people["tax_advisor"], "deadline.near")) == 1
    assert heard(people["lawyer"], "deadline.passed") == []


def test_two_working_days_after_red_a_supervision_order_goes_to_the_workers_for_the_unit_above(
    people, frozen
):
    # given a dispute of 祥泰社区 (under 济川街道, which has no supervisor, under 泰兴市) whose triage is late
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    frozen("2026-11-03 09:00")
    assert services.timers_run() == 2

    # when two more working days have passed (Thursday 09:00)
    frozen("2026-11-05 08:59")
    assert services.timers_run() == 0
    frozen("2026-11-05 09:00")
    assert services.timers_run() == 1

    # then an order is issued by the system for 泰兴市 (not the city, not 海陵区), on the overdue triage, to be
    # answered within 3 working days (Friday, Monday, Tuesday)
    order = SupervisionOrder.objects.get(case=case)
    assert (order.issued_by, order.unit.name, order.level, order.state, order.step, order.days) == (
        None,
        "泰兴市",
        0,
        "open",
        "triage",
        3,
    )
    assert order.due_at == at("2026-11-10 09:00")
    assert list(Timer.objects.filter(order=order).values_list("kind", "due_at", "fired_at")) == [
        ("reply", at("2026-11-10 09:00"), None)
    ]
    with translation.override("en"):
        assert str(order.reason_text) == "Triage is overdue since 2026-11-03 09:00: supervised automatically."
    # and 泰兴市's supervisor hears it was issued for them, once
    assert heard(people["supervisor_taixing"], "deadline.supervised") == [
        f"Please supervise (督办): {case.reference} · Triage at 祥泰社区 is overdue since 2026-11-03 09:00; a "
        "supervision order was issued on your unit's behalf, reply due by 2026-11-10 09:00"
    ]
    supervised = Notification.objects.filter(type="deadline.supervised")
    assert list(supervised.values_list("recipient__username", flat=True)) == ["supervisor_taixing"]
    # and whoever works the case must reply: the unit's mediators (one of them holds the step)
    issued = Notification.objects.filter(type="order.issued").order_by("recipient__username")
    assert list(issued.values_list("recipient__username", flat=True)) == ["mediator", "mediator2"]
    assert heard(people["mediator"], "order.issued") == [
        f"Supervision order (督办单) on {case.reference} from 泰兴市: reply by 2026-11-10 09:00"
    ]
    assert AuditEntry.objects.filter(case=case, action="order_issued", actor=None).count() == 1
    assert services.timers_run() == 0
    assert SupervisionOrder.objects.filter(case=case).count() == 1


def test_a_step_done_in_time_cancels_its_reminders(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    services.task_complete(task_id=triage.pk, user=triage.owner, data=step_data(case, triage))

    assert not Timer.objects.filter(clock__task_id=triage.pk).exists()
    frozen("2026-11-04 09:00")  # triage would be red, convene (5 working days) is not even yellow
    assert services.timers_run() == 0
    assert not Notification.objects.filter(type__startswith="deadline.").exists()


def test_a_paused_step_fires_no_reminder_until_it_resumes_then_at_its_moved_moments(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待申请人", days=3)

    frozen("2026-11-04 09:00")  # triage's first due moment is long gone, but it is paused
    assert services.timers_run() == 0
    frozen("2026-11-05 09:00")  # the pause ends: 22.5 working hours were not counted
    assert services.timers_run() == 1
    assert not Notification.objects.filter(type__startswith="deadline.").exists()
    assert Clock.objects.get(task_id=triage.pk).due_at == at("2026-11-06 09:00")

    frozen("2026-11-06 09:00")
    assert services.timers_run() == 2
    assert [n.type for n in Notification.objects.order_by("pk") if n.type.startswith("deadline.")] == [
        "deadline.near",
        "deadline.passed",
    ]
    assert case.reference in heard(people["mediator"], "deadline.passed")[0]


def test_run_timers_once_fires_what_is_due_and_says_so(people, frozen):
    frozen("2026-11-02 09:00")
    dispute_to("registered", people)
    frozen("2026-11-03 09:00")
    out = StringIO()

    call_command("run_timers", "--once", "--batch", "1", stdout=out)

    assert out.getvalue() == "timers fired: 2\n"
    assert Timer.objects.filter(fired_at__isnull=False).count() == 2


def test_run_timers_refuses_a_pause_or_batch_of_zero(db):
    with pytest.raises(CommandError, match="--every and --batch must be above 0."):
        call_command("run_timers", "--once", "--batch", "0")
    with pytest.raises(CommandError, match="--every and --batch must be above 0."):
        call_command("run_timers", "--every", "0")


def test_a_claim_takes_each_due_timer_once_and_the_earliest_first(people, frozen):
    frozen("2026-11-02 09:00")
    dispute_to("registered", people)
    frozen("2026-11-02 10:00")
    dispute_to("registered", people)
    frozen("2026-11-03 12:00")  # both triages yellow and red

    with transaction.atomic():
        first = timers_claim(now=timezone.now(), limit=3, kinds=[TimerKind.YELLOW, TimerKind.RED])
        second = timers_claim(now=timezone.now(), limit=3, kinds=[TimerKind.YELLOW, TimerKind.RED])

    assert [timer.kind for timer in first] == ["yellow", "red", "yellow"]
    assert len(second) == 1 and {timer.id for timer in first}.isdisjoint({second[0].id})
    assert Timer.objects.filter(fired_at=timezone.now()).count() == 4


def test_notifications_stored_by_the_old_scheduler_still_read(people):
    old = Notification.objects.create(
        recipient=people["mediator"],
        type="deadline.near",
        payload={"reference": "TX-2026-000001", "task_id": 1, "step": "Triage", "due": "2026-11-03 09:00"},
    )
    with translation.override("en"):
        assert old.text == "TX-2026-000001 · Triage is due by 2026-11-03 09:00"


# ---- PostgreSQL: the index, and runner processes ------------------------------------------------------------


def test_the_runner_reads_due_timers_by_the_partial_index(postgres_only, people):
    dispute_to("registered", people)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM cases_timer WHERE fired_at IS NULL AND due_at <= now() "
            "ORDER BY due_at LIMIT 100 FOR UPDATE SKIP LOCKED"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "timer_due" in plan, plan


def runner(*arguments: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": live.test_database_url(), "DJANGO_DEBUG": "1", "REDIS_URL": ""}
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_timers", "--every", "0.2", *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_two_runner_processes_fire_500_timers_exactly_once_even_when_one_is_killed_mid_batch(
    postgres_only, committed_people
):
    # given 250 disputes whose triage is yellow and red: 500 reminders due, each for one mediator
    for _ in range(250):
        services.dispute_intake(actor=committed_people["mediator"], **dispute_body())
    Timer.objects.filter(kind=TimerKind.SUPERVISE).delete()
    Timer.objects.update(due_at=timezone.now() - timezone.timedelta(hours=1))
    assert Timer.objects.filter(fired_at__isnull=True).count() == 500
    url = live.test_database_url()
    watcher = psycopg.connect(url, autocommit=True)
    blocker = psycopg.connect(
        url
    )  # holds the notifications table: a runner's batch waits inside its transaction

    def runners_waiting() -> int:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"notifications_notification\"%%'"
        ).fetchone()[0]

    def claimed_elsewhere() -> int:
        free = watcher.execute(
            "SELECT count(*) FROM (SELECT id FROM cases_timer WHERE fired_at IS NULL FOR UPDATE SKIP LOCKED) t"
        ).fetchone()[0]
        return 500 - free

    first = second = None
    try:
        blocker.execute("LOCK TABLE notifications_notification IN SHARE MODE")
        # when a runner claims a batch of 50 and waits to store its notifications
        first = runner("--batch", "50")
        wait_until(lambda: runners_waiting() == 1, 30, "the first runner never reached its batch")
        assert claimed_elsewhere() == 50
        # and a second runner claims the next batch, skipping the first runner's rows
        second = runner("--batch", "50")
        wait_until(lambda: runners_waiting() == 2, 30, "the second runner never reached its batch")
        assert claimed_elsewhere() == 100
        # and the first runner is killed in the middle of its batch
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        blocker.commit()  # the table is free: the killed runner's transaction rolls back, its rows come free

        # then the second runner fires all 500, the killed one's too
        wait_until(
            lambda: Timer.objects.filter(fired_at__isnull=True).count() == 0, 120, "timers left unfired"
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        blocker.close()
        watcher.close()

    # exactly 500 notifications, none twice, each reminder of each step once
    deadline_notes = Notification.objects.filter(type__startswith="deadline.")
    assert deadline_notes.count() == 500
    assert deadline_notes.values("type", "payload__task_id").distinct().count() == 500
    assert second.returncode == 0, second.stderr.read() if second.stderr else ""
    assert first.returncode == -signal.SIGKILL

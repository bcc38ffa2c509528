"""The board's lights: the open cases that are red (overdue) and yellow (due soon) now, in all and per child unit
(``cases.selectors.board.board_lights``), in the snapshot the socket sends and the API answers, and on the page.
Lights change with time: the timer runner firing a step's yellow or red reminder writes its audit row
(``due_soon`` / ``overdue``), which is a board event, so open boards get a fresh snapshot with the new counts, and
a board that reconnects replays it. Time is frozen with time-machine; the sockets are the real ASGI application
and channel layer; on PostgreSQL + Redis a real ``run_timers`` process (its clock travelled to the same moment)
pushes the update."""

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from cases.models import AuditAction, AuditEntry, Case
from cases.selectors.board import board_snapshot
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to, step_data
from notifications.models import Notification
from tests import live
from tests.helpers import open_task, visible_text
from tests.test_sockets import close_layer_pools, connect, receive_until, token_headers  # noqa: F401
from workflow import services

ROOT = Path(__file__).resolve().parent.parent
# A dispute registered on Monday 2 November 2026 at 09:00 is to be triaged within a working day: yellow at 16:07:30
# (75 % of its 7.5 working hours), red on Tuesday at 09:00.
MONDAY = "2026-11-02 09:00"
YELLOW = "2026-11-02 16:07:30"
RED = "2026-11-03 09:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


@pytest.fixture
def frozen(time_machine):
    def move(text: str) -> None:
        time_machine.move_to(at(text), tick=False)

    return move


def lights(body: dict) -> tuple[int, int, list[tuple[str, int, int]]]:
    """(red, yellow, [(child unit, red, yellow)]) of a snapshot."""
    shown = body["lights"]
    return shown["red"], shown["yellow"], [(c["name"], c["red"], c["yellow"]) for c in shown["children"]]


def board_api(client, user) -> dict:
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    response = client.get("/api/v1/board/")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def world(people, frozen):
    """Registered on Monday 09:00: a dispute in 祥泰社区 (泰兴市), one in 城西街道 (海陵区), one in 祥泰社区 whose
    triage waits for a party (paused for three working days), and a help request dispatched in the 泰兴 park,
    to be claimed within a working day; and a dispute that is closed (it has no deadline any more)."""
    frozen(MONDAY)
    paused = dispute_to("registered", people)
    triage = open_task(paused, "triage")
    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待申请人补充材料", days=3)
    return {
        "taixing": dispute_to("registered", people),
        "hailing": dispute_to("registered", people, actor=people["mediator_chengxi"]),
        "paused": paused,
        "help": help_request_to("dispatched", people, specialties=["tax"]),
        "closed": dispute_to("closed", people),
    }


def test_the_board_counts_red_and_yellow_cases_in_all_and_per_child_unit_as_time_passes(
    client, people, world, frozen
):
    city, hailing = people["supervisor"], people["supervisor_hailing"]
    # at registration every light is green (or paused)
    assert lights(board_api(client, city)) == (0, 0, [("泰兴市", 0, 0), ("海陵区", 0, 0)])

    # a second before three quarters of the working day, still green; then yellow
    frozen("2026-11-02 16:07:29")
    assert lights(board_api(client, city))[:2] == (0, 0)
    frozen(YELLOW)
    assert lights(board_api(client, city)) == (0, 3, [("泰兴市", 0, 2), ("海陵区", 0, 1)])
    assert lights(board_api(client, hailing)) == (
        0,
        1,
        [("城西街道", 0, 1), ("海陵区政法综合服务中心", 0, 0)],
    )

    # at the due moment red, not yellow any more; the paused triage and the closed case are neither
    frozen(RED)
    assert lights(board_api(client, city)) == (3, 0, [("泰兴市", 2, 0), ("海陵区", 1, 0)])
    body = board_api(client, city)
    assert body == board_snapshot(root=city.unit) | {"overdue": body["overdue"]}
    assert sorted(case["reference"] for case in body["overdue"]) == sorted(
        world[name].reference for name in ("taixing", "hailing", "help")
    )


def test_a_case_done_in_time_leaves_the_counts(client, people, world, frozen):
    frozen(YELLOW)
    triage = open_task(world["hailing"], "triage")
    data = step_data(world["hailing"], triage)
    services.task_complete(task_id=triage.pk, user=people["mediator_chengxi"], data=data)
    frozen(RED)  # the next step (the call for a consultation) has five working days
    assert lights(board_api(client, people["supervisor"])) == (2, 0, [("泰兴市", 2, 0), ("海陵区", 0, 0)])


def test_the_lights_cost_two_queries_whatever_the_number_of_lit_cases(people, frozen):
    frozen(MONDAY)
    dispute_to("registered", people)
    frozen(RED)
    root = people["supervisor"].unit

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            board_snapshot(root=root)
        return len(captured)

    few = queries()
    frozen(MONDAY)
    for _ in range(10):
        dispute_to("registered", people)
        dispute_to("registered", people, actor=people["mediator_chengxi"])
    frozen(RED)
    assert lights(board_snapshot(root=root))[:2] == (21, 0)
    assert (
        queries() == few == 8
    )  # units, counts per state, newest, overdue, seq, orders, lights (kept, today's)


def test_the_board_page_has_the_lights_for_its_script(client, people, world):
    client.force_login(people["supervisor"])
    page = client.get(reverse("board")).content.decode()
    for element in ('id="board-red"', 'id="board-yellow"', 'id="board-lights-children"'):
        assert element in page
    text = visible_text(page)
    assert "时限" in text and "已超期" in text and "临期" in text


# ---- the timer runner: each yellow and red reminder is a board event with its audit row -----------------------


def test_each_reminder_writes_its_audit_row_once_and_the_timeline_shows_it(client, people, world, frozen):
    frozen(RED)
    assert services.timers_run() == 6  # yellow and red of three steps: two triages and the claim of an advice
    assert services.timers_run() == 0

    case = world["taixing"]
    rows = AuditEntry.objects.filter(case=case, action__in=[AuditAction.DUE_SOON, AuditAction.OVERDUE])
    triage = open_task(case, "triage")
    assert list(rows.order_by("pk").values_list("action", "name", "task_id", "actor")) == [
        ("due_soon", "triage", triage.pk, None),
        ("overdue", "triage", triage.pk, None),
    ]
    assert [row.event_type for row in rows.order_by("pk")] == ["deadline.near", "deadline.passed"]
    client.force_login(people["mediator"])
    timeline = visible_text(client.get(reverse("case", args=[case.reference])).content.decode())
    assert "临期（黄灯） · 系统" in timeline and "已超期（红灯） · 系统" in timeline
    # the paused step and the closed case fired nothing
    assert not AuditEntry.objects.filter(
        case__in=[world["paused"], world["closed"]], action__in=[AuditAction.DUE_SOON, AuditAction.OVERDUE]
    ).exists()


# ---- live: the real socket --------------------------------------------------------------------------------------


async def next_of(socket, kind: str, timeout: float = 5) -> dict:
    """The next message of type ``kind`` (events and snapshots arrive in either order)."""
    return (await receive_until(socket, kind, timeout=timeout))[-1]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_open_board_gets_fresh_counts_when_the_runner_turns_a_step_yellow_then_red(
    committed_people, frozen
):
    people = committed_people
    frozen(MONDAY)
    case = await sync_to_async(dispute_to)("registered", people)
    # The board opens in the afternoon: Redis's channel layer forgets a group member a day after it joined by
    # the clock (the room renews it hourly by the monotonic clock, which time-machine leaves alone).
    frozen("2026-11-02 16:00")
    board, connected, _ = await connect(
        "/ws/board/", await sync_to_async(token_headers)(people["supervisor"])
    )
    assert connected
    first = await board.receive_json_from()
    assert lights(first)[:2] == (0, 0)

    # when the runner passes as the triage turns yellow
    frozen(YELLOW)
    assert await sync_to_async(services.timers_run)() == 1

    # then the board hears the event at once, and the counts a moment later, without asking
    event = await next_of(board, "event")
    assert (event["event"], event["case"]["reference"]) == ("deadline.near", case.reference)
    assert event["seq"] > first["seq"]
    assert lights(await next_of(board, "snapshot")) == (0, 1, [("泰兴市", 0, 1), ("海陵区", 0, 0)])

    # and again when it turns red
    frozen(RED)
    assert await sync_to_async(services.timers_run)() == 1
    event = await next_of(board, "event")
    assert (event["event"], event["case"]["reference"]) == ("deadline.passed", case.reference)
    assert lights(await next_of(board, "snapshot")) == (1, 0, [("泰兴市", 1, 0), ("海陵区", 0, 0)])
    assert "张三" not in str(event) and "13812341234" not in str(event)
    await board.disconnect()

    # a board that was away replays both from the audit trail
    board, _, _ = await connect("/ws/board/", await sync_to_async(token_headers)(people["supervisor"]))
    await board.receive_json_from()
    await board.send_json_to({"type": "resume", "after": first["seq"]})
    replayed = [m["event"] for m in await receive_until(board, "resumed") if m["type"] == "event"]
    assert replayed == ["deadline.near", "deadline.passed"]
    await board.disconnect()


def runner_at(moment: str) -> subprocess.Popen:
    """A real ``manage.py run_timers`` process whose clock stands still at ``moment`` (Asia/Shanghai), on the test
    database and Redis."""
    script = (
        "import sys, time_machine\n"
        f"time_machine.travel({at(moment).isoformat()!r}, tick=False).start()\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'run_timers', '--every', '0.2'])\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": live.test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_running_runner_process_firing_a_red_timer_pushes_fresh_counts_to_an_open_board(
    committed_people, frozen
):
    await sync_to_async(live.require_services)()
    people = committed_people
    frozen(MONDAY)
    case = await sync_to_async(dispute_to)("registered", people, actor=people["mediator_chengxi"])
    frozen(YELLOW)
    assert await sync_to_async(services.timers_run)() == 1  # yellow, heard by nobody's board yet
    board, connected, _ = await connect(
        "/ws/board/", await sync_to_async(token_headers)(people["supervisor_hailing"])
    )
    assert connected
    assert lights(await board.receive_json_from())[:2] == (0, 1)

    # when the clock reaches the due moment with a runner process running
    frozen(RED)
    runner = runner_at(RED)
    try:
        event = await next_of(board, "event", timeout=30)
        snapshot = await next_of(board, "snapshot")
    finally:
        runner.send_signal(signal.SIGTERM)
        _out, errors = runner.communicate(timeout=30)

    # then the board heard the red step and got counts that changed: red now, not yellow
    assert (event["event"], event["case"]["reference"]) == ("deadline.passed", case.reference)
    assert lights(snapshot) == (1, 0, [("城西街道", 1, 0), ("海陵区政法综合服务中心", 0, 0)])
    assert runner.returncode == 0, errors
    assert await sync_to_async(Notification.objects.filter(type="deadline.passed").count)() == 1
    assert await sync_to_async(Case.objects.filter(pk=case.pk, due_at=at(RED)).exists)()
    await board.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_batch_of_reminders_travels_once_per_group_and_arrives_one_by_one(committed_people, frozen):
    people = committed_people
    frozen(MONDAY)
    cases = [await sync_to_async(dispute_to)("registered", people) for _ in range(3)]
    frozen("2026-11-02 16:00")  # see above: the channel layer's group memberships count by the clock
    headers = await sync_to_async(token_headers)(people["mediator"])
    mine, connected, _ = await connect("/ws/notifications/", headers)
    assert connected and (await mine.receive_json_from())["type"] == "hello"
    board, _, _ = await connect("/ws/board/", await sync_to_async(token_headers)(people["supervisor"]))
    await board.receive_json_from()

    # when one batch fires the yellow and red reminders of three triages held by the same mediator
    frozen(RED)
    assert await sync_to_async(services.timers_run)() == 6

    # then she hears six notifications, and the board six events, each once, in order
    notes = [(await mine.receive_json_from(timeout=5))["notification"] for _ in range(6)]
    stored = await sync_to_async(
        lambda: list(
            Notification.objects.filter(recipient=people["mediator"], type__startswith="deadline.")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    )()
    assert [note["id"] for note in notes] == stored
    assert sorted((note["case"], note["type"]) for note in notes) == sorted(
        (case.reference, kind) for case in cases for kind in ("deadline.near", "deadline.passed")
    )
    events = [m for m in await receive_until(board, "snapshot", timeout=5) if m["type"] == "event"]
    assert len(events) == 6 and [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert await mine.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await board.disconnect()


def test_the_messages_of_one_group_travel_together_in_order():
    from notifications.events import coalesced

    first, second = {"type": "board.event", "seq": 1}, {"type": "board.event", "seq": 2}
    note = {"type": "notification", "id": 7}
    assert coalesced([("board.0001", first), ("notify.3", note), ("board.0001", second)]) == [
        ("board.0001", {"type": "board.events", "events": [first, second]}),
        ("notify.3", note),
    ]
    assert coalesced([("notify.3", note), ("notify.3", note | {"id": 8})]) == [
        ("notify.3", {"type": "notifications", "notifications": [note, note | {"id": 8}]})
    ]

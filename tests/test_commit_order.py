"""Nothing lost in commit order: a reader gets every notification it has not seen, even one whose transaction
committed after a higher id it saw, and a push lost on the way arrives by the socket's own catch-up
(``notifications.horizon``, ``notifications.consumers``)."""

import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction
from rest_framework.test import APIClient

from cases.events import case_event
from cases.models import AuditAction
from cases.services.audit import audit_write
from demo.lifecycles import help_request_to
from notifications.models import Notification
from notifications.types import EventType
from tests.test_sockets import connect, receive_until, token_headers

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org(committed_people):
    return committed_people


def notify(case, person, step):
    """One notification for ``person`` about ``case``, pushed after its transaction commits."""
    [row] = case_event(
        type=EventType.DEADLINE_NEAR,
        case=case,
        recipients=[person.pk],
        params={"task_id": 0, "step": step, "due": "2026-12-04 10:00"},
    )
    return row.pk


class HeldOpen:
    """A transaction in another thread that stores a notification, then waits to be told to commit."""

    def __init__(self, case, person):
        self.inserted, self.go = threading.Event(), threading.Event()
        self.id: int | None = None
        self.thread = threading.Thread(target=self.run, args=(case, person))
        self.thread.start()
        assert self.inserted.wait(10)

    def run(self, case, person):
        try:
            with transaction.atomic():
                self.id = notify(case, person, "held")
                self.inserted.set()
                self.go.wait(10)
        finally:
            connection.close()

    def commit(self):
        self.go.set()
        self.thread.join(10)


def ids_of(messages):
    return [m["notification"]["id"] for m in messages if m["type"] == "notification"]


@pytest.mark.asyncio
async def test_a_notification_committed_after_a_higher_id_the_reader_saw_arrives_on_resume_once(
    postgres_only, org
):
    lawyer = org["lawyer"]
    case = await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])
    headers = await sync_to_async(token_headers)(lawyer)
    socket, connected, _ = await connect("/ws/notifications/", headers)
    assert connected
    hello = await socket.receive_json_from()
    assert hello["type"] == "hello" and hello["horizon"] > 0

    # T1 takes the lower id and stays open; T2 takes the higher one and commits: the reader sees T2's live.
    held = await sync_to_async(HeldOpen, thread_sensitive=False)(case, lawyer)
    later = await sync_to_async(notify)(case, lawyer, "committed first")
    assert held.id < later
    live = await socket.receive_json_from(timeout=5)
    assert live["notification"]["id"] == later
    await socket.disconnect()

    # offline, T1 commits; its push reaches nobody
    await sync_to_async(held.commit, thread_sensitive=False)()

    # the page resumes from its cursor: the last id it saw, the horizon of hello, the ids it saw lately
    socket, connected, _ = await connect("/ws/notifications/", headers)
    await socket.receive_json_from()
    await socket.send_json_to(
        {"type": "resume", "after": later, "horizon": hello["horizon"], "seen": [*hello["seen"], later]}
    )
    messages = await receive_until(socket, "resumed")
    assert ids_of(messages) == [held.id]
    assert messages[-1]["horizon"] >= hello["horizon"]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


@pytest.mark.asyncio
async def test_two_transactions_committing_against_id_order_while_the_reader_is_offline_arrive_once_each(
    postgres_only, org
):
    lawyer = org["lawyer"]
    case = await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])
    headers = await sync_to_async(token_headers)(lawyer)
    socket, _, _ = await connect("/ws/notifications/", headers)
    hello = await socket.receive_json_from()
    await socket.disconnect()

    held = await sync_to_async(HeldOpen, thread_sensitive=False)(case, lawyer)
    later = await sync_to_async(notify)(case, lawyer, "committed first")
    await sync_to_async(held.commit, thread_sensitive=False)()

    socket, _, _ = await connect("/ws/notifications/", headers)
    await socket.receive_json_from()
    await socket.send_json_to({"type": "resume", **{k: hello[k] for k in ("after", "horizon", "seen")}})
    messages = await receive_until(socket, "resumed")
    assert ids_of(messages) == [held.id, later]
    await socket.disconnect()


@pytest.mark.asyncio
async def test_a_push_lost_on_the_way_arrives_by_the_sockets_own_catch_up(org, settings):
    settings.NOTIFICATION_CATCH_UP_SECONDS = 0.2
    lawyer = org["lawyer"]
    case = await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])
    headers = await sync_to_async(token_headers)(lawyer)
    socket, _, _ = await connect("/ws/notifications/", headers)
    hello = await socket.receive_json_from()

    # stored, but its push never left (as when the channel layer failed after the commit)
    def stored_unpushed():
        with transaction.atomic():
            row = notify(case, lawyer, "lost push")
            transaction.get_connection().run_on_commit.clear()
        return row

    lost = await sync_to_async(stored_unpushed)()
    messages = await receive_until(socket, "horizon")
    assert ids_of(messages) == [lost]
    assert messages[-1]["horizon"] >= hello["horizon"]
    # the next rounds send it no more
    again = await receive_until(socket, "horizon")
    assert ids_of(again) == []
    await socket.disconnect()


def test_the_api_stream_gives_a_horizon_and_sends_what_committed_late_after_it(postgres_only, org):
    lawyer = org["lawyer"]
    case = help_request_to("dispatched", org, specialties=["legal"])
    api = APIClient()
    api.force_authenticate(lawyer)
    first = api.get("/api/v1/notifications/").json()
    newest = first["results"][-1]["id"]

    held = HeldOpen(case, lawyer)
    later = notify(case, lawyer, "committed first")
    seen = api.get("/api/v1/notifications/", {"after": newest, "horizon": first["horizon"]}).json()
    # rows at or after the first horizon come again (the client drops what it has by id)
    assert [row["id"] for row in seen["results"] if row["id"] > newest] == [later]
    held.commit()

    late = api.get("/api/v1/notifications/", {"after": later, "horizon": seen["horizon"]}).json()
    # everything at or after the horizon comes again (the client drops what it has by id): the late one too;
    # a writing transaction elsewhere in the cluster can hold the horizon back and add older rows
    assert [row["id"] for row in late["results"] if row["id"] >= held.id] == [held.id, later]


def test_without_a_horizon_the_stream_is_by_id_alone(org):
    lawyer = org["lawyer"]
    help_request_to("dispatched", org, specialties=["legal"])
    api = APIClient()
    api.force_authenticate(lawyer)
    answer = api.get("/api/v1/notifications/").json()
    ids = list(Notification.objects.filter(recipient=lawyer).order_by("pk").values_list("pk", flat=True))
    assert [row["id"] for row in answer["results"]] == ids
    if connection.vendor == "postgresql":
        assert answer["horizon"] > 0
    else:
        assert answer["horizon"] == 0  # one writer at a time: id order is commit order
    assert api.get("/api/v1/notifications/", {"after": ids[-1]}).json()["results"] == []
    refused = api.get("/api/v1/notifications/", {"horizon": "-1"})
    assert refused.status_code == 400


class HeldOpenAudit(HeldOpen):
    """A transaction in another thread that writes a board event (an audit row), then waits to commit."""

    def run(self, case, person):
        try:
            with transaction.atomic():
                entry = audit_write(case=case, actor=person, action=AuditAction.CLAIMED, name="held")
                case_event(type=EventType.CASE_CLAIMED, case=case, actor=person, audit=entry)
                self.id = entry.pk
                self.inserted.set()
                self.go.wait(10)
        finally:
            connection.close()


def board_event(case, person):
    with transaction.atomic():
        entry = audit_write(case=case, actor=person, action=AuditAction.CLAIMED, name="first")
        case_event(type=EventType.CASE_CLAIMED, case=case, actor=person, audit=entry)
    return entry.pk


@pytest.mark.asyncio
async def test_a_board_event_committed_after_a_higher_seq_the_board_saw_arrives_on_resume_once(
    postgres_only, org
):
    case = await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])
    lawyer = org["lawyer"]
    headers = await sync_to_async(token_headers)(org["supervisor"])
    board, connected, _ = await connect("/ws/board/", headers)
    assert connected
    snapshot = await board.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["horizon"] > 0

    held = await sync_to_async(HeldOpenAudit, thread_sensitive=False)(case, lawyer)
    later = await sync_to_async(board_event)(case, lawyer)
    assert held.id < later
    live = await board.receive_json_from(timeout=5)
    assert (live["type"], live["seq"]) == ("event", later)
    await board.disconnect()
    await sync_to_async(held.commit, thread_sensitive=False)()

    board, _, _ = await connect("/ws/board/", headers)
    await board.receive_json_from()  # the fresh snapshot
    await board.send_json_to(
        {"type": "resume", "after": later, "horizon": snapshot["horizon"], "seen": [*snapshot["seen"], later]}
    )
    messages = await receive_until(board, "resumed")
    assert [m["seq"] for m in messages if m["type"] == "event"] == [held.id]
    assert messages[-1]["horizon"] >= snapshot["horizon"]
    await board.disconnect()


def test_unseen_first_reads_the_rows_after_the_cursor_and_those_committed_late_by_id(postgres_only, org):
    """``notifications.horizon.unseen_first`` (the reports' counters read the audit trail so): the rows after
    ``after`` up to the limit, and a row whose transaction committed after a higher id was read, in id order."""
    from notifications.horizon import replay_horizon, unseen_first, unseen_q

    lawyer = org["lawyer"]
    case = help_request_to("dispatched", org, specialties=["legal"])
    rows = Notification.objects.filter(recipient=lawyer).values_list("pk", flat=True)
    held = HeldOpen(case, lawyer)
    horizon = replay_horizon()  # the held transaction is running: the horizon is at or before it
    later = [notify(case, lawyer, f"第{n}步") for n in range(3)]
    held.commit()
    # A reader that saw up to ``later[0]`` while the held row was invisible, with the horizon of that read: the
    # rows after it, and every row at or after the horizon again (``unseen_q``; the reader drops what it has).
    assert list(unseen_first(rows, after=later[0], horizon=horizon, limit=10)) == [held.id, *later]
    assert list(unseen_first(rows, after=later[0], horizon=horizon, limit=2)) == [held.id, later[0]]
    assert list(rows.filter(unseen_q(after=later[0], horizon=horizon)).order_by("pk")) == [held.id, *later]
    # Without a horizon, by id alone.
    assert list(unseen_first(rows, after=later[0], horizon=0, limit=10)) == later[1:]


def test_unseen_first_answers_what_unseen_q_answers_on_either_database(org):
    """PostgreSQL reads the two index parts; SQLite (no compound parts with a LIMIT of their own, no transaction
    ids) the ``OR`` itself, whatever horizon a client sends: the same rows as ``unseen_q`` either way."""
    from notifications.horizon import replay_horizon, unseen_first, unseen_q

    lawyer = org["lawyer"]
    case = help_request_to("dispatched", org, specialties=["legal"])
    rows = Notification.objects.filter(recipient=lawyer).values_list("pk", flat=True)
    ids = [notify(case, lawyer, f"第{n}步") for n in range(5)]
    assert list(unseen_first(rows, after=ids[1], horizon=0, limit=2)) == ids[2:4]
    for after in (0, ids[1], ids[-1]):
        for horizon in (0, replay_horizon() or 1):
            for limit in (2, 10):
                assert list(unseen_first(rows, after=after, horizon=horizon, limit=limit)) == list(
                    rows.filter(unseen_q(after=after, horizon=horizon or None)).order_by("pk")[:limit]
                )

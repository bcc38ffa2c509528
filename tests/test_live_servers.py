"""Across real processes on PostgreSQL + Redis: two ASGI servers sharing Redis, a Redis outage, 200 idle
sockets, a burst to one board. Each loop is bounded in count and time; everything listens on 127.0.0.1."""

import asyncio
import json
import os

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cases.models import AuditEntry
from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification
from tests.helpers import open_tasks
from tests.live import asgi_server, post, redis_server, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(postgres_only, committed_people):
    """PostgreSQL and Redis are both needed; a failure instead of a skip when the run promised them."""
    if not settings.REDIS_URL:
        if os.environ.get("TONGXIN_REQUIRE_SERVICES") == "1":
            pytest.fail("Redis is required on this run (REDIS_URL)")
        pytest.skip("needs Redis: set REDIS_URL")
    return committed_people


def token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


async def open_socket(base: str, path: str, key: str):
    return await connect(
        f"ws://{base}{path}", additional_headers={"Authorization": f"Token {key}"}, open_timeout=10
    )


async def next_of(socket, kind: str, timeout: float = 10) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == kind:
                return message


def test_a_claim_through_one_server_reaches_a_socket_on_the_other(live):
    case = help_request_to("dispatched", live, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    liaison_key = token(live["liaison"])
    lawyer_session = session_cookie(live["lawyer"])

    with (
        asgi_server(redis_url=settings.REDIS_URL) as server_a,
        asgi_server(redis_url=settings.REDIS_URL) as server_b,
    ):

        async def scenario():
            socket = await open_socket(server_b, "/ws/notifications/", liaison_key)
            assert (await next_of(socket, "hello"))["unread"] == 0
            status = await asyncio.to_thread(post, server_a, f"/tasks/{task.pk}/claim/", lawyer_session)
            assert status == 302
            message = await next_of(socket, "notification")
            await socket.close()
            return message

        message = asyncio.run(scenario())
    assert message["notification"]["type"] == "case.claimed"
    assert message["notification"]["text"] == f"您登记的案件 {case.reference} 已由周律师认领"


def test_a_redis_outage_loses_no_notification(live):
    cases = [help_request_to("dispatched", live, specialties=["legal"]) for _ in range(12)]
    tasks = [open_tasks(case)["advise_legal"].pk for case in cases]
    liaison_key = token(live["liaison"])
    lawyer_session = session_cookie(live["lawyer"])

    # A socket that outlived the outage without noticing it is out of its group (the restarted Redis forgot it)
    # until its next catch-up: every 2 s here, every minute by default.
    with (
        redis_server() as (redis_url, stop_redis, start_redis),
        asgi_server(redis_url=redis_url, NOTIFICATION_CATCH_UP_SECONDS="2") as server,
    ):

        async def client(received: list, stop: asyncio.Event):
            """A client as the page's script is: resume from its cursor on every (re)connect, back off."""
            cursor: dict = {}
            delay = 0.2
            while not stop.is_set():
                try:
                    socket = await open_socket(server, "/ws/notifications/", liaison_key)
                except Exception:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2)
                    continue
                delay = 0.2
                try:
                    while not stop.is_set():
                        try:
                            async with asyncio.timeout(0.5):
                                message = json.loads(await socket.recv())
                        except TimeoutError:
                            continue
                        if message["type"] == "hello" and cursor:
                            await socket.send(json.dumps({"type": "resume", **cursor}))
                        elif message["type"] == "hello":
                            cursor = {k: message[k] for k in ("after", "horizon", "seen")}
                        elif message["type"] in ("resumed", "horizon"):
                            cursor["horizon"] = message["horizon"]
                        elif message["type"] == "notification":
                            received.append(message["notification"]["id"])
                            cursor["after"] = max(cursor["after"], message["notification"]["id"])
                            cursor["seen"].append(message["notification"]["id"])
                except Exception:
                    await asyncio.sleep(delay)
                finally:
                    await socket.close()

        async def scenario():
            received: list[int] = []
            stop = asyncio.Event()
            listener = asyncio.create_task(client(received, stop))
            statuses = []
            for index, task_id in enumerate(tasks):
                if index == 4:
                    await asyncio.to_thread(stop_redis)
                if index == 8:
                    await asyncio.to_thread(start_redis)
                status = await asyncio.to_thread(post, server, f"/tasks/{task_id}/claim/", lawyer_session)
                statuses.append(status)
            async with asyncio.timeout(60):
                while len(set(received)) < len(tasks):
                    await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)  # anything late and doubled would arrive now
            stop.set()
            await listener
            return statuses, received

        statuses, received = asyncio.run(scenario())

    # every claim committed, every notification delivered once (one the outage kept from a socket that stayed
    # open arrives by its catch-up, after later ones)
    assert statuses == [302] * len(tasks)
    stored = list(
        Notification.objects.filter(recipient=live["liaison"], type="case.claimed")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(stored) == len(tasks)
    assert sorted(received) == stored and len(received) == len(set(received))


def test_200_idle_sockets_stay_open_60_seconds_and_receive_the_next_message(live):
    key = token(live["lawyer"])
    with asgi_server(redis_url=settings.REDIS_URL) as server:

        async def scenario():
            sockets = [await open_socket(server, "/ws/notifications/", key) for _ in range(200)]
            for socket in sockets:
                await next_of(socket, "hello")
            await asyncio.sleep(60)
            case = await sync_to_async(help_request_to)("dispatched", live, specialties=["legal"])
            messages = await asyncio.gather(
                *(next_of(socket, "notification", timeout=20) for socket in sockets)
            )
            for socket in sockets:
                await socket.close()
            return case, messages

        case, messages = asyncio.run(scenario())
    assert len(messages) == 200
    assert {m["notification"]["case"] for m in messages} == {case.reference}


def test_a_burst_of_500_board_events_loses_none_after_replay(live):
    key = token(live["supervisor"])
    with asgi_server(redis_url=settings.REDIS_URL) as server:

        async def scenario():
            board = await open_socket(server, "/ws/board/", key)
            snapshot = await next_of(board, "snapshot")
            seen: set[int] = set()

            async def collect():
                while True:
                    message = json.loads(await board.recv())
                    if message["type"] == "event":
                        seen.add(message["seq"])
                    elif message["type"] == "resumed":
                        return

            collector = asyncio.create_task(collect())
            for _ in range(500):
                await sync_to_async(dispute_to)("registered", live)
            await asyncio.sleep(1)
            await board.send(json.dumps({"type": "resume", "after": snapshot["seq"]}))
            async with asyncio.timeout(60):
                await collector
            await board.close()
            return snapshot, seen

        snapshot, seen = asyncio.run(scenario())
    registered = set(
        AuditEntry.objects.filter(action="registered", pk__gt=snapshot["seq"]).values_list("pk", flat=True)
    )
    assert len(registered) == 500
    assert registered <= seen


def test_a_case_registered_here_reaches_every_board_socket_on_two_servers_once(live):
    key = token(live["supervisor"])
    with (
        asgi_server(redis_url=settings.REDIS_URL) as server_a,
        asgi_server(redis_url=settings.REDIS_URL) as server_b,
    ):

        async def scenario():
            boards = [
                await open_socket(server, "/ws/board/", key)
                for server in (server_a, server_b)
                for _ in range(30)
            ]
            for board in boards:
                await next_of(board, "snapshot")
            case = await sync_to_async(registered_closing)(live)

            async def until_refreshed(board):
                """The board's messages up to the snapshot the server pushes after the event."""
                messages = []
                async with asyncio.timeout(20):
                    while not messages or messages[-1]["type"] != "snapshot":
                        messages.append(json.loads(await board.recv()))
                return messages

            received = await asyncio.gather(*(until_refreshed(board) for board in boards))
            for board in boards:
                await board.close()
            return case, received

        case, received = asyncio.run(scenario())
    registered = AuditEntry.objects.get(case=case, action="registered")
    assert len(received) == 60
    for messages in received:
        assert [(m["type"], m.get("seq")) for m in messages[:-1]] == [("event", registered.pk)]
        assert messages[-1]["open"] == 1


def test_a_redis_outage_closes_the_board_sockets_and_a_reconnected_board_replays_what_it_missed(live):
    key = token(live["supervisor"])
    with redis_server() as (redis_url, stop_redis, start_redis), asgi_server(redis_url=redis_url) as server:

        async def scenario():
            board = await open_socket(server, "/ws/board/", key)
            snapshot = await next_of(board, "snapshot")
            await asyncio.to_thread(stop_redis)
            # the room's channel fails: its sockets are closed, so that their pages reconnect
            async with asyncio.timeout(30):
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        await board.recv()
            await asyncio.to_thread(start_redis)
            case = await sync_to_async(registered_closing)(live)
            # as the page does: reconnect with a pause (the first try may meet a pooled connection of the old Redis)
            for _attempt in range(10):
                try:
                    board = await open_socket(server, "/ws/board/", key)
                    await next_of(board, "snapshot")
                    break
                except (InvalidStatus, ConnectionClosed):
                    await asyncio.sleep(0.5)
            await board.send(json.dumps({"type": "resume", "after": snapshot["seq"]}))
            replayed = []
            async with asyncio.timeout(20):
                while (message := json.loads(await board.recv()))["type"] != "resumed":
                    if message["type"] == "event":
                        replayed.append(message["seq"])
            await board.close()
            return closed.value.rcvd.code, case, replayed

        code, case, replayed = asyncio.run(scenario())
    assert code == 4503
    assert replayed == [AuditEntry.objects.get(case=case, action="registered").pk]


def registered_closing(people):
    """A dispute registered from a worker thread that then closes its own database connection."""
    try:
        return dispute_to("registered", people)
    finally:
        connection.close()

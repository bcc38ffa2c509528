"""The board fan-out: a message serialised once per group and forwarded once per socket; the counts refreshed by
one snapshot per board root and process, pushed to every board of the root, with no board asking."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from cases.selectors import board as board_selectors
from demo.lifecycles import dispute_to
from notifications import fanout
from notifications.events import board_message
from tests.test_sockets import close_layer_pools, connect, receive_until, token_headers  # noqa: F401

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org(committed_people):
    return committed_people


@pytest.fixture
def snapshots(monkeypatch):
    """Counts the board snapshots the consumers compute (the selector itself runs)."""
    calls = []
    real = board_selectors.board_snapshot

    def counted(*, root):
        calls.append(root.path)
        return real(root=root)

    monkeypatch.setattr(board_selectors, "board_snapshot", counted)
    monkeypatch.setattr(fanout, "BOARD_REFRESH_DELAY", 0.5)
    return calls


async def unit_path(user) -> str:
    return await sync_to_async(lambda: user.unit.path)()


async def open_board(user):
    board, connected, _ = await connect("/ws/board/", await sync_to_async(token_headers)(user))
    assert connected
    snapshot = await board.receive_json_from()
    assert snapshot["type"] == "snapshot"
    return board, snapshot


async def test_two_boards_of_a_unit_get_one_pushed_snapshot_after_a_burst_of_events(org, snapshots):
    first, _ = await open_board(org["supervisor"])
    second, _ = await open_board(org["supervisor"])
    assert len(snapshots) == 2  # one each on connect

    # when a dispute is registered and triaged (three events, within the refresh delay)
    case = await sync_to_async(dispute_to)("triaged", org)

    # then each board gets the three events, then one fresh snapshot without asking for it
    for board in (first, second):
        messages = await receive_until(board, "snapshot", timeout=5)
        assert [m["type"] for m in messages] == ["event", "event", "event", "snapshot"]
        assert {m["case"]["reference"] for m in messages[:-1]} == {case.reference}
        refreshed = messages[-1]
        assert refreshed["by_state"] == {"triaged": 1}
        assert refreshed["open"] == 1
        assert refreshed["seq"] == max(m["seq"] for m in messages[:-1])
        assert [c["reference"] for c in refreshed["newest"]] == [case.reference]
        assert await board.receive_nothing(timeout=0.8)
    # computed once for both boards of 泰州市
    assert snapshots == [await unit_path(org["supervisor"])] * 3
    await first.disconnect()
    await second.disconnect()


async def test_a_board_of_another_unit_gets_a_snapshot_of_its_own(org, snapshots):
    city, _ = await open_board(org["supervisor"])
    hailing, _ = await open_board(org["supervisor_hailing"])

    case = await sync_to_async(dispute_to)("registered", org, actor=org["mediator_chengxi"])

    city_messages = await receive_until(city, "snapshot", timeout=5)
    hailing_messages = await receive_until(hailing, "snapshot", timeout=5)
    assert city_messages[0]["case"]["reference"] == hailing_messages[0]["case"]["reference"] == case.reference
    assert city_messages[-1]["unit"]["name"] == "泰州市" and hailing_messages[-1]["unit"]["name"] == "海陵区"
    assert city_messages[-1]["open"] == hailing_messages[-1]["open"] == 1
    assert sorted(snapshots[2:]) == sorted(
        [await unit_path(org["supervisor"]), await unit_path(org["supervisor_hailing"])]
    )
    await city.disconnect()
    await hailing.disconnect()


async def test_a_group_message_is_forwarded_as_its_text_once_per_socket(org, snapshots):
    board, snapshot = await open_board(org["supervisor"])
    message = board_message(seq=snapshot["seq"] + 1, event="case.claimed", case={"reference": "X"})
    layer = get_channel_layer()
    group = f"board.{await unit_path(org['supervisor'])}"

    # the same seq twice (a push and a late duplicate)
    await layer.group_send(group, message)
    await layer.group_send(group, message)

    received = await board.receive_from(timeout=5)
    assert received == message["text"]
    assert json.loads(received) == {
        "type": "event",
        "seq": snapshot["seq"] + 1,
        "event": "case.claimed",
        "case": {"reference": "X"},
    }
    # then only the pushed snapshot, no second copy of the event
    assert json.loads(await board.receive_from(timeout=5))["type"] == "snapshot"
    assert await board.receive_nothing(timeout=0.8)
    await board.disconnect()


async def test_a_closed_board_leaves_its_root_and_the_last_one_takes_the_refresher_away(org, snapshots):
    board, _ = await open_board(org["supervisor"])
    path = await unit_path(org["supervisor"])
    assert len(fanout.BoardRoom.rooms[path].boards) == 1
    await board.disconnect()
    assert path not in fanout.BoardRoom.rooms


async def test_every_board_of_a_room_larger_than_a_batch_gets_each_event_once(org, snapshots, monkeypatch):
    monkeypatch.setattr(fanout, "FORWARD_BATCH", 2)
    boards = [(await open_board(org["supervisor"]))[0] for _ in range(5)]

    case = await sync_to_async(dispute_to)("registered", org)

    for board in boards:
        messages = await receive_until(board, "snapshot", timeout=5)
        assert [(m["type"], m.get("event")) for m in messages] == [
            ("event", "case.registered"),
            ("snapshot", None),
        ]
        assert messages[0]["case"]["reference"] == case.reference
        await board.disconnect()


class Recorder:
    """A board socket that records what it is sent, in one log shared by all of them."""

    def __init__(self, name: int, log: list):
        self.name, self.log = name, log

    async def board_event(self, event: dict) -> bool:
        self.log.append((self.name, "event"))
        return True

    async def send(self, text_data=None, bytes_data=None, close=False):
        self.log.append((self.name, json.loads(text_data)["type"]))

    async def close(self, code=None, reason=None):
        pass


async def test_an_event_is_forwarded_between_the_batches_of_a_refresh_not_after_all_of_them(monkeypatch):
    monkeypatch.setattr(fanout, "FORWARD_BATCH", 2)
    monkeypatch.setattr(fanout, "BOARD_REFRESH_DELAY", 0)
    log: list = []
    room = fanout.BoardRoom("0001", lambda: {"type": "snapshot"})
    try:
        room.boards = {Recorder(name, log) for name in range(6)}
        refreshing = asyncio.get_running_loop().create_task(room.refresh())
        while not log:  # the refresh has begun writing
            await asyncio.sleep(0)
        await room.forward({"type": "board.event", "seq": 1, "text": "{}"})
        await refreshing
    finally:
        room.close()

    kinds = [kind for _, kind in log]
    assert kinds.count("snapshot") == kinds.count("event") == 6
    # the first boards have the event before the last ones have their snapshot
    assert kinds.index("event") < len(kinds) - 1 - kinds[::-1].index("snapshot")


async def test_a_board_event_whose_push_was_lost_arrives_by_the_rooms_catch_up_once(
    org, snapshots, monkeypatch
):
    from notifications import events

    monkeypatch.setattr(fanout, "BOARD_CATCH_UP_SECONDS", 0.5)
    board, _ = await open_board(org["supervisor"])
    other, _ = await open_board(org["supervisor"])
    monkeypatch.setattr(events, "_publish", lambda messages: None)  # every push after commit is lost

    case = await sync_to_async(dispute_to)("registered", org)

    for socket in (board, other):
        messages = await receive_until(socket, "snapshot", timeout=5)
        assert [(m["type"], m.get("event")) for m in messages] == [
            ("event", "case.registered"),
            ("snapshot", None),
        ]
        assert messages[0]["case"]["reference"] == case.reference
    # the next rounds find it again and send nothing: each board sent it once
    assert await board.receive_nothing(timeout=1.5)
    assert await other.receive_nothing(timeout=0.1)
    await board.disconnect()
    await other.disconnect()


async def test_a_board_opened_later_is_not_sent_what_its_snapshot_already_shows(org, snapshots, monkeypatch):
    from notifications import events

    first, _ = await open_board(org["supervisor"])
    monkeypatch.setattr(events, "_publish", lambda messages: None)
    await sync_to_async(dispute_to)("registered", org)
    late, _ = await open_board(org["supervisor"])  # its snapshot shows the case already

    await fanout.BoardRoom.rooms[await unit_path(org["supervisor"])].catch_up()  # the room's next round, now

    messages = await receive_until(first, "snapshot", timeout=5)
    assert [(m["type"], m.get("event")) for m in messages] == [
        ("event", "case.registered"),
        ("snapshot", None),
    ]
    messages = await receive_until(
        late, "snapshot", timeout=5
    )  # the refresh the first board's event asked for
    assert [m["type"] for m in messages] == ["snapshot"]
    await first.disconnect()
    await late.disconnect()

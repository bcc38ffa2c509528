"""The websockets through the real ASGI application (auth middleware, routing, consumers) and the real channel
layer of the run (Redis on the PostgreSQL pass, in-memory on the embedded one)."""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from config.asgi import application
from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def token_headers(user):
    token, _ = Token.objects.get_or_create(user=user)
    return [(b"authorization", f"Token {token.key}".encode())]


def session_headers(user, origin=ORIGIN):
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return [origin, (b"cookie", cookie)]


async def connect(path, headers):
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await socket.connect()
    return socket, connected, code


async def receive_until(socket, kind, timeout=5):
    """Messages up to and including the first of type ``kind``."""
    messages = []
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        messages.append(message)
        if message["type"] == kind:
            return messages


@pytest.fixture
def org(committed_people):
    return committed_people


@pytest_asyncio.fixture(autouse=True)
async def close_layer_pools():
    """Close the Redis layer's connections inside the test's own loop, so no receive outlives it."""
    yield
    layer = get_channel_layer()
    if hasattr(layer, "close_pools"):
        await layer.close_pools()


async def test_an_anonymous_socket_is_refused(org):
    for path in ("/ws/notifications/", "/ws/board/"):
        socket, connected, code = await connect(path, [ORIGIN])
        assert (connected, code) == (False, 4401)


async def test_a_session_cookie_from_another_site_is_refused(org):
    headers = await sync_to_async(session_headers)(
        org["mediator"], origin=(b"origin", b"https://evil.example")
    )
    socket, connected, _code = await connect("/ws/notifications/", headers)
    assert connected is False


async def test_a_wrong_token_is_refused(org):
    socket, connected, code = await connect("/ws/notifications/", [(b"authorization", b"Token nonsense")])
    assert (connected, code) == (False, 4401)


async def test_a_professional_may_not_open_a_board(org):
    headers = await sync_to_async(token_headers)(org["lawyer"])
    socket, connected, code = await connect("/ws/board/", headers)
    assert (connected, code) == (False, 4403)


async def test_the_lawyer_hears_of_a_new_legal_request_live_over_a_token_socket(org):
    headers = await sync_to_async(token_headers)(org["lawyer"])
    socket, connected, _ = await connect("/ws/notifications/", headers)
    assert connected
    hello = await socket.receive_json_from()
    assert (hello["type"], hello["unread"], hello["after"]) == ("hello", 0, 0)

    case = await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])

    message = await socket.receive_json_from(timeout=5)
    stored = await sync_to_async(Notification.objects.get)(recipient=org["lawyer"])
    assert message == {
        "type": "notification",
        "notification": {
            "id": stored.pk,
            "type": "queue.new",
            "text": f"待认领任务：{case.reference} · 法律意见",
            "case": case.reference,
            "url": f"/cases/{case.reference}/",
            "created": stored.created_at.isoformat(),
            "read": False,
        },
    }
    assert "13912345678" not in str(message)
    await socket.disconnect()


async def test_resume_after_the_last_id_gets_exactly_the_missed_50_in_order(org):
    lawyer = org["lawyer"]
    await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])
    seen = await sync_to_async(lambda: Notification.objects.get(recipient=lawyer).pk)()
    # while the lawyer is offline, 50 more legal requests arrive in her queue
    for _ in range(50):
        await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])
    missed = await sync_to_async(
        lambda: list(
            Notification.objects.filter(recipient=lawyer, pk__gt=seen)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    )()
    assert len(missed) == 50

    headers = await sync_to_async(session_headers)(lawyer)
    socket, connected, _ = await connect("/ws/notifications/", headers)
    assert connected
    hello = await socket.receive_json_from()
    assert (hello["type"], hello["unread"], hello["after"]) == ("hello", 51, missed[-1])
    await socket.send_json_to({"type": "resume", "after": seen})
    messages = await receive_until(socket, "resumed")
    assert [m["notification"]["id"] for m in messages[:-1]] == missed
    # and nothing else arrives
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_mark_read_over_the_socket(org):
    lawyer = org["lawyer"]
    for _ in range(3):
        await sync_to_async(help_request_to)("dispatched", org, specialties=["legal"])
    ids = await sync_to_async(
        lambda: list(
            Notification.objects.filter(recipient=lawyer).order_by("pk").values_list("pk", flat=True)
        )
    )()
    headers = await sync_to_async(token_headers)(lawyer)
    socket, _, _ = await connect("/ws/notifications/", headers)
    hello = await socket.receive_json_from()
    assert (hello["type"], hello["unread"], hello["after"]) == ("hello", 3, ids[-1])
    await socket.send_json_to({"type": "read", "ids": ids[:2]})
    assert await socket.receive_json_from() == {"type": "unread", "unread": 1}
    await socket.send_json_to({"type": "read", "up_to": ids[-1]})
    assert await socket.receive_json_from() == {"type": "unread", "unread": 0}
    # another person's ids are not hers to mark
    other = await sync_to_async(help_request_to)("dispatched", org, specialties=["tax"])
    tax_ids = await sync_to_async(
        lambda: list(Notification.objects.filter(case=other).values_list("pk", flat=True))
    )()
    await socket.send_json_to({"type": "read", "ids": tax_ids})
    assert await socket.receive_json_from() == {"type": "unread", "unread": 0}
    assert await sync_to_async(
        lambda: Notification.objects.filter(pk__in=tax_ids, read_at__isnull=True).count()
    )() == len(tax_ids)
    await socket.disconnect()


async def test_the_hailing_board_hears_nothing_of_a_taixing_case_and_the_city_board_does(org):
    hailing, _, _ = await connect("/ws/board/", await sync_to_async(token_headers)(org["supervisor_hailing"]))
    city, _, _ = await connect("/ws/board/", await sync_to_async(token_headers)(org["supervisor"]))
    hailing_snapshot = await hailing.receive_json_from()
    city_snapshot = await city.receive_json_from()
    assert hailing_snapshot["type"] == city_snapshot["type"] == "snapshot"
    assert hailing_snapshot["unit"]["name"] == "海陵区" and city_snapshot["unit"]["name"] == "泰州市"

    case = await sync_to_async(dispute_to)("registered", org)

    event = await city.receive_json_from(timeout=5)
    assert (event["type"], event["event"], event["case"]["reference"]) == (
        "event",
        "case.registered",
        case.reference,
    )
    assert event["seq"] > city_snapshot["seq"]
    assert "13812341234" not in str(event) and "张三" not in str(event)
    assert await hailing.receive_nothing(timeout=0.5)

    # a case in 海陵区 reaches both
    chengxi = await sync_to_async(dispute_to)("registered", org, actor=org["mediator_chengxi"])
    assert (await hailing.receive_json_from(timeout=5))["case"]["reference"] == chengxi.reference
    assert (await city.receive_json_from(timeout=5))["case"]["reference"] == chengxi.reference
    await hailing.disconnect()
    await city.disconnect()


async def test_a_board_snapshot_counts_its_subtree_and_resume_replays_events(org):
    await sync_to_async(dispute_to)("triaged", org)
    await sync_to_async(dispute_to)("registered", org, actor=org["mediator_chengxi"])
    board, _, _ = await connect("/ws/board/", await sync_to_async(token_headers)(org["supervisor"]))
    snapshot = await board.receive_json_from()
    assert snapshot["by_state"] == {"triaged": 1, "registered": 1}
    assert snapshot["open"] == 2
    assert [(c["name"], c["open"]) for c in snapshot["children"]] == [("泰兴市", 1), ("海陵区", 1)]
    assert len(snapshot["newest"]) == 2 and snapshot["overdue"] == []
    await board.disconnect()

    # offline, three more things happen; the reconnecting board replays them after its last seq
    await sync_to_async(dispute_to)("triaged", org)  # registered (triage is the mediator's at once), triaged
    board, _, _ = await connect("/ws/board/", await sync_to_async(token_headers)(org["supervisor"]))
    await board.receive_json_from()  # the new snapshot
    await board.send_json_to({"type": "resume", "after": snapshot["seq"]})
    replayed = await receive_until(board, "resumed")
    events = [(m["event"], m["case"]["state"]) for m in replayed[:-1]]
    assert events == [
        ("case.registered", "triaged"),
        ("case.triage", "triaged"),
        ("task.completed", "triaged"),
    ]
    await board.disconnect()

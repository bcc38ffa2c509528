"""Events are typed (``notifications.types.EventType``): each type carries its text, who hears it and whether
boards show it; the board's replay carries exactly the events pushed live; a notification is rendered in its
reader's language when read."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token

from cases.models import Case, Unit
from cases.services import privacy
from demo.lifecycles import help_request_to
from notifications.events import Subject, event_emit
from notifications.models import Notification
from notifications.types import EventType, Hears
from tests.test_sockets import close_layer_pools, connect, receive_until, token_headers  # noqa: F401


def test_every_transition_of_a_case_has_an_event_type():
    transitions = {t.name for t in Case().get_all_state_transitions()}
    assert transitions  # the model's transitions were found
    for name in transitions:
        assert EventType.of_transition(name).board


def test_every_type_has_a_text_in_both_languages():
    params = {"reference": "TX-2026-000001", "step": "研判", "person": "周律师", "unit": "济川街道"}
    params |= {"to": "12345", "rating": 5, "when": "2026-12-03 14:00", "place": "议事厅", "points": 63}
    params |= {"due": "2026-12-03 14:00"}
    # an honour is about no case: its texts name the nominee and the year instead of a reference
    params |= {
        "nominator": "蒋部长",
        "honour": "三师先锋",
        "year": 2026,
        "approver": "钱部长",
        "reason": "材料不足",
    }
    for event_type in EventType:
        with translation.override("zh-hans"):
            chinese = event_type.render(params)
        with translation.override("en"):
            english = event_type.render(params)
        named = "周律师" if event_type.value.startswith("nomination.") else "TX-2026-000001"
        assert named in chinese and named in english, event_type
        assert chinese != english, f"{event_type} has no Chinese text"


def test_an_unknown_type_fails_loudly():
    with pytest.raises(ValueError):
        EventType("case.teleport")
    with pytest.raises(ValueError):
        EventType.of_transition("teleport")


def test_event_emit_refuses_recipients_for_a_type_nobody_hears_and_a_board_seq_for_a_type_boards_do_not_show(
    people,
):
    subject = Subject(case_id=None, reference="TX-0", unit_path="0001", unit_steplen=4, board_view=dict)
    assert EventType.CASE_TRIAGE.hears is Hears.NOBODY
    with pytest.raises(ValueError):
        event_emit(type=EventType.CASE_TRIAGE, subject=subject, recipients=[people["mediator"].pk])
    with pytest.raises(ValueError):
        event_emit(type=EventType.QUEUE_NEW, subject=subject, seq=1)
    assert Notification.objects.count() == 0


def test_a_notification_is_read_in_the_readers_language(people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    token = Token.objects.create(user=people["lawyer"]).key

    def texts(language):
        client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)
        return [row["text"] for row in client.get("/api/v1/notifications/").json()["results"]]

    assert texts("zh-hans") == [f"待认领任务：{case.reference} · 法律意见"]
    assert texts("en") == [f"New in your queue: {case.reference} · Legal advice"]
    pages = Client(HTTP_ACCEPT_LANGUAGE="en")
    pages.force_login(people["lawyer"])
    assert (
        f"New in your queue: {case.reference} · Legal advice" in pages.get("/notifications/").content.decode()
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_hears_its_notifications_in_its_language(committed_people):
    headers = await sync_to_async(token_headers)(committed_people["lawyer"])
    socket, connected, _ = await connect("/ws/notifications/", [*headers, (b"accept-language", b"en")])
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"

    case = await sync_to_async(help_request_to)("dispatched", committed_people, specialties=["legal"])

    message = await socket.receive_json_from(timeout=5)
    assert message["notification"]["text"] == f"New in your queue: {case.reference} · Legal advice"
    await socket.disconnect()


async def events_until_quiet(socket, quiet: float = 2.0) -> list[tuple[int, str]]:
    """The (seq, event) of every event a board socket receives until it has been quiet for ``quiet`` seconds."""
    events = []
    while not await socket.receive_nothing(timeout=quiet):  # a receive that times out would end the app
        message = await socket.receive_json_from()
        if message["type"] == "event":
            events.append((message["seq"], message["event"]))
    return events


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_boards_replay_carries_exactly_the_events_pushed_live(committed_people):
    people = committed_people
    headers = await sync_to_async(token_headers)(people["supervisor"])
    live, connected, _ = await connect("/ws/board/", headers)
    assert connected
    assert (await live.receive_json_from())["type"] == "snapshot"

    # a lifecycle with the audited acts that are no events: a card redemption and an unmasking
    case = await sync_to_async(help_request_to)("claimed", people, card_code="TXK-0002")
    await sync_to_async(privacy.case_unmask)(case=case, user=people["supervisor"], reason="核实")

    pushed = await events_until_quiet(live)
    await live.disconnect()
    replay, connected, _ = await connect("/ws/board/", headers)
    assert connected
    await replay.receive_json_from()
    await replay.send_json_to({"type": "resume", "after": 0})
    replayed = [
        (m["seq"], m["event"])
        for m in await receive_until(replay, "resumed", timeout=10)
        if m["type"] == "event"
    ]
    await replay.disconnect()

    # the sends of one commit may arrive in any order: the seqs order them
    assert [event for _seq, event in sorted(pushed)] == [
        "case.registered",
        "case.dispatch",
        "task.completed",
        "case.claimed",
        "case.claim",
    ]
    assert sorted(pushed) == replayed
    city = await sync_to_async(Unit.objects.get)(name="泰州市")
    assert city.path  # the supervisor's board is the whole city's
    assert "13912345678" not in json.dumps(replayed)

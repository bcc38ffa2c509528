"""What a socket keeps per message: the ids it sent (``IdMemory``, bounded) and the notification text rendered
once per process and language for all the sockets of a user (``notifications.consumers.rendered``)."""

import pytest
from asgiref.sync import sync_to_async

from demo.lifecycles import help_request_to
from notifications import consumers
from notifications.consumers import SENT_MEMORY, IdMemory
from notifications.models import Notification
from tests.test_sockets import close_layer_pools, connect, token_headers  # noqa: F401


def test_an_id_is_new_once_in_any_order():
    memory = IdMemory()
    assert [memory.add(key) for key in (5, 3, 9, 3, 5, 4, 9)] == [True, True, True, False, False, True, False]
    assert list(memory.ids) == [3, 4, 5, 9]
    assert (4 in memory, 6 in memory, len(memory)) == (True, False, 4)


def test_the_ids_a_client_names_are_remembered_sorted_without_repeats():
    memory = IdMemory([7, 2, 7, 11])
    assert list(memory.ids) == [2, 7, 11]
    assert memory.add(7) is False
    assert memory.add(8) is True


def test_past_its_limit_the_memory_forgets_the_oldest_half_at_once():
    memory = IdMemory()
    for key in range(1, SENT_MEMORY + 1):
        memory.add(key)
    assert len(memory) == SENT_MEMORY

    assert memory.add(SENT_MEMORY + 1) is True

    assert len(memory) == SENT_MEMORY // 2
    assert list(memory.ids[:1]) == [SENT_MEMORY // 2 + 2]
    assert (
        SENT_MEMORY // 2 + 1 not in memory
    )  # forgotten: sent again, it would be a duplicate the client drops
    assert memory.add(SENT_MEMORY + 1) is False


def test_a_notification_is_rendered_once_per_language_and_read_state(monkeypatch):
    monkeypatch.setattr(consumers, "_rendered", {})
    calls = []
    original = consumers.message_from_fields
    monkeypatch.setattr(
        consumers, "message_from_fields", lambda fields: calls.append(fields["id"]) or original(fields)
    )
    fields = {
        "id": 41,
        "type": "queue.new",
        "payload": {"reference": "TX-2026-000041", "step": "Legal advice", "_translated": ["step"]},
        "created": "2026-12-03T09:00:00+08:00",
        "read": False,
    }

    texts = [consumers.rendered(fields, language) for language in ("zh-hans", "zh-hans", "en", "en")]
    read = consumers.rendered({**fields, "read": True}, "zh-hans")

    assert calls == [41, 41, 41]
    assert texts[0] is texts[1] and texts[2] is texts[3]
    assert '"text":"待认领任务：TX-2026-000041 · 法律意见"' in texts[0]
    assert '"text":"New in your queue: TX-2026-000041 · Legal advice"' in texts[2]
    assert '"read":true' in read and '"read":false' in texts[0]


def test_the_rendered_texts_are_bounded(monkeypatch):
    monkeypatch.setattr(consumers, "_rendered", {})
    monkeypatch.setattr(consumers, "RENDERED_MEMORY", 3)
    for key in range(1, 6):
        consumers.rendered(
            {
                "id": key,
                "type": "queue.new",
                "payload": {},
                "created": "2026-12-03T09:00:00+08:00",
                "read": False,
            },
            "en",
        )
    assert [key[0] for key in consumers._rendered] == [3, 4, 5]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_two_sockets_of_one_user_in_two_languages_each_hear_it_once_in_their_own(committed_people):
    headers = await sync_to_async(token_headers)(committed_people["lawyer"])
    chinese, connected, _ = await connect("/ws/notifications/", [*headers, (b"accept-language", b"zh-hans")])
    assert connected
    english, connected, _ = await connect("/ws/notifications/", [*headers, (b"accept-language", b"en")])
    assert connected
    assert (await chinese.receive_json_from())["type"] == "hello"
    assert (await english.receive_json_from())["type"] == "hello"

    case = await sync_to_async(help_request_to)("dispatched", committed_people, specialties=["legal"])

    stored = await sync_to_async(Notification.objects.get)(recipient=committed_people["lawyer"])
    heard_chinese = await chinese.receive_json_from(timeout=5)
    heard_english = await english.receive_json_from(timeout=5)
    assert heard_chinese["notification"]["id"] == heard_english["notification"]["id"] == stored.pk
    assert heard_chinese["notification"]["text"] == f"待认领任务：{case.reference} · 法律意见"
    assert heard_english["notification"]["text"] == f"New in your queue: {case.reference} · Legal advice"
    assert await chinese.receive_nothing(timeout=0.5)
    assert await english.receive_nothing(timeout=0.5)
    await chinese.disconnect()
    await english.disconnect()

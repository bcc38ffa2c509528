"""In a served request the pushes of a commit are handed to the server's event loop (``notifications.events.
_publish``): the request goes on at once, and every message still arrives, one transaction after the other in the
order they committed. Outside a server (a plain thread, a management command) they are sent before the call
returns, as before."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from demo.lifecycles import help_request_to
from notifications.events import _server_loop, notify_group, pushes_sent
from tests.test_commit_order import notify

pytestmark = [pytest.mark.django_db(transaction=True)]


async def received_ids(layer, channel: str, count: int) -> list[int]:
    """The notification ids that reached ``channel``, unpacking the messages that carry several."""
    ids: list[int] = []
    while len(ids) < count:
        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        notes = message["notifications"] if message["type"] == "notifications" else [message]
        ids += [note["id"] for note in notes]
    return ids


@pytest.mark.asyncio
async def test_a_served_threads_commits_all_arrive_in_commit_order(committed_people):
    lawyer = committed_people["lawyer"]
    case = await sync_to_async(help_request_to)("dispatched", committed_people, specialties=["legal"])
    await pushes_sent()  # the set-up's own pushes, handed over too, are out before we listen
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(notify_group(lawyer.pk), channel)

    loop = asyncio.get_running_loop()

    def served() -> list[int]:  # as a view runs: in the server's sync thread, its loop outside
        # The thread finds the loop it serves (asgiref's own note of it, pinned in pyproject.toml for that).
        assert _server_loop() is loop
        ids = []
        for n in range(25):
            with transaction.atomic():
                ids.append(notify(case, lawyer, f"第{n}步"))
        return ids

    committed = await sync_to_async(served)()
    await pushes_sent()
    assert await received_ids(layer, channel, len(committed)) == committed
    with pytest.raises(asyncio.TimeoutError):  # each once
        await asyncio.wait_for(layer.receive(channel), timeout=0.3)


def test_a_plain_threads_commit_is_sent_before_the_call_returns(committed_people):
    from asgiref.sync import async_to_sync

    lawyer = committed_people["lawyer"]
    case = help_request_to("dispatched", committed_people, specialties=["legal"])
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(notify_group(lawyer.pk), channel)
    with transaction.atomic():
        note = notify(case, lawyer, "研判")
    # No loop waits to send it: it went out before the commit returned.
    assert async_to_sync(received_ids)(layer, channel, 1) == [note]

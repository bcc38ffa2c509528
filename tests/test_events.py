"""Events reach the board groups of the case's unit and every unit above it, only after commit."""

import asyncio
import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from cases.models import AuditEntry, Unit
from demo.lifecycles import dispute_to
from notifications.events import board_groups
from workflow import services


def test_board_groups_are_the_unit_and_its_ancestors(people):
    community = Unit.objects.get(name="祥泰社区")
    expected = [
        f"board.{Unit.objects.get(name=name).path}" for name in ("泰州市", "泰兴市", "济川街道", "祥泰社区")
    ]
    assert board_groups(community.path, community.steplen) == expected


def test_an_escalation_is_pushed_to_the_city_board_after_commit(people, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    city_board = f"board.{Unit.objects.get(name='泰州市').path}"
    hailing_board = f"board.{Unit.objects.get(name='海陵区').path}"
    city_channel = async_to_sync(layer.new_channel)()
    hailing_channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(city_board, city_channel)
    async_to_sync(layer.group_add)(hailing_board, hailing_channel)
    case = dispute_to("triaged", people)
    try:
        # when the mediator escalates; nothing is pushed before the commit
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.case_side_exit(
                reference=case.reference, user=people["mediator"], action="escalate", reason="跨社区"
            )
        assert callbacks
        for callback in callbacks:
            callback()

        # then the city board hears it, without personal data, and the 海陵区 board does not
        message = async_to_sync(layer.receive)(city_channel)
        case.refresh_from_db()
        escalated = AuditEntry.objects.get(case=case, name="escalate")
        street = Unit.objects.get(name="济川街道")
        # serialised once for the whole group: each board socket forwards the text as it is
        assert set(message) == {"type", "seq", "text"}
        assert (message["type"], message["seq"]) == ("board.event", escalated.pk)
        assert json.loads(message["text"]) == {
            "type": "event",
            "seq": escalated.pk,
            "event": "case.escalate",
            "case": {
                "reference": case.reference,
                "kind": "dispute",
                "state": "escalated",
                "unit_id": street.pk,
                "unit_path": street.path,
                "priority": case.priority,
                "due_at": case.due_at.isoformat(),
                "created_at": case.created_at.isoformat(),
            },
        }
        assert "13812341234" not in str(message)
        assert layer_is_empty(layer, hailing_channel)
    finally:
        async_to_sync(layer.group_discard)(city_board, city_channel)
        async_to_sync(layer.group_discard)(hailing_board, hailing_channel)


def layer_is_empty(layer, channel) -> bool:
    async def poll():
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=0.3)
        except TimeoutError:
            return True
        return False

    return async_to_sync(poll)()

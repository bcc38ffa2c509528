"""The one function that emits events. Services call it inside their transaction; it pushes after commit.

Each event goes to the board group of the case's unit and of every unit above it, so a supervisor's board
(which joins the group of their own unit) sees their whole subtree. Payloads carry no personal data.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def board_groups(unit) -> list[str]:
    """The board groups of the unit and every unit above it, named by materialised path (no query needed):
    a supervisor's board joins ``board.<path of their unit>``."""
    steplen = type(unit).steplen
    return [f"board.{unit.path[: steplen * depth]}" for depth in range(1, unit.depth + 1)]


def event_emit(*, type: str, case, actor=None, data: dict | None = None) -> None:
    message = {
        "type": "case.event",
        "event": type,
        "case": {
            "reference": case.reference,
            "kind": case.kind,
            "state": case.state,
            "unit_id": case.unit_id,
        },
        "actor_id": actor.pk if actor else None,
        "data": data or {},
    }
    groups = board_groups(case.unit)
    transaction.on_commit(lambda: _publish(groups, message))


def _publish(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:  # the stored row is the truth; a push that fails is logged, not raised
            logger.exception("push to %s failed", group)

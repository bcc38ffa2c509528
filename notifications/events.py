"""The one function that emits events. Services call it inside their transaction; it pushes after commit.

An event does two things:
- it stores a ``Notification`` per recipient, in the same transaction as the change (the truth), and pushes each
  one to the recipient's group ``notify.<user id>`` after commit (the fast path);
- when it has an audit row, it pushes the case's new summary to the board group of the case's unit and of every
  unit above it (``board.<materialised path>``), with the audit row's id as the board's sequence number, so a
  supervisor's board (which joins the group of their own unit) sees their whole subtree and can replay what it
  missed from the audit trail.
Payloads carry no personal data: references, states, units, step names.

A channel message carries the client's JSON text, serialised here once for its whole group; each socket only
checks it has not sent that id yet and forwards the text (``notifications/consumers.py``). The sends of one
commit go out concurrently: they are to different groups, and a client orders by id, not by arrival.
"""

import asyncio
import json
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from notifications.models import Notification
from notifications.texts import TEXTS, notification_text

logger = logging.getLogger(__name__)


def board_groups(unit) -> list[str]:
    """The board groups of the unit and every unit above it, named by materialised path (no query needed):
    a supervisor's board joins ``board.<path of their unit>``."""
    steplen = type(unit).steplen
    return [f"board.{unit.path[: steplen * depth]}" for depth in range(1, unit.depth + 1)]


def notify_group(user_id: int) -> str:
    return f"notify.{user_id}"


def board_case(case) -> dict:
    """A case as the board shows it: nothing personal."""
    return {
        "reference": case.reference,
        "kind": str(case.kind),
        "state": str(case.state),
        "unit_id": case.unit_id,
        "unit_path": case.unit.path,
        "priority": case.priority,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "created_at": case.created_at.isoformat(),
    }


def board_message(*, seq: int, event: str, case: dict) -> dict:
    """The channel message a board group receives for one event: ``text`` is what each board socket sends."""
    return {
        "type": "board.event",
        "seq": seq,
        "text": client_text({"type": "event", "seq": seq, "event": event, "case": case}),
    }


def notification_message(notification: Notification) -> dict:
    """The channel message a user's group receives: ``text`` is what each of their sockets sends."""
    return {
        "type": "notification",
        "id": notification.pk,
        "text": client_text({"type": "notification", "notification": notification.as_message()}),
    }


def client_text(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def event_emit(
    *,
    type: str,
    case,
    actor=None,
    audit=None,
    recipients: Iterable[int] = (),
    params: dict | None = None,
) -> list[Notification]:
    """Store the notifications of one event and push them, and the board update, after commit.

    ``recipients`` are user ids (the actor is never notified of their own act); ``params`` fill the type's text.
    """
    actor_id = actor.pk if actor else None
    payload = {"reference": case.reference, "url": reverse("case", args=[case.reference]), **(params or {})}
    notifications = []
    if type in TEXTS:
        text = notification_text(type, payload)
        notifications = Notification.objects.bulk_create(
            Notification(recipient_id=user_id, type=type, case=case, text=text, payload=payload)
            for user_id in sorted(set(recipients) - {actor_id})
        )
    messages = [(notify_group(n.recipient_id), notification_message(n)) for n in notifications]
    if audit is None and not messages:
        return notifications

    def publish() -> None:
        # The board's view of the case is taken at commit, so it shows what the whole transaction did.
        board = []
        if audit is not None:
            message = board_message(seq=audit.pk, event=type, case=board_case(case))
            board = [(group, message) for group in board_groups(case.unit)]
        _publish(board + messages)

    transaction.on_commit(publish)
    return notifications


def _publish(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send_all)(layer, messages)
    except Exception:  # the stored rows are the truth; a push that fails is logged, the clients replay
        logger.exception("push of %d messages failed", len(messages))


async def _send_all(layer, messages):
    results = await asyncio.gather(
        *(layer.group_send(group, message) for group, message in messages), return_exceptions=True
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        raise failures[0]

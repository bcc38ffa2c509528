"""The one function that emits events (``event_emit``; ``events_emit`` for several of one transaction).
Services call it inside their transaction; it pushes after commit.

An event does two things:
- it stores a ``Notification`` per recipient (its type and parameters), in the same transaction as the change
  (the truth), and pushes each one to the recipient's group ``notify.<user id>`` after commit (the fast path);
- when it has a sequence number (its audit row's id; only ``EventType.board`` types have one), it pushes the
  case as boards show it to the board group of the case's unit and of every unit above it
  (``board.<materialised path>``), so a supervisor's board (which joins the group of their own unit) sees
  their whole subtree and can replay what it missed from the audit trail.
Payloads carry no personal data: references, states, units, step names.

This layer knows nothing of cases: the caller describes the case as a ``Subject``.

A board message carries the client's JSON text, serialised here once for its whole group; each socket only
checks it has not sent that id yet and forwards the text. A notification is rendered by each of the
recipient's sockets in that socket's language. The sends of one commit go out together (on Redis in two round
trips for all its groups, ``notifications.layer``): a client orders by id, not by arrival. In a served request the messages are handed to the
server's event loop after commit and the request goes on (``_publish``): the response does not wait for Redis. Several events emitted together
(``events_emit``) send one message per group: the messages of a group travel together.

Inside a command (``cases.transactions.command`` runs its body in ``batched()``) nothing is inserted or pushed
one by one: the command's audit rows (``row_later``) and notifications wait in its ``Batch``, are written in one
statement when the body returns, just before the commit (``rows.rows_insert_all``), and every message of the
transaction goes out in one hop to the event loop after commit, board events and notifications in id order.
Nothing reads those rows back inside the command before then (an event's board ``seq``, its audit row's id, is
read when they are written). Outside a command (a test's or the timer runner's own transaction) they are written
at once.
"""

import asyncio
import json
import logging
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import connection, models, transaction
from django.utils import translation
from django.utils.functional import Promise

from notifications.models import Notification
from notifications.rows import rows_insert, rows_insert_all, statements_in_one, update_sql
from notifications.types import EventType, Hears

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Subject:
    """The case an event is about, in delivery's terms. ``board_view`` returns the case as boards show it; it
    is called at commit, so the board shows what the whole transaction did."""

    case_id: int
    reference: str
    unit_path: str
    unit_steplen: int
    board_view: Callable[[], dict]


def board_groups(unit_path: str, steplen: int) -> list[str]:
    """The board groups of a unit and every unit above it, named by materialised path (no query needed):
    a supervisor's board joins ``board.<path of their unit>``."""
    return [f"board.{unit_path[:end]}" for end in range(steplen, len(unit_path) + 1, steplen)]


def board_group(unit_path: str) -> str:
    return f"board.{unit_path}"


def notify_group(user_id: int) -> str:
    return f"notify.{user_id}"


def board_message(*, seq: int, event: str, case: dict) -> dict:
    """The channel message a board group receives for one event: ``text`` is what each board socket sends."""
    return {
        "type": "board.event",
        "seq": seq,
        "text": client_text({"type": "event", "seq": seq, "event": str(event), "case": case}),
    }


def notification_message(notification: Notification) -> dict:
    """The channel message a user's group receives: the stored fields, which each socket renders."""
    return {"type": "notification", "id": notification.pk, "fields": notification.stored_fields()}


def client_text(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Event:
    """One event to emit: its type, its case, who did it, its sequence number (its audit row's id; board types
    only), who hears it (user ids) and the parameters of its text."""

    type: EventType
    subject: Subject
    actor_id: int | None = None
    seq: int | None = None
    recipients: frozenset[int] = frozenset()
    params: dict | None = None
    # The row whose id is the sequence number, when it is not written yet (an audit row of a command's batch).
    seq_row: models.Model | None = None

    def __post_init__(self) -> None:
        # A type that notifies nobody refuses recipients, and only board types take a ``seq``: a mismatch is a
        # programming error and fails loudly.
        if self.type.hears is Hears.NOBODY and self.recipients:
            raise ValueError(f"{self.type} notifies nobody; recipients {sorted(self.recipients)} were given")
        if (self.seq is not None or self.seq_row is not None) and not self.type.board:
            raise ValueError(f"{self.type} is not shown on boards; it has no sequence number")

    @property
    def sequence(self) -> int | None:
        return self.seq_row.pk if self.seq_row is not None else self.seq


def event_emit(
    *,
    type: EventType,
    subject: Subject,
    actor_id: int | None = None,
    seq: int | None = None,
    recipients: Iterable[int] = (),
    params: dict | None = None,
) -> list[Notification]:
    """Store the notifications of one event and push them, and the board update, after commit.

    ``recipients`` are user ids (the actor is never notified of their own act); ``params`` fill the type's
    text when it is read."""
    event = Event(type, subject, actor_id, seq, frozenset(recipients), params)
    return events_emit([event])


def events_emit(events: Sequence[Event]) -> list[Notification]:
    """``event_emit`` for several events of one transaction (the timer runner's batch): their notifications in
    one INSERT, their pushes in one hop after commit (with the rest of the command's, inside one). The
    notifications are returned unsaved inside a command: they get their ids when its batch is written."""
    rows = []
    for event in events:
        payload = {"reference": event.subject.reference, **stored_params(event.params or {})}
        rows += [
            Notification(
                recipient_id=user_id, type=event.type.value, case_id=event.subject.case_id, payload=payload
            )
            for user_id in sorted(event.recipients - {event.actor_id})
        ]
    on_boards = [event for event in events if event.seq is not None or event.seq_row is not None]
    batch = current_batch()
    if batch is not None:
        batch.rows += rows
        batch.events += on_boards
        batch.notifications += rows
        return rows
    notifications = rows_insert(rows)
    if on_boards or notifications:
        transaction.on_commit(lambda: _publish(messages_of(on_boards, notifications)))
    return notifications


def messages_of(events: Sequence[Event], notifications: Sequence[Notification]) -> list[tuple[str, dict]]:
    """The channel messages of a transaction's board events and notifications, each kind in id order (one per
    group when sent: ``coalesced``). Called at commit: the board shows the case as the whole transaction left
    it."""
    board = []
    for event in sorted(events, key=lambda event: event.sequence or 0):
        assert event.sequence is not None
        message = board_message(seq=event.sequence, event=event.type.value, case=event.subject.board_view())
        board += [
            (group, message) for group in board_groups(event.subject.unit_path, event.subject.unit_steplen)
        ]
    personal = [
        (notify_group(n.recipient_id), notification_message(n)) for n in sorted(notifications, key=_pk)
    ]
    return board + personal


def _pk(row: models.Model) -> int:
    return row.pk


# ---- a command's batch -------------------------------------------------------------------------------------


@dataclass
class Batch:
    """What a command writes at its end: its rows (audit rows and notifications, in order), and what it pushes."""

    rows: list[models.Model] = field(default_factory=list)
    statements: list[tuple[str, Sequence]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    # What the command holds: the layers above note the locks they took and the rows they made (``held``),
    # and keep what they know of them for the command's life (``carried``).
    held: set = field(default_factory=set)
    carried: dict = field(default_factory=dict)

    def flush(self) -> None:
        rows_insert_all(self.rows, self.statements)
        events, notifications = self.events, self.notifications
        if events or notifications:
            transaction.on_commit(lambda: _publish(messages_of(events, notifications)))
        self.rows, self.statements, self.events, self.notifications = [], [], [], []


def current_batch() -> Batch | None:
    """The batch of the command running on this thread's connection, if any."""
    return getattr(connection, "tongxin_batch", None)


@contextmanager
def batched() -> Iterator[Batch]:
    """Collect the rows and pushes of the body; write them when it returns (inside the caller's transaction),
    drop them when it raises (its transaction rolls back). Inside another batch (a command calling another's
    ``within``) the body joins that one: its rows are written with the outer command's, in order."""
    outer = current_batch()
    if outer is not None:
        yield outer
        return
    batch = Batch()
    connection.tongxin_batch = batch  # type: ignore[attr-defined]
    try:
        yield batch
        batch.flush()
    finally:
        connection.tongxin_batch = None  # type: ignore[attr-defined]


def row_later(obj: M) -> M:
    """Insert ``obj`` (unsaved) with the command's batch, where it gets its id, or at once outside a command.
    Only for a row nothing reads back inside the command and whose INSERT cannot fail on a constraint."""
    batch = current_batch()
    if batch is None:
        obj.save(force_insert=True)
    else:
        batch.rows.append(obj)
    return obj


def statement_later(sql: str, params: Sequence) -> None:
    """Run an UPDATE (``rows.update_sql``) with the command's batch, or at once outside a command. Only for rows
    nothing reads back inside the command and no other statement of the batch touches."""
    batch = current_batch()
    if batch is None:
        statements_in_one([(sql, params)])
    else:
        batch.statements.append((sql, params))


def update_later(obj: models.Model, fields: Sequence[str]) -> None:
    """``obj.save(update_fields=fields)`` with the command's batch (``statement_later``): for a row the command
    has in memory and nothing reads back from the database inside it."""
    statement_later(
        *update_sql(type(obj)._default_manager.filter(pk=obj.pk), **{f: getattr(obj, f) for f in fields})
    )


def held() -> set:
    """What the running command holds (empty, and forgotten, outside a command)."""
    batch = current_batch()
    return batch.held if batch is not None else set()


def coalesced(messages: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """One channel message per group: the messages of one group, when there are several (a batch of events
    notifying the same person, or shown on the same board), travel as one ``board.events`` / ``notifications``
    message, in order."""
    by_group: dict[str, list[dict]] = {}
    for group, message in messages:
        by_group.setdefault(group, []).append(message)
    return [
        (group, batch[0] if len(batch) == 1 else batch_message(batch)) for group, batch in by_group.items()
    ]


def batch_message(messages: list[dict]) -> dict:
    """Several ``board.event`` (or ``notification``) messages of one group as one channel message."""
    if messages[0]["type"] == "board.event":
        return {"type": "board.events", "events": messages}
    return {"type": "notifications", "notifications": messages}


def stored_params(params: dict) -> dict:
    """Parameters as stored: a translatable one (a lazy text, e.g. a step's title) is kept as its source text
    and named in ``_translated``, so that it is translated with the rest when read."""
    stored: dict = {}
    translated = []
    for name, value in params.items():
        if isinstance(value, Promise):
            with translation.override(None):
                stored[name] = str(value)
            translated.append(name)
        else:
            stored[name] = value
    if translated:
        stored["_translated"] = translated
    return stored


def _publish(messages: list[tuple[str, dict]]) -> None:
    """Push a committed transaction's messages (``messages_of``). In a served request (or the timer runner),
    hand them to the server's event loop and return: the response need not wait for Redis. Elsewhere (a
    management command, a test's plain thread) send them here and wait."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_handed_over, layer, messages)
        return
    try:
        async_to_sync(_send_all)(layer, coalesced(messages))
    except Exception:  # the stored rows are the truth; a push that fails is logged, the clients replay
        logger.exception("push of %d messages failed", len(messages))


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the ASGI server whose sync thread this is: asgiref's ``SyncToAsync`` notes it in
    the thread it runs a view in (``async_to_sync`` finds it there the same way)."""
    noted = SyncToAsync.threadlocal
    loop = getattr(noted, "main_event_loop", None)
    if loop is None or getattr(noted, "main_event_loop_pid", None) != os.getpid() or not loop.is_running():
        return None
    return loop


@dataclass
class _Unsent:
    messages: list[tuple[str, dict]] = field(default_factory=list)
    sending: bool = False


# The messages handed over to each event loop and not sent yet, and whether a sender is at work on them.
_unsent: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Unsent] = weakref.WeakKeyDictionary()


def _handed_over(layer: BaseChannelLayer, messages: list[tuple[str, dict]]) -> None:
    # On the loop. One sender per loop sends what is waiting, then what came meanwhile, each round one channel
    # message per group: the messages of one group leave in the order the transactions committed.
    unsent = _unsent.setdefault(asyncio.get_running_loop(), _Unsent())
    unsent.messages += messages
    if not unsent.sending:
        unsent.sending = True
        _sender_tasks.add(asyncio.get_running_loop().create_task(_send_unsent(layer, unsent)))


_sender_tasks: set[asyncio.Task] = set()  # referenced until done (the loop keeps only weak references)


async def _send_unsent(layer: BaseChannelLayer, unsent: _Unsent) -> None:
    try:
        while unsent.messages:
            messages, unsent.messages = unsent.messages, []
            try:
                await _send_all(layer, coalesced(messages))
            except Exception:  # as above: logged, the clients replay from the stored rows
                logger.exception("push of %d messages failed", len(messages))
    finally:
        unsent.sending = False
        task = asyncio.current_task()
        if task is not None:
            _sender_tasks.discard(task)


async def pushes_sent() -> None:
    """Wait until every message handed over to this event loop went out: before a loop that served
    (``_publish``) ends, e.g. the timer runner's at its last pass."""
    loop = asyncio.get_running_loop()
    while waiting := [task for task in _sender_tasks if task.get_loop() is loop]:
        await asyncio.gather(*waiting, return_exceptions=True)


async def _send_all(layer: BaseChannelLayer, messages: list[tuple[str, dict]]) -> None:
    send_all = getattr(layer, "group_send_all", None)  # the Redis layer's (``notifications.layer``)
    if send_all is not None:
        dropped = await send_all(messages)
        if dropped:
            logger.warning(
                "pushes dropped: %d receiving keys were full (%d messages sent)", dropped, len(messages)
            )
        return
    for group, message in messages:  # the in-memory layer: nothing to gain from sending side by side
        await layer.group_send(group, message)

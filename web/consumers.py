"""The supervisor's live board socket, ``ws/board/``: a snapshot of their unit's subtree on connect, then events
(each with ``seq``, the audit row id). The first snapshot carries a ``horizon`` and the ``seen`` events at or
after it: ``{"type": "resume", "after":
<seq>, "horizon": <h>, "seen": [<seqs received lately>]}`` replays the events the board has not seen, even those
that committed after a higher seq (``notifications.horizon``), and ends with ``{"type": "resumed", "horizon":
<h>}``; ``{"type": "snapshot"}`` asks for a fresh snapshot. Administrators watch the whole tree.

What the board shows is the cases' board read model (``cases.selectors.board``); the fan-out to the sockets of
one root is ``notifications.fanout.BoardRoom``.
"""

import logging
from functools import partial

from channels.db import database_sync_to_async

from cases import rules
from cases.selectors import board
from notifications.consumers import (
    FORBIDDEN,
    SENT_MEMORY,
    TRY_AGAIN,
    UNAUTHENTICATED,
    DedupingConsumer,
    IdMemory,
    message_int,
)
from notifications.fanout import BoardRoom, RoomCursor
from notifications.horizon import replay_horizon

logger = logging.getLogger(__name__)


class BoardConsumer(DedupingConsumer):
    # A board socket has no channel of its own: its process's ``BoardRoom`` of the root receives the group's
    # messages once and writes them to every board socket of that root here.
    channel_layer_alias = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.root = await database_sync_to_async(rules.board_root)(user)
        if self.root is None:
            await self.close(code=FORBIDDEN)
            return
        self.sent = IdMemory()
        self.start_after = 2**63  # until its snapshot is read, a room's catch-up sends this socket nothing
        try:
            self.room = await BoardRoom.enter(
                self,
                path=self.root.path,
                snapshot=partial(board.board_snapshot, root=self.root),
                catch_up=partial(board_catch_up, root=self.root),
            )
        except Exception:  # the channel layer is away (a Redis outage): refuse, the page retries
            logger.warning("board socket refused: no channel layer", exc_info=True)
            await self.close(code=TRY_AGAIN)
            return
        await self.accept()
        start = await database_sync_to_async(board.board_cursor)(
            root=self.root
        )  # before the snapshot's reads
        snapshot = await database_sync_to_async(board.board_snapshot)(root=self.root)
        self.start_after = start.after
        await self.send_json({**snapshot, "horizon": start.horizon, "seen": start.seen})

    async def disconnect(self, code):
        if getattr(self, "room", None) is not None:
            await self.room.leave(self)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "resume":
            after = message_int(content.get("after"))
            horizon = message_int(content.get("horizon")) or None
            seen = content.get("seen")
            for key in seen[:SENT_MEMORY] if isinstance(seen, list) else []:
                self.remember(message_int(key))
            fresh = await database_sync_to_async(replay_horizon)()
            beyond = 0
            while True:
                events = await database_sync_to_async(board.board_events_unseen)(
                    root=self.root, after=after, horizon=horizon, beyond=beyond
                )
                for event in events:
                    await self.send_once(event["seq"], event)
                if len(events) < board.REPLAY_LIMIT:
                    break
                beyond = events[-1]["seq"]
            await self.send_json({"type": "resumed", "horizon": fresh})
        elif isinstance(content, dict) and content.get("type") == "snapshot":
            snapshot = await database_sync_to_async(board.board_snapshot)(root=self.root)
            await self.send_json(snapshot)
        else:
            await self.send_json({"type": "error", "error": "unknown message type"})

    async def board_event(self, event: dict) -> bool:
        if event.get("caught_up") and event["seq"] <= self.start_after:  # before this board's snapshot
            return False
        return await self.forward_once(event["seq"], event["text"])


def board_catch_up(cursor: RoomCursor | None, *, root) -> tuple[list[dict], RoomCursor]:
    """A board room's catch-up (``notifications.fanout``): the events of ``root``'s subtree after ``cursor``,
    and the cursor after them; without a cursor, none and the cursor of now."""
    if cursor is None:
        start = board.board_cursor(root=root)
        return [], (start.after, start.horizon or None)
    after, horizon = cursor
    fresh = replay_horizon()  # before the reads: it covers whatever they could not see
    events: list[dict] = []
    beyond = 0
    while True:
        page = board.board_events_unseen(root=root, after=after, horizon=horizon, beyond=beyond)
        events += page
        if len(page) < board.REPLAY_LIMIT:
            break
        beyond = page[-1]["seq"]
    return events, (max([after, *(event["seq"] for event in events)]), fresh or None)

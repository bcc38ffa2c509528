"""Board fan-out: the board sockets of one board root in this process share one channel (``BoardRoom``).

A board event crosses the channel layer once per process and is written to each socket from there. A board's
counts are not recomputed per socket and per event: events update a board's newest list at once, and the
counts catch up through one fresh snapshot per room, serialised once for all its sockets, at most once per
``BOARD_REFRESH_DELAY`` while events come in. What a board shows is the caller's (``web.consumers``): the room
only knows the root's materialised path and a function that computes its snapshot.

A room also catches up from the database every ``BOARD_CATCH_UP_SECONDS`` (one query per room, not per socket),
as a notification stream does: a board event whose push was lost on the way (the channel layer dropped it, or
the room was out of its group) reaches the room's boards then, through the same per-socket de-duplication.
"""

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from notifications.consumers import TRY_AGAIN
from notifications.events import board_group, client_text

# Seconds from the first event to the counts' refresh: the old page script asked for a snapshot 0.5 s after an
# event, each board on its own; one per root and process a second later costs the database 7 queries per second
# at most, however many boards are open.
BOARD_REFRESH_DELAY = 1.0
# Board sockets written to between two turns of the event loop.
FORWARD_BATCH = 25
# Seconds between renewals of a board room's group membership (the layer drops it after a day by default).
GROUP_RENEWAL = 3600
# Seconds between a room's catch-ups from the database (spread by a random tenth).
BOARD_CATCH_UP_SECONDS = 60.0

# A room's cursor: the last seq it knows of and its horizon (``notifications.horizon``); ``None`` before the first.
RoomCursor = tuple[int, int | None]
# Reads the board events after a cursor (a sync read): the events (as a replay sends them) and the next cursor.
CatchUp = Callable[[RoomCursor | None], tuple[list[dict], RoomCursor]]

logger = logging.getLogger(__name__)


class Board(Protocol):
    async def board_event(self, event: dict) -> bool: ...

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None: ...

    async def close(self, code: int | None = None, reason: str | None = None) -> None: ...


class BoardRoom:
    """The board sockets of one root in this process.

    One channel per room is in the root's board group, so a group message crosses the channel layer once per
    process, not once per socket, and is written to every socket from here. A moment after events came in, one
    fresh snapshot (the counts) is computed and serialised for all of them: no board asks for one.
    """

    rooms: dict[str, "BoardRoom"] = {}

    def __init__(self, path: str, snapshot: Callable[[], dict], catch_up: CatchUp | None = None):
        self.path = path
        self.snapshot = snapshot
        self.catch_up_events = catch_up
        self.cursor: RoomCursor | None = None
        self.group = board_group(path)
        self.loop = asyncio.get_running_loop()
        self.layer = get_channel_layer()
        self.boards: set[Board] = set()
        self.refreshing: asyncio.Task | None = None
        self.tasks: list[asyncio.Task] = []
        # The room's channel, opened once: every entry awaits this, however many race to enter.
        self.opened = self.loop.create_task(self.open())

    @classmethod
    async def enter(
        cls, board: "Board", *, path: str, snapshot: Callable[[], dict], catch_up: CatchUp | None = None
    ) -> "BoardRoom":
        """Join the room of the board root at ``path``; ``snapshot`` computes that root's board (a sync read),
        ``catch_up`` reads its events after a cursor (a sync read; without it the room does not catch up)."""
        room = cls.rooms.get(path)
        if room is None or room.loop is not asyncio.get_running_loop():  # a loop of its own per test, too
            room = cls.rooms[path] = cls(path, snapshot, catch_up)
        room.boards.add(board)
        try:
            channel = await room.opened
            if channel is not None:
                await room.layer.group_add(room.group, channel)  # every entry renews the membership
        except Exception:
            # The channel layer is away (a Redis outage). A room whose channel never opened is of no use: the next
            # entry opens a new one. Otherwise only this socket stays out.
            room.boards.discard(board)
            if not room.boards or room.channel_failed():
                room.close()
            raise
        return room

    def channel_failed(self) -> bool:
        return self.opened.done() and (self.opened.cancelled() or self.opened.exception() is not None)

    async def open(self) -> str | None:
        if self.layer is None:
            return None
        if self.catch_up_events is not None:  # from now on: what happened before is in the boards' snapshots
            _, self.cursor = await database_sync_to_async(self.catch_up_events)(None)
        channel = await self.layer.new_channel()
        self.tasks = [self.loop.create_task(self.relay(channel)), self.loop.create_task(self.renew(channel))]
        if self.catch_up_events is not None:
            self.tasks.append(self.loop.create_task(self.catch_up_every()))
        return channel

    async def leave(self, board: "Board") -> None:
        self.boards.discard(board)
        if self.boards:
            return
        self.close()
        channel = await self.opened
        if channel is not None:
            try:
                await self.layer.group_discard(self.group, channel)
            except Exception:  # the membership expires on its own
                logger.warning("board room %s left its group uncleanly", self.group, exc_info=True)

    def close(self) -> None:
        if self.rooms.get(self.path) is self:
            del self.rooms[self.path]
        for task in [*self.tasks, self.refreshing]:
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    async def relay(self, channel: str) -> None:
        try:
            while True:
                message = await self.layer.receive(channel)
                if message.get("type") == "board.event":
                    await self.forward(message)
                elif message.get("type") == "board.events":  # several of one commit (``events_emit``)
                    for event in message["events"]:
                        await self.forward(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The layer failed (Redis away): close the room's sockets, so that their pages reconnect into a new
            # room and replay what they missed from the audit trail.
            logger.exception("board room %s lost its channel", self.group)
            self.close()
            for board in list(self.boards):
                try:
                    await board.close(code=TRY_AGAIN)
                except Exception:
                    logger.debug("board not closed", exc_info=True)

    async def forward(self, message: dict) -> None:
        sent = False
        for index, board in enumerate(list(self.boards), start=1):
            try:
                sent = await board.board_event(message) or sent
            except Exception:  # a socket closing meanwhile; its disconnect takes it out of the room
                logger.debug("board event not sent", exc_info=True)
            if index % FORWARD_BATCH == 0:
                # A send only queues the frame; the server writes it when the loop runs. Letting it run every
                # batch puts the first sockets' frames on the wire while the rest are still being framed.
                await asyncio.sleep(0)
        if sent and self.refreshing is None:
            self.refreshing = self.loop.create_task(self.refresh())

    async def renew(self, channel: str) -> None:
        while True:
            await asyncio.sleep(GROUP_RENEWAL)
            try:
                await self.layer.group_add(self.group, channel)
            except Exception:
                logger.warning("board room %s could not renew its group", self.group, exc_info=True)

    async def catch_up_every(self) -> None:
        while True:
            await asyncio.sleep(BOARD_CATCH_UP_SECONDS * (0.9 + random.random() / 5))
            try:
                await self.catch_up()
            except Exception:  # the database is away for a moment: the next round tries again
                logger.warning("board room %s could not catch up", self.group, exc_info=True)

    async def catch_up(self) -> None:
        """Forward the events after the room's cursor; each board sends those it has not sent (and that are
        newer than its own start)."""
        assert self.catch_up_events is not None
        events, self.cursor = await database_sync_to_async(self.catch_up_events)(self.cursor)
        for event in events:
            await self.forward(
                {"type": "board.event", "seq": event["seq"], "text": client_text(event), "caught_up": True}
            )

    async def refresh(self) -> None:
        try:
            await asyncio.sleep(BOARD_REFRESH_DELAY)
        finally:
            self.refreshing = None  # events from here on ask for another refresh
        snapshot = await database_sync_to_async(self.snapshot)()
        text = client_text(snapshot)
        for index, board in enumerate(list(self.boards), start=1):
            try:
                await board.send(text_data=text)
            except Exception:
                logger.debug("board refresh not sent", exc_info=True)
            if index % FORWARD_BATCH == 0:
                # A snapshot is large and goes to every board: an event that arrives meanwhile is forwarded
                # between two batches instead of waiting behind all of them (the counts can wait, events not).
                await asyncio.sleep(0)

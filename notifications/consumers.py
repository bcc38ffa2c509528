"""Websocket consumers: thin — authenticate, check access, join groups, replay from the database, forward.

``ws/notifications/``: the signed-in user's own stream. The client may first send
``{"type": "resume", "after": <last id seen>}`` to get every stored notification after that id, in order;
then live ones follow. ``{"type": "read", "ids": [...]}`` or ``{"type": "read", "up_to": <id>}`` marks read.

``ws/board/``: a supervisor's live board of their unit's subtree: a snapshot on connect, then events (each
with ``seq``, the audit row id); ``{"type": "resume", "after": <seq>}`` replays the events after a seq.

Each socket remembers the ids it has sent and never sends one twice; clients drop duplicates by id too. Live
messages arrive from the group already serialised (``events.event_emit`` does it once per group): a socket only
de-duplicates and forwards the text.

Board sockets share one channel per process and board root (``BoardRoom``): a board event crosses the channel
layer once per process and is written to each socket from there. A board's counts are not recomputed per socket
and per event: events update a board's newest list at once, and the counts catch up through one fresh snapshot
per room, serialised once for all its sockets, at most once per ``BOARD_REFRESH_DELAY`` while events come in.
"""

import asyncio
import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from notifications import selectors, services
from notifications.events import client_text, notify_group

SENT_MEMORY = 10_000  # ids remembered per socket for de-duplication
UNAUTHENTICATED = 4401
FORBIDDEN = 4403
# The server lost the channel layer; the page reconnects (autobahn refuses 1011 from a server).
TRY_AGAIN = 4503
# Seconds from the first event to the counts' refresh: the old page script asked for a snapshot 0.5 s after an
# event, each board on its own; one per root and process a second later costs the database 7 queries per second
# at most, however many boards are open.
BOARD_REFRESH_DELAY = 1.0
# Board sockets written to between two turns of the event loop.
FORWARD_BATCH = 25
# Seconds between renewals of a board room's group membership (the layer drops it after a day by default).
GROUP_RENEWAL = 3600

logger = logging.getLogger(__name__)


class DedupingConsumer(AsyncJsonWebsocketConsumer):
    # Group messages whose handler only forwards text. Channels' ``dispatch`` first closes stale database
    # connections through ``sync_to_async``: one hop to the one shared thread per message and per socket, which
    # queued a board event behind 500 hops at 500 sockets. These handlers touch no database, so they skip it.
    forwarding: frozenset[str] = frozenset()

    async def dispatch(self, message):
        if message.get("type") in self.forwarding:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    def remember(self, key: int) -> bool:
        """True the first time ``key`` is seen on this socket."""
        if key in self.sent:
            return False
        self.sent.add(key)
        if len(self.sent) > SENT_MEMORY:
            self.sent = set(sorted(self.sent)[-SENT_MEMORY // 2 :])
        return True

    async def send_once(self, key: int, message: dict) -> None:
        if self.remember(key):
            await self.send_json(message)

    async def forward_once(self, key: int, text: str) -> bool:
        """Send a message serialised for the whole group, unless this socket sent ``key`` already; True if sent."""
        if not self.remember(key):
            return False
        await self.send(text_data=text)
        return True


class NotificationConsumer(DedupingConsumer):
    forwarding = frozenset({"notification"})

    async def connect(self):
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.sent: set[int] = set()
        await self.channel_layer.group_add(notify_group(self.user.pk), self.channel_name)
        await self.accept()
        unread = await database_sync_to_async(selectors.notification_unread_count)(user=self.user)
        await self.send_json({"type": "hello", "unread": unread})

    async def disconnect(self, code):
        if getattr(self, "sent", None) is not None:
            await self.channel_layer.group_discard(notify_group(self.user.pk), self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            after = _int(content.get("after"))
            while True:
                rows = await database_sync_to_async(selectors.notification_list_after)(
                    user=self.user, after=after
                )
                for row in rows:
                    await self.send_once(row.pk, {"type": "notification", "notification": row.as_message()})
                if len(rows) < selectors.REPLAY_LIMIT:
                    break
                after = rows[-1].pk
            await self.send_json({"type": "resumed"})
        elif kind == "read":
            ids = content.get("ids")
            ids = [_int(i) for i in ids] if isinstance(ids, list) else None
            up_to = _int(content.get("up_to")) if content.get("up_to") is not None else None
            await database_sync_to_async(services.notifications_mark_read)(
                user=self.user, ids=ids, up_to=up_to
            )
            unread = await database_sync_to_async(selectors.notification_unread_count)(user=self.user)
            await self.send_json({"type": "unread", "unread": unread})
        else:
            await self.send_json({"type": "error", "error": "unknown message type"})

    async def notification(self, event):
        await self.forward_once(event["id"], event["text"])


class BoardConsumer(DedupingConsumer):
    # A board socket has no channel of its own: its process's ``BoardRoom`` of the root receives the group's
    # messages once and writes them to every board socket of that root here.
    channel_layer_alias = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.root = await database_sync_to_async(selectors.board_unit_for_user)(user)
        if self.root is None:
            await self.close(code=FORBIDDEN)
            return
        self.sent: set[int] = set()
        self.room = await BoardRoom.enter(self)
        await self.accept()
        snapshot = await database_sync_to_async(selectors.board_snapshot)(root=self.root)
        await self.send_json(snapshot)

    async def disconnect(self, code):
        if getattr(self, "room", None) is not None:
            await self.room.leave(self)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "resume":
            after = _int(content.get("after"))
            while True:
                events = await database_sync_to_async(selectors.board_events_after)(
                    root=self.root, after=after
                )
                for event in events:
                    await self.send_once(event["seq"], event)
                if len(events) < selectors.REPLAY_LIMIT:
                    break
                after = events[-1]["seq"]
            await self.send_json({"type": "resumed"})
        elif isinstance(content, dict) and content.get("type") == "snapshot":
            snapshot = await database_sync_to_async(selectors.board_snapshot)(root=self.root)
            await self.send_json(snapshot)
        else:
            await self.send_json({"type": "error", "error": "unknown message type"})

    async def board_event(self, event: dict) -> bool:
        return await self.forward_once(event["seq"], event["text"])


class BoardRoom:
    """The board sockets of one root in this process.

    One channel per room is in the root's board group, so a group message crosses the channel layer once per
    process, not once per socket, and is written to every socket from here. A moment after events came in, one
    fresh snapshot (the counts) is computed and serialised for all of them: no board asks for one.
    """

    rooms: dict[str, "BoardRoom"] = {}

    def __init__(self, root):
        self.root = root
        self.group = f"board.{root.path}"
        self.loop = asyncio.get_running_loop()
        self.layer = get_channel_layer()
        self.boards: set[BoardConsumer] = set()
        self.refreshing: asyncio.Task | None = None
        self.tasks: list[asyncio.Task] = []
        # The room's channel, opened once: every entry awaits this, however many race to enter.
        self.opened = self.loop.create_task(self.open())

    @classmethod
    async def enter(cls, board: BoardConsumer) -> "BoardRoom":
        room = cls.rooms.get(board.root.path)
        if room is None or room.loop is not asyncio.get_running_loop():  # a loop of its own per test, too
            room = cls.rooms[board.root.path] = cls(board.root)
        room.boards.add(board)
        channel = await room.opened
        if channel is not None:
            await room.layer.group_add(room.group, channel)  # every entry renews the membership
        return room

    async def open(self) -> str | None:
        if self.layer is None:
            return None
        channel = await self.layer.new_channel()
        self.tasks = [self.loop.create_task(self.relay(channel)), self.loop.create_task(self.renew(channel))]
        return channel

    async def leave(self, board: BoardConsumer) -> None:
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
        if self.rooms.get(self.root.path) is self:
            del self.rooms[self.root.path]
        for task in [*self.tasks, self.refreshing]:
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    async def relay(self, channel: str) -> None:
        try:
            while True:
                message = await self.layer.receive(channel)
                if message.get("type") == "board.event":
                    await self.forward(message)
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

    async def refresh(self) -> None:
        try:
            await asyncio.sleep(BOARD_REFRESH_DELAY)
        finally:
            self.refreshing = None  # events from here on ask for another refresh
        snapshot = await database_sync_to_async(selectors.board_snapshot)(root=self.root)
        text = client_text(snapshot)
        for board in list(self.boards):
            try:
                await board.send(text_data=text)
            except Exception:
                logger.debug("board refresh not sent", exc_info=True)


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0

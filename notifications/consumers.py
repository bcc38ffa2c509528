"""Websocket consumers: thin — authenticate, check access, join groups, replay from the database, forward.

``ws/notifications/``: the signed-in user's own stream. The client may first send
``{"type": "resume", "after": <last id seen>}`` to get every stored notification after that id, in order;
then live ones follow. ``{"type": "read", "ids": [...]}`` or ``{"type": "read", "up_to": <id>}`` marks read.

``ws/board/``: a supervisor's live board of their unit's subtree: a snapshot on connect, then events (each
with ``seq``, the audit row id); ``{"type": "resume", "after": <seq>}`` replays the events after a seq.

Each socket remembers the ids it has sent and never sends one twice; clients drop duplicates by id too.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import selectors, services
from notifications.events import notify_group

SENT_MEMORY = 10_000  # ids remembered per socket for de-duplication
UNAUTHENTICATED = 4401
FORBIDDEN = 4403


class DedupingConsumer(AsyncJsonWebsocketConsumer):
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


class NotificationConsumer(DedupingConsumer):
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
        await self.send_once(event["notification"]["id"], event)


class BoardConsumer(DedupingConsumer):
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
        self.group = f"board.{self.root.path}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(selectors.board_snapshot)(root=self.root)
        await self.send_json(snapshot)

    async def disconnect(self, code):
        if getattr(self, "sent", None) is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

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

    async def board_event(self, event):
        await self.send_once(event["seq"], {**event, "type": "event"})


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0

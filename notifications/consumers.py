"""Websocket consumers: thin — authenticate, check access, join groups, replay from the database, forward.

``ws/notifications/``: the signed-in user's own stream. The client may first send
``{"type": "resume", "after": <last id seen>}`` to get every stored notification after that id, in order;
then live ones follow. ``{"type": "read", "ids": [...]}`` or ``{"type": "read", "up_to": <id>}`` marks read.
Texts are rendered in the socket's language (its ``django_language`` cookie or ``Accept-Language``).

Each socket remembers the ids it has sent and never sends one twice; clients drop duplicates by id too.
``DedupingConsumer`` is the base of every socket that forwards group messages (the board's is in ``web``).
"""

import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation

from notifications import selectors, services
from notifications.events import client_text, notify_group
from notifications.language import scope_language
from notifications.models import message_from_fields

logger = logging.getLogger(__name__)

SENT_MEMORY = 10_000  # ids remembered per socket for de-duplication
UNAUTHENTICATED = 4401
FORBIDDEN = 4403
# The server lost the channel layer; the page reconnects (autobahn refuses 1011 from a server).
TRY_AGAIN = 4503


class DedupingConsumer(AsyncJsonWebsocketConsumer):
    # Group messages whose handler only forwards text. Channels' ``dispatch`` first closes stale database
    # connections through ``sync_to_async``: one hop to the one shared thread per message and per socket, which
    # queued a board event behind 500 hops at 500 sockets. These handlers touch no database, so they skip it.
    forwarding: frozenset[str] = frozenset()
    sent: set[int]

    async def dispatch(self, message: dict) -> None:
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
    forwarding = frozenset({"notification", "notifications"})

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.language = scope_language(self.scope)
        try:
            await self.channel_layer.group_add(notify_group(self.user.pk), self.channel_name)
        except Exception:  # the channel layer is away (a Redis outage): refuse, the page retries
            logger.warning("notification socket refused: no channel layer", exc_info=True)
            await self.close(code=TRY_AGAIN)
            return
        self.sent = set()
        await self.accept()
        unread = await database_sync_to_async(selectors.notification_unread_count)(user=self.user)
        await self.send_json({"type": "hello", "unread": unread})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "sent", None) is not None:
            await self.channel_layer.group_discard(notify_group(self.user.pk), self.channel_name)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if isinstance(content, dict) and kind == "resume":
            after = message_int(content.get("after"))
            while True:
                rows = await database_sync_to_async(selectors.notification_list_after)(
                    user=self.user, after=after
                )
                for row in rows:
                    await self.forward_once(row.pk, self.render(row.stored_fields()))
                if len(rows) < selectors.REPLAY_LIMIT:
                    break
                after = rows[-1].pk
            await self.send_json({"type": "resumed"})
        elif isinstance(content, dict) and kind == "read":
            ids = content.get("ids")
            id_list = [message_int(i) for i in ids] if isinstance(ids, list) else None
            up_to = message_int(content.get("up_to")) if content.get("up_to") is not None else None
            await database_sync_to_async(services.notifications_mark_read)(
                user=self.user, ids=id_list, up_to=up_to
            )
            unread = await database_sync_to_async(selectors.notification_unread_count)(user=self.user)
            await self.send_json({"type": "unread", "unread": unread})
        else:
            await self.send_json({"type": "error", "error": "unknown message type"})

    def render(self, fields: dict) -> str:
        with translation.override(self.language):
            return client_text({"type": "notification", "notification": message_from_fields(fields)})

    async def notification(self, event: dict) -> None:
        await self.forward_once(event["id"], self.render(event["fields"]))

    async def notifications(self, event: dict) -> None:
        """Several of one commit (``events_emit``), in order."""
        for each in event["notifications"]:
            await self.notification(each)


def message_int(value: object) -> int:
    """A non-negative integer from a client's message; anything else is 0."""
    try:
        return max(0, int(value))  # type: ignore[call-overload]  # anything a client sends: refused below
    except (TypeError, ValueError):
        return 0

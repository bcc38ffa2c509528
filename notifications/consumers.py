"""Websocket consumers: thin — authenticate, check access, join groups, replay from the database, forward.

``ws/notifications/``: the signed-in user's own stream. The client may first send
``{"type": "resume", "after": <last id seen>, "horizon": <the last horizon it was given>, "seen": [<ids it
received lately>]}`` to get every stored notification it has not seen, in id order, even those that committed after a
higher id (``notifications.horizon``); the replay ends with ``{"type": "resumed", "horizon": <h>}``. Then live
ones follow.
While the socket is open it catches up by itself every ``NOTIFICATION_CATCH_UP_SECONDS``, and renews its group
membership (a Redis that restarted forgot it): a push lost on the way (the channel layer failed after the
commit, or the socket was out of its group) arrives then, and the client is given a fresh ``{"type": "horizon"}``, so its next
resume sends little twice. ``{"type": "read", "ids": [...]}`` or ``{"type": "read", "up_to": <id>}`` marks read.
Texts are rendered in the socket's language (its ``django_language`` cookie or ``Accept-Language``).

Each socket remembers the ids it has sent and never sends one twice; clients drop duplicates by id too.
``DedupingConsumer`` is the base of every socket that forwards group messages (the board's is in ``web``).
"""

import asyncio
import logging
import random
from array import array
from bisect import bisect_left

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from notifications import selectors, services
from notifications.events import client_text, notify_group
from notifications.horizon import replay_horizon
from notifications.language import scope_language
from notifications.models import message_from_fields

logger = logging.getLogger(__name__)

SENT_MEMORY = 10_000  # ids remembered per socket for de-duplication
# Notification texts rendered lately, by (id, created, language, read): the sockets of one user in this process render
# each notification once, not once per socket.
RENDERED_MEMORY = 2048
UNAUTHENTICATED = 4401
FORBIDDEN = 4403
# The server lost the channel layer; the page reconnects (autobahn refuses 1011 from a server).
TRY_AGAIN = 4503


class IdMemory:
    """The newest ``SENT_MEMORY`` ids a socket sent (or its client said it has), as a sorted array of 8-byte
    integers: a set of the same ids costs about ten times the memory (a hash table and an object per id), and a
    thousand sockets each remembering thousands of events made a worker grow with every event it forwarded.
    Ids arrive nearly in order, so an insert is an append or a short move at the end. Past the limit the
    oldest half is forgotten at once: an id that old sent again is a duplicate the client drops, never a loss."""

    __slots__ = ("ids",)

    def __init__(self, ids: "list[int] | None" = None):
        self.ids = array("q", sorted(set(ids or ()))[-SENT_MEMORY:])

    def __contains__(self, key: int) -> bool:
        at = bisect_left(self.ids, key)
        return at < len(self.ids) and self.ids[at] == key

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, key: int) -> bool:
        """Remember ``key``; True if it was new."""
        ids = self.ids
        if not ids or key > ids[-1]:
            ids.append(key)
        else:
            at = bisect_left(ids, key)
            if at < len(ids) and ids[at] == key:
                return False
            ids.insert(at, key)
        if len(ids) > SENT_MEMORY:
            del ids[: len(ids) - SENT_MEMORY // 2]
        return True


class DedupingConsumer(AsyncJsonWebsocketConsumer):
    # Group messages whose handler only forwards text. Channels' ``dispatch`` first closes stale database
    # connections through ``sync_to_async``: one hop to the one shared thread per message and per socket, which
    # queued a board event behind 500 hops at 500 sockets. These handlers touch no database, so they skip it.
    forwarding: frozenset[str] = frozenset()
    sent: IdMemory

    async def dispatch(self, message: dict) -> None:
        if message.get("type") in self.forwarding:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    def remember(self, key: int) -> bool:
        """True the first time ``key`` is seen on this socket."""
        return self.sent.add(key)

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
    catching_up: asyncio.Task | None = None

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
        self.sent = IdMemory()
        # The socket's cursor (``notifications.horizon``), where its next catch-up starts: every row up to id
        # ``after`` that committed before ``horizon``, and those in ``seen``, are the client's already (a row
        # this socket sent is in ``sent``). Until the client resumes with its own, the stream starts now.
        start = await database_sync_to_async(selectors.notification_stream_start)(user=self.user)
        self.after, self.horizon, self.seen = start.after, start.horizon or None, IdMemory(start.seen)
        await self.accept()
        unread = await database_sync_to_async(selectors.notification_unread_count)(user=self.user)
        silenced = await database_sync_to_async(selectors.toast_silenced)(user=self.user)
        # A page with no cursor of its own starts from this one; ``quiet``: the types that pop up no toast.
        await self.send_json(
            {
                "type": "hello",
                "unread": unread,
                "after": start.after,
                "horizon": start.horizon,
                "seen": start.seen,
                "quiet": silenced,
            }
        )
        self.catching_up = asyncio.get_running_loop().create_task(self.catch_up_every())

    async def disconnect(self, code: int) -> None:
        if self.catching_up is not None:
            self.catching_up.cancel()
        if getattr(self, "sent", None) is not None:
            await self.channel_layer.group_discard(notify_group(self.user.pk), self.channel_name)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if isinstance(content, dict) and kind == "resume":
            # The client knows what it has seen better than the socket's start: its cursor replaces that.
            self.after = message_int(content.get("after"))
            self.horizon = message_int(content.get("horizon")) or None
            seen = content.get("seen")
            self.seen = IdMemory(
                [message_int(key) for key in seen[:SENT_MEMORY]] if isinstance(seen, list) else []
            )
            await self.send_json({"type": "resumed", "horizon": await self.replay()})
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

    async def replay(self) -> int:
        """Send what the client may not have seen (``selectors.notification_list_unseen``), once each; returns
        the horizon to give it, which is also where the socket's next catch-up starts."""
        horizon = await database_sync_to_async(replay_horizon)()
        beyond = 0
        while True:
            rows = await database_sync_to_async(selectors.notification_list_unseen)(
                user=self.user, after=self.after, horizon=self.horizon, beyond=beyond
            )
            for row in rows:
                if row.pk not in self.seen:
                    await self.forward_once(row.pk, self.render(row.stored_fields()))
            if len(rows) < selectors.REPLAY_LIMIT:
                break
            beyond = rows[-1].pk
        if rows:
            self.after = max(self.after, rows[-1].pk)
        self.horizon = horizon or None
        return horizon

    async def catch_up_every(self) -> None:
        """Catch up from the database now and then (``NOTIFICATION_CATCH_UP_SECONDS``, spread by a random tenth:
        one indexed query): what a lost push left out arrives, the horizon moves on. The group membership is
        renewed first: a Redis that restarted forgot it, and the socket would hear nothing live until then."""
        while True:
            await asyncio.sleep(settings.NOTIFICATION_CATCH_UP_SECONDS * (0.9 + random.random() / 5))
            try:
                await self.channel_layer.group_add(notify_group(self.user.pk), self.channel_name)
            except Exception:  # the channel layer is away: the database still has what was missed
                logger.warning("notification socket: group not renewed", exc_info=True)
            try:
                horizon = await self.replay()
            except Exception:  # the database is away for a moment: the next round tries again
                logger.warning("notification catch-up failed", exc_info=True)
                continue
            await self.send_json({"type": "horizon", "horizon": horizon})

    def render(self, fields: dict) -> str:
        return rendered(fields, self.language)

    async def notification(self, event: dict) -> None:
        if event["id"] not in self.sent:  # rendered only when it is sent
            await self.forward_once(event["id"], self.render(event["fields"]))

    async def notifications(self, event: dict) -> None:
        """Several of one commit (``events_emit``), in order."""
        for each in event["notifications"]:
            await self.notification(each)


_rendered: dict[tuple[int, str, str, bool], str] = {}


def rendered(fields: dict, language: str) -> str:
    """A notification's client text in ``language``. A user's sockets in one process all receive the same
    group message: the first renders it (a translation switch and a JSON dump), the others reuse the text."""
    key = (fields["id"], fields["created"], language, fields["read"])  # an id and its moment: one row
    text = _rendered.get(key)
    if text is None:
        with translation.override(language):
            text = client_text({"type": "notification", "notification": message_from_fields(fields)})
        if len(_rendered) >= RENDERED_MEMORY:
            del _rendered[next(iter(_rendered))]  # the oldest
        _rendered[key] = text
    return text


def message_int(value: object) -> int:
    """A non-negative integer from a client's message; anything else is 0."""
    try:
        return max(0, int(value))  # type: ignore[call-overload]  # anything a client sends: refused below
    except (TypeError, ValueError):
        return 0

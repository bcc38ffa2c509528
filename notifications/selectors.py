"""Reads behind the notification stream: a user reads only their own notifications."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from notifications.horizon import Cursor, cursor_now, unseen_first
from notifications.models import Notification, ToastPreference
from notifications.types import EventType, Hears

if TYPE_CHECKING:
    from cases.models import User  # the AUTH_USER_MODEL; a type only, so no import climbs the layers

REPLAY_LIMIT = 1000


def notification_list_unseen(
    *, user: "User", after: int, horizon: int | None = None, beyond: int = 0, limit: int = REPLAY_LIMIT
) -> list[Notification]:
    """The user's own notifications a reader who saw up to id ``after`` (with the replay ``horizon`` it was
    given, ``notifications.horizon``) may not have seen, oldest first: the rows after that id and the rows that
    committed at or after that horizon, whatever their id. ``beyond``: the last id of the previous page. Read
    by ``unseen_first``, each part from its own index, so a reader long away does not walk the user's whole
    stream from its start."""
    rows = Notification.objects.filter(recipient=user, pk__gt=beyond)
    return list(unseen_first(rows, after=after, horizon=horizon, limit=limit))


def notification_stream_start(*, user: "User") -> Cursor:
    """Where a socket that did not resume starts: after what the user has now, so what commits later, whatever
    its id, is still to be sent."""
    return cursor_now(Notification.objects.filter(recipient=user))


def notification_unread_count(*, user: "User") -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list_for_user(*, user: "User") -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-id")


def toast_silenced(*, user: "User") -> list[str]:
    """The event types that do not alert ``user`` by toast (none until they choose)."""
    return ToastPreference.objects.filter(user=user).values_list("silenced", flat=True).first() or []


def toast_choices() -> list[EventType]:
    """The event types a person may hear of (boards-only types notify nobody), in their declared order."""
    return [event_type for event_type in EventType if event_type.hears != Hears.NOBODY]

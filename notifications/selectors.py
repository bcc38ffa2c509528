"""Reads behind the notification stream: a user reads only their own notifications."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from notifications.models import Notification

if TYPE_CHECKING:
    from cases.models import User  # the AUTH_USER_MODEL; a type only, so no import climbs the layers

REPLAY_LIMIT = 1000


def notification_list_after(*, user: "User", after: int, limit: int = REPLAY_LIMIT) -> list[Notification]:
    """The user's own notifications after id ``after``, oldest first."""
    return list(Notification.objects.filter(recipient=user, pk__gt=after).order_by("pk")[:limit])


def notification_unread_count(*, user: "User") -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list_for_user(*, user: "User") -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-id")

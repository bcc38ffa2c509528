"""Reads behind the notification stream: a user reads only their own notifications."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from notifications.models import Notification

REPLAY_LIMIT = 1000


def notification_list_after(
    *, user: AbstractBaseUser, after: int, limit: int = REPLAY_LIMIT
) -> list[Notification]:
    """The user's own notifications after id ``after``, oldest first."""
    return list(Notification.objects.filter(recipient=user, pk__gt=after).order_by("pk")[:limit])


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-id")

"""Writes of notifications other than creating them (``events.event_emit`` does that)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from notifications.models import Notification


def notifications_mark_read(
    *, user: AbstractBaseUser, ids: list[int] | None = None, up_to: int | None = None
) -> int:
    """Mark the user's own notifications read (some ids, all up to an id, or all); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=timezone.now())

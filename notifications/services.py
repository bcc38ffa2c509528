"""Writes of notifications other than creating them (``events.event_emit`` does that)."""

from typing import TYPE_CHECKING

from django.utils import timezone

from notifications.models import Notification, ToastPreference
from notifications.types import EventType

if TYPE_CHECKING:
    from cases.models import User  # the AUTH_USER_MODEL; a type only, so no import climbs the layers


def notifications_mark_read(*, user: "User", ids: list[int] | None = None, up_to: int | None = None) -> int:
    """Mark the user's own notifications read (some ids, all up to an id, or all); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=timezone.now())


def toast_preference_set(*, user: "User", silenced: list[str]) -> list[str]:
    """Keep which event types no longer alert ``user`` by toast (known types only, each once, in the types'
    order); returns them. One row per person, written whole."""
    known = [event_type.value for event_type in EventType if event_type.value in set(silenced)]
    ToastPreference.objects.update_or_create(user=user, defaults={"silenced": known})
    return known

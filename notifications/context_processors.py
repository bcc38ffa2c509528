from notifications.selectors import notification_unread_count


def unread(request):
    """The bell's count on every page (one COUNT over the unread index)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notification_unread_count(user=user)}

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.horizon import CurrentTransactionId
from notifications.types import EventType


class Notification(models.Model):
    """One stored notification for one recipient: the truth behind every push (ids only increase).

    It keeps its type and parameters, not a text: the text is rendered when it is read, in the reader's
    language (``EventType.render``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    type = models.CharField(_("type"), max_length=40)  # an EventType value
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # The writing transaction (PostgreSQL): a replay sends what committed after its reader's horizon.
    txid = models.BigIntegerField(null=True, editable=False, db_default=CurrentTransactionId())

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "id"], name="notification_stream"),
            models.Index(fields=["recipient", "txid"], name="notification_horizon"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}#{self.pk} {self.type}"

    @property
    def text(self) -> str:
        """The text in the active language."""
        return EventType(self.type).render(self.payload)  # type: ignore[call-arg]  # a lookup by value, not the members' __new__

    @property
    def url(self) -> str | None:
        return case_url(self.payload)

    def stored_fields(self) -> dict:
        """What a push carries: enough to render the message in the receiving socket's language."""
        return {
            "id": self.pk,
            "type": self.type,
            "payload": self.payload,
            "created": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }

    def as_message(self) -> dict:
        """What a client receives, over the socket or the API, in the active language."""
        return message_from_fields(self.stored_fields())


def case_url(payload: dict) -> str | None:
    """The case's page; for an event about no case (an honour), the page its ``link`` names."""
    reference = payload.get("reference")
    return reverse("case", args=[reference]) if reference else payload.get("link")


def message_from_fields(fields: dict) -> dict:
    """A stored notification as a client receives it, rendered in the active language."""
    return {
        "id": fields["id"],
        "type": fields["type"],
        "text": EventType(fields["type"]).render(fields["payload"]),  # type: ignore[call-arg]  # a lookup by value, not the members' __new__
        "case": fields["payload"].get("reference") or None,
        "url": case_url(fields["payload"]),
        "created": fields["created"],
        "read": fields["read"],
    }


class ToastPreference(models.Model):
    """Which of a person's notifications do not also pop up as a toast (every type does until switched off, so
    a type added later alerts by default). Every notification is still stored, counted on the bell and listed;
    the notification socket tells the page the silenced types when it connects (``hello``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="toast_preference"
    )
    silenced = models.JSONField(_("types without a toast"), default=list, blank=True)  # EventType values
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("toast preference")
        verbose_name_plural = _("toast preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {len(self.silenced)}"

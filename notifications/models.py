from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One stored notification for one recipient: the truth behind every push (ids only increase)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    type = models.CharField(_("type"), max_length=40)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    text = models.CharField(_("text"), max_length=200)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "id"], name="notification_stream"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}#{self.pk} {self.type}"

    def as_message(self) -> dict:
        """What a client receives, over the socket or the API."""
        return {
            "id": self.pk,
            "type": self.type,
            "text": self.text,
            "case": self.payload.get("reference"),
            "url": self.payload.get("url"),
            "created": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }

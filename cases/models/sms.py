"""The SMS outbox: every message to a party is a row, written in the transaction of the change that causes it,
and sent after commit by the configured backend (``SMS_BACKEND``, ``cases.sms_backends``), with retries."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.validators import validate_mobile

SECRET = "{secret}"  # where a message's secret (a tracking code, a link's token) goes in its stored text
SECRET_SHOWN = "••••"


class SmsPurpose(models.TextChoices):
    RECEIPT = "receipt", _("Receipt with the tracking code")
    SATISFACTION = "satisfaction", _("Satisfaction link")
    EXTENSION = "extension", _("Extension approved")
    CONFIRMATION = "confirmation", _("Judicial confirmation reminder")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", pgettext_lazy("sms", "Sent")  # a return's "Sent" (发出) is another word
    FAILED = "failed", _("Failed")  # gave up after SMS_MAX_ATTEMPTS
    CANCELLED = "cancelled", _("Cancelled")  # its secret was replaced before it went out


class SmsMessage(models.Model):
    """One message to one mobile number. ``body`` is the text with ``{secret}`` where its secret goes; the
    secret itself is kept only until the message is sent (or given up, or cancelled), then cleared: the outbox
    never keeps a working tracking code or link."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sms_messages")
    purpose = models.CharField(_("purpose"), max_length=20, choices=SmsPurpose.choices)
    phone = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    body = models.TextField(_("text"), max_length=500)
    secret = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the retries' reads: what is due among the unsent (never the sent ones)
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="sms_unsent_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.purpose}·{self.status}"

    @property
    def text_shown(self) -> str:
        """The text as people may read it: the secret masked."""
        return self.body.replace(SECRET, SECRET_SHOWN)

    def text_to_send(self) -> str:
        return self.body.replace(SECRET, self.secret)

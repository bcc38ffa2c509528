"""Append-only audit trail: one row per transition and per claim / release / reassign, in the same transaction;
one per step that turns yellow or red, in the timer runner's."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits
from notifications.horizon import CurrentTransactionId
from notifications.types import EventType


class AuditAction(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRANSITION = "transition", _("State changed")
    CLAIMED = "claimed", _("Claimed")
    RELEASED = "released", _("Released")
    REASSIGNED = "reassigned", _("Reassigned")
    TASK_DONE = "task_done", _("Step completed")
    CARD_REDEEMED = "card_redeemed", _("Experience card redeemed")
    UNMASKED = "unmasked", _("Personal data shown")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")
    EXTENSION_ASKED = "extension_asked", _("Extension asked")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")
    RETURN_DECIDED = "return_decided", _("Return decided")
    ORDER_ISSUED = "order_issued", _("Supervision order issued")
    ORDER_ANSWERED = "order_answered", _("Supervision order answered")
    ORDER_ESCALATED = "order_escalated", _("Supervision order escalated")
    ORDER_OVERDUE = "order_overdue", _("Supervision order overdue")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    ATTACHMENT_REMOVED = "attachment_removed", _("Attachment removed")
    TRACKING_CODE_ISSUED = "tracking_code", _("New tracking code issued")
    PUBLIC_NOTE = "public_note", _("Public progress note")
    PARTY_ANSWERED = "party_answered", _("Rated by the party")
    DUPLICATE_LINKED = "duplicate_linked", _("Repeat linked (重复件)")
    CONFIRMATION_REMINDED = "confirm_reminded", _("Judicial confirmation reminder sent")
    NOTE_ADDED = "note_added", _("Note added")
    # A step's clock turned yellow (75 % of its time used) or red (overdue): written by the timer runner.
    DUE_SOON = "due_soon", _("Due soon (yellow)")
    OVERDUE = "overdue", _("Overdue (red)")


# The event each audit action is on the boards, one mapping for the live push and the replay. Transitions are
# ``case.<transition>``; an unmasking, a card redemption, a pause, a resume, an extension request and its
# decision, a return's decision, an attachment, a new tracking code, a public note and the party's answer
# through their link are audited but are not events.
AUDIT_EVENTS = {
    AuditAction.REGISTERED: EventType.CASE_REGISTERED,
    AuditAction.CLAIMED: EventType.CASE_CLAIMED,
    AuditAction.RELEASED: EventType.TASK_RELEASED,
    AuditAction.REASSIGNED: EventType.TASK_ASSIGNED,
    AuditAction.TASK_DONE: EventType.TASK_COMPLETED,
    AuditAction.ORDER_ISSUED: EventType.ORDER_ISSUED,
    AuditAction.ORDER_ANSWERED: EventType.ORDER_ANSWERED,
    AuditAction.ORDER_ESCALATED: EventType.ORDER_ESCALATED,
    AuditAction.ORDER_OVERDUE: EventType.ORDER_OVERDUE,
    AuditAction.DUE_SOON: EventType.DEADLINE_NEAR,
    AuditAction.OVERDUE: EventType.DEADLINE_PASSED,
}
BOARD_ACTIONS = [*AUDIT_EVENTS, AuditAction.TRANSITION]
# An attachment's rows carry its file name as their ``reason``: shown only to whoever may see the attachments.
ATTACHMENT_ACTIONS = [AuditAction.ATTACHMENT_ADDED, AuditAction.ATTACHMENT_REMOVED]


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def delete(self):
        raise TypeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    name = models.CharField(_("what"), max_length=40, help_text=_("transition or step name"))
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.TextField(_("why"), blank=True, max_length=limits.REASON)
    task_id = models.BigIntegerField(null=True, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # The writing transaction (PostgreSQL): a board's replay sends what committed after its horizon.
    txid = models.BigIntegerField(null=True, editable=False, db_default=CurrentTransactionId())

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["txid"], name="audit_horizon")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.action}·{self.name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")

    @property
    def event_type(self) -> EventType | None:
        """The board event this row is (pushed live with it, replayed from it), or None."""
        if self.action == AuditAction.TRANSITION:
            return EventType.of_transition(self.name)
        return AUDIT_EVENTS.get(AuditAction(self.action))

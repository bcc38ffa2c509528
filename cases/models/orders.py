"""Supervision orders (督办单): a supervisor of a case's unit or of a unit above it asks, with a reason, for a reply
by a due moment (N working days on the work calendar); whoever works the case must reply.

An order is issued by a supervisor (``issued_by``) or, for a step still red two working days after its due
moment, by the system on behalf of the nearest unit above the case's that has supervisors (``issued_by`` None,
the overdue step named in ``step``). Its ``unit`` is the issuing unit: the issuer's own, or the unit the system
acts for.

An order unanswered at its due moment **escalates one level**: it becomes ``escalated`` and a new order, one
``level`` up, is issued by the system on behalf of the nearest unit above the issuing unit that has supervisors,
with the same reason and a new window of the same number of working days from the old due moment
(``escalated_from`` links them). Each order has one due moment and one reply timer, fired once. An order whose
issuing unit has no unit above it with supervisors stays open and overdue; its supervisors hear that it is.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField

from cases.models import limits
from cases.models.org import Unit

if TYPE_CHECKING:
    from cases.models.case import transition  # django-fsm-2's decorator as the type checker sees it
    from cases.models.org import User
else:
    from django_fsm import transition


class OrderState(models.TextChoices):
    OPEN = "open", _("Awaiting a reply")
    ANSWERED = "answered", _("Answered")
    ESCALATED = "escalated", pgettext_lazy("supervision order", "Escalated")


class SupervisionOrder(ConcurrentTransitionMixin, models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="orders")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: issued by the system (an overdue step, or an escalation)."),
    )
    unit = models.ForeignKey(Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), default=0, help_text=_("Escalations so far."))
    escalated_from = models.OneToOneField(
        "self",
        verbose_name=_("escalated from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_to",
    )
    reason = models.TextField(_("reason"), max_length=limits.REASON, blank=True)
    # An automatic order's overdue step (its name in the step catalogue) and that step's due moment: its reason
    # is written from them when read, in the reader's language.
    step = models.CharField(_("step"), max_length=40, blank=True)
    step_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("working days to reply"))
    issued_at = models.DateTimeField(_("issued at"))
    due_at = models.DateTimeField(_("reply due"))
    yellow_at = models.DateTimeField(_("reply due soon from"))
    state = FSMField(
        _("state"), max_length=20, choices=OrderState.choices, default=OrderState.OPEN, protected=True
    )
    reply = models.TextField(_("reply"), max_length=limits.REASON, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["case", "state"], name="order_of_case"),
            # the boards' counts and the open orders by due moment
            models.Index(fields=["due_at"], condition=models.Q(state="open"), name="order_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.pk}·{self.state}"

    @property
    def is_open(self) -> bool:
        return self.state == OrderState.OPEN

    @property
    def is_automatic(self) -> bool:
        return self.issued_by_id is None

    @property
    def reason_text(self) -> str | Promise:
        """The reason as the reader reads it: the issuer's words, or an automatic order's in their language."""
        if self.reason or not self.step:
            return self.reason
        from cases.steps import STEPS  # the catalogue builds on the models

        kind = self.case.kind
        title = next((s.title for s in STEPS if s.name == self.step and s.kind == kind), self.step)
        due = timezone.localtime(self.step_due_at).strftime("%Y-%m-%d %H:%M") if self.step_due_at else ""
        return _("%(step)s is overdue since %(due)s: supervised automatically.") % {"step": title, "due": due}

    @transition(field=state, source=OrderState.OPEN, target=OrderState.ANSWERED)
    def answer(self, *, by: "User", text: str, at: datetime) -> None:
        self.reply, self.replied_by, self.replied_at = text, by, at

    @transition(field=state, source=OrderState.OPEN, target=OrderState.ESCALATED)
    def escalate(self, *, at: datetime) -> None:
        self.escalated_at = at

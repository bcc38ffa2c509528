"""Extension requests (延期申请): the holder of a step asks, before its due moment, for a later one with a
reason; a supervisor of the case's unit approves or refuses it, with a reason for a refusal.

A step (its clock) has at most ``MOST_EXTENSIONS`` requests, whatever became of them, and at most one awaiting a
decision: both are constraints of the table, not only of the service. An approval moves the step's clock
(``cases.services.extensions``); a request still pending when its step ends lapses.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import limits

if TYPE_CHECKING:
    from cases.models.org import User

MOST_EXTENSIONS = 2  # per step


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    LAPSED = "lapsed", _("Lapsed: the step ended first")


class ExtensionRequest(ConcurrentTransitionMixin, models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="extension_requests")
    # The unique (clock, number) index leads with the clock: no index of its own.
    clock = models.ForeignKey(
        "cases.Clock", on_delete=models.CASCADE, related_name="extension_requests", db_index=False
    )
    task_id = models.BigIntegerField()  # viewflow's task: the step's
    step = models.CharField(_("step"), max_length=40)
    number = models.PositiveSmallIntegerField(_("request number"))  # 1 or 2: which of the step's requests
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("why"), max_length=limits.REASON)
    due_before = models.DateTimeField(_("due when asked"))
    due_requested = models.DateTimeField(_("new due moment asked for"))
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ExtensionState.choices,
        default=ExtensionState.PENDING,
        protected=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("why decided so"), blank=True, max_length=limits.REASON)
    asked_at = models.DateTimeField(_("asked at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["asked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"],
                condition=models.Q(state=ExtensionState.PENDING),
                name="extension_pending_once",
                violation_error_message=_("This step has an extension request awaiting a decision."),
            ),
            models.UniqueConstraint(fields=["clock", "number"], name="extension_number_once"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=MOST_EXTENSIONS), name="extension_at_most_two"
            ),
            models.CheckConstraint(
                condition=models.Q(due_requested__gt=models.F("due_before")), name="extension_later"
            ),
            models.CheckConstraint(
                condition=models.Q(state=ExtensionState.PENDING, decided_at__isnull=True)
                | (~models.Q(state=ExtensionState.PENDING) & models.Q(decided_at__isnull=False)),
                name="extension_decided_when",
            ),
        ]
        indexes = [
            models.Index(fields=["task_id"], name="extension_task"),  # the task page's and the API's
            # A supervisor's list of the requests awaiting them, oldest first.
            models.Index(
                fields=["asked_at"],
                condition=models.Q(state=ExtensionState.PENDING),
                name="extension_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.step}·{self.number}·{self.state}"

    @property
    def is_pending(self) -> bool:
        return self.state == ExtensionState.PENDING

    @property
    def step_title(self) -> Promise | str:
        """The step's title, in the active language (its name if the catalogue has it no more)."""
        from cases.steps import steps_of  # the catalogue builds on the models

        return next((step.title for step in steps_of(self.case.kind) if step.name == self.step), self.step)

    @transition(field=state, source=ExtensionState.PENDING, target=ExtensionState.APPROVED)
    def approve(self, *, by: User, reason: str, at: datetime) -> None:
        self.decided_by, self.decision_reason, self.decided_at = by, reason, at

    @transition(field=state, source=ExtensionState.PENDING, target=ExtensionState.REFUSED)
    def refuse(self, *, by: User, reason: str, at: datetime) -> None:
        self.decided_by, self.decision_reason, self.decided_at = by, reason, at

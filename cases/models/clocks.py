"""Time that counts (工作日 clocks): the deadline policies administrators keep, the clock of each step and of each
case, and the timers that fire once.

A **policy** says how long a step, or a whole case, may take: an amount of working days, working hours or
calendar days, per kind, step and priority (a row for one priority wins over the row for any priority), counted
from the case's registration (the whole case), the step's opening, the opening of the step before it (the two
steps share one window: a consultation held within 5 working days counts from the call for it) or the step's
first claim (an advice is due 5 working days after a professional took it; before that, the step's opening row
says by when it must be claimed). A running clock keeps the policy it started with: a change applies to steps
opened afterwards.

A **clock** is one due moment that counts: a step's (its task) or a case's (from its registration, never
restarted, not even by an escalation). It knows when it turns yellow (75 % of its working time used) and when it
is due. A pause (the holder waits for a party) stops it: on resume its moments move on by the working time it
was paused. Releasing or reassigning a step leaves its clock alone.

A **timer** is one moment at which something must happen for a clock: the yellow and the red reminder, the
automatic 督办 two working days after red, the end of a pause, and a supervision order's reply due
(``cases.models.orders``). One row per (clock, kind) or (order, kind); the runner (``manage.py run_timers``) fires
each once, however many runners run.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits
from cases.models.case import Priority
from cases.models.kinds import CaseKind

MOST_TIME = 999  # working days, working hours or calendar days: more is a typing error
ANY_PRIORITY = 0
POLICY_PRIORITIES = [(ANY_PRIORITY, _("Any priority")), *Priority.choices]


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


class CountedFrom(models.TextChoices):
    REGISTERED = "registered", _("the case's registration")
    OPENED = "opened", _("the step's opening")
    PREVIOUS_OPENED = "previous_opened", _("the opening of the step before it")
    CLAIMED = "claimed", _("the step's first claim")


class Light(models.TextChoices):
    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    PAUSED = "paused", _("Paused")


class TimerKind(models.TextChoices):
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    SUPERVISE = "supervise", _("Supervision (督办)")
    RESUME = "resume", _("End of a pause")
    REPLY = "reply", _("Reply due (督办单)")
    # Day 20 after a mediation agreement was signed, when its parties want 司法确认 (``MediationAgreement``)
    CONFIRMATION = "confirmation", _("Judicial confirmation reminder")


class DeadlinePolicy(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    step = models.CharField(
        _("step"), max_length=40, blank=True, help_text=_("Empty: the whole case, from its registration.")
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=POLICY_PRIORITIES,
        default=ANY_PRIORITY,
        help_text=_("A row for one priority wins over the row for any priority."),
    )
    counted_from = models.CharField(
        _("counted from"), max_length=20, choices=CountedFrom.choices, default=CountedFrom.OPENED
    )
    amount = models.IntegerField(
        _("time allowed"),
        validators=[
            MinValueValidator(1, message=_("A deadline needs some time: give 1 or more.")),
            MaxValueValidator(
                MOST_TIME, message=_("At most %(limit_value)s: more is surely a typing error.")
            ),
        ],
    )
    unit = models.CharField(_("counted in"), max_length=20, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["kind", "step", "counted_from", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "step", "priority", "counted_from"],
                name="deadline_policy_once",
                violation_error_message=_(
                    "There is a policy for this step, priority and starting point already; change that one."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=1, amount__lte=MOST_TIME),
                name="deadline_policy_some_time",
                violation_error_message=_("A deadline needs some time: give 1 or more."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.kind}·{self.step or '*'}·{self.priority}·{self.counted_from}: {self.amount} {self.unit}"
        )

    def clean(self) -> None:
        from cases.steps import steps_of  # the catalogue builds on the models

        names = {step.name for step in steps_of(self.kind)} if self.kind else set()
        if self.step and self.kind and self.step not in names:
            raise ValidationError(
                {
                    "step": _("%(kind)s has no step %(step)s.")
                    % {"kind": CaseKind(self.kind).label, "step": self.step}
                }
            )
        whole_case = not self.step
        if whole_case != (self.counted_from == CountedFrom.REGISTERED):
            raise ValidationError(
                {
                    "counted_from": _(
                        "The whole case is counted from its registration, and a step from its opening, the "
                        "opening of the step before it or its first claim."
                    )
                }
            )
        starts = {CountedFrom.OPENED, CountedFrom.PREVIOUS_OPENED}
        if self.counted_from in starts:
            other = (starts - {self.counted_from}).pop()
            twin = DeadlinePolicy.objects.filter(
                kind=self.kind, step=self.step, priority=self.priority, counted_from=other
            ).exclude(pk=self.pk)
            if twin.exists():
                raise ValidationError(
                    {
                        "counted_from": _(
                            "This step and priority are counted from %(other)s already: a step has one window "
                            "before its first claim."
                        )
                        % {"other": CountedFrom(other).label}
                    }
                )


class Clock(models.Model):
    """One due moment that counts: a step's (``task_id``) or, without a task, the case's own."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="clocks")
    task_id = models.BigIntegerField(null=True, blank=True)  # viewflow's task; None: the case's clock
    step = models.CharField(_("step"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("counting since"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)  # None: the policy sets no deadline
    yellow_at = models.DateTimeField(_("due soon from"), null=True, blank=True)
    # The window a first claim opens (a claimed-phase policy as it was when the step opened); cleared when used.
    claim_amount = models.IntegerField(null=True, blank=True)
    claim_unit = models.CharField(max_length=20, choices=TimeUnit.choices, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    resumes_at = models.DateTimeField(_("resumes by itself at"), null=True, blank=True)
    pause_reason = models.TextField(_("why paused"), blank=True, max_length=limits.REASON)
    paused_for = models.DurationField(_("working time paused"), default=timedelta(0))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    # An extension request (``ExtensionRequest``) awaits a decision: when the clock stops, it lapses. Kept here so
    # that stopping clocks costs no statement when none awaits one (nearly always).
    extension_pending = models.BooleanField(_("extension awaiting a decision"), default=False)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        constraints = [
            models.UniqueConstraint(
                fields=["task_id"], condition=models.Q(task_id__isnull=False), name="clock_per_task"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(task_id__isnull=True), name="clock_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.step or 'case'}·{self.due_at}"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class Timer(models.Model):
    """A moment something must happen for a clock, for a supervision order (its reply due) or for a mediation
    agreement (the 司法确认 reminder): exactly one of the three; ``due_at`` None while its clock is paused
    (parked)."""

    # The unique (clock, kind) and (order, kind) indexes lead with the clock and the order: no index of their own.
    clock = models.ForeignKey(
        Clock, on_delete=models.CASCADE, related_name="timers", db_index=False, null=True, blank=True
    )
    order = models.ForeignKey(
        "cases.SupervisionOrder",
        on_delete=models.CASCADE,
        related_name="timers",
        db_index=False,
        null=True,
        blank=True,
    )
    agreement = models.ForeignKey(
        "cases.MediationAgreement",
        on_delete=models.CASCADE,
        related_name="timers",
        db_index=False,
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TimerKind.choices)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)

    class Meta:
        verbose_name = _("timer")
        verbose_name_plural = _("timers")
        constraints = [
            models.UniqueConstraint(fields=["clock", "kind"], name="timer_once"),
            models.UniqueConstraint(fields=["order", "kind"], name="order_timer_once"),
            models.UniqueConstraint(fields=["agreement", "kind"], name="agreement_timer_once"),
            models.CheckConstraint(
                condition=models.Q(clock__isnull=False, order__isnull=True, agreement__isnull=True)
                | models.Q(clock__isnull=True, order__isnull=False, agreement__isnull=True)
                | models.Q(clock__isnull=True, order__isnull=True, agreement__isnull=False),
                name="timer_of_clock_order_or_agreement",
            ),
        ]
        # The runner's read: due rows, earliest first, among the unfired ones only.
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(fired_at__isnull=True), name="timer_due")
        ]

    def __str__(self) -> str:
        owner = self.clock_id or (
            f"order {self.order_id}" if self.order_id else f"agreement {self.agreement_id}"
        )
        return f"{owner}·{self.kind}·{self.due_at}"

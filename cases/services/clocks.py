"""Keeping the clocks of a case (``cases.models.clocks``) and their timers.

After every command that moves a case the workflow says which steps are open (``clocks_keep``): the clocks of
steps no longer open stop and their pending timers are cancelled; a new step's clock starts with its policy and
its timers are created (one INSERT each for the clocks and the timers); the case's own clock starts at intake
and stops when the case ends. A first claim switches a step to the window the claim opens (``clock_taken``); the
holder pauses and resumes (``clock_pause``, ``clock_resume``; the runner resumes when a pause ends). The case's
due moment and light follow (``case_moments_keep``). An approved extension request moves a step's due moment
(``cases.services.extensions``); one still awaiting a decision lapses when its step's clock stops. Each function
runs inside its command's transaction, with the case locked, and counts with one ``WorkCalendar``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import deadlines
from cases.errors import Conflict, InvalidInput
from cases.models import (
    AuditAction,
    Case,
    Clock,
    CountedFrom,
    ExtensionRequest,
    ExtensionState,
    Timer,
    TimerKind,
    User,
)
from cases.services.audit import audit_write
from cases.transactions import in_transaction
from cases.workdays import WorkCalendar

REMINDERS = [TimerKind.YELLOW, TimerKind.RED, TimerKind.SUPERVISE]


@dataclass(frozen=True)
class OpenStep:
    """An open step as the workflow knows it: its task, its step's name, when it opened."""

    task_id: int
    step: str
    opened_at: datetime


# ---- the steps open after a command ------------------------------------------------------------------------


@in_transaction
def clocks_keep(
    *, case: Case, open_steps: Sequence[OpenStep], previous_task_id: int | None = None, new_case: bool = False
) -> dict[int, Clock]:
    """Make the case's clocks match its open steps; returns the step clocks stopped now, by task id.

    ``previous_task_id``: the step whose completion opened the new ones (a step counted from the opening of the
    step before it shares that step's window). ``new_case``: the case was just registered, it has no clock yet
    (nothing to read)."""
    now = timezone.now()
    calendar = WorkCalendar()
    running = [] if new_case else list(Clock.objects.filter(case=case, stopped_at__isnull=True))
    open_ids = {step.task_id for step in open_steps}
    ending = [
        clock
        for clock in running
        if (clock.task_id is None and not case.is_open)
        or (clock.task_id is not None and clock.task_id not in open_ids)
    ]
    _stop(ending, now, calendar)
    stopped = {clock.task_id: clock for clock in ending if clock.task_id is not None}
    have = {clock.task_id for clock in running}
    opening = [step for step in open_steps if step.task_id not in have]
    started: list[Clock] = []
    if opening or (case.is_open and None not in have):
        book = deadlines.PolicyBook(kind=case.kind, priority=case.priority)
        if case.is_open and None not in have:
            started.append(case_clock_new(case, book, calendar))
        previous = stopped.get(previous_task_id) if previous_task_id is not None else None
        started += [step_clock_new(case, step, book, calendar, previous) for step in opening]
        _start(started, calendar)
    case_moments_keep(case=case, clocks=[clock for clock in running if clock not in ending] + started)
    return stopped


def case_clock_new(case: Case, book: deadlines.PolicyBook, calendar: WorkCalendar) -> Clock:
    """The whole case's clock (not saved): from its registration, never restarted (an escalation keeps it)."""
    due, yellow = deadlines.moments(calendar, case.created_at, deadlines.window_of(book.policy("")))
    return Clock(case=case, task_id=None, step="", started_at=case.created_at, due_at=due, yellow_at=yellow)


def step_clock_new(
    case: Case, step: OpenStep, book: deadlines.PolicyBook, calendar: WorkCalendar, previous: Clock | None
) -> Clock:
    """A step's clock (not saved): its policy's window from the step's opening, or from the opening of the step
    before it (``previous``, the clock that step had) when the two share one window."""
    policy = book.policy(step.step)
    start, paused_for = step.opened_at, timedelta(0)
    if policy is not None and policy.counted_from == CountedFrom.PREVIOUS_OPENED and previous is not None:
        start, paused_for = previous.started_at, previous.paused_for
    due, yellow = deadlines.moments(calendar, start, deadlines.window_of(policy), paused_for)
    after_claim = book.policy(step.step, claimed=True)
    return Clock(
        case=case,
        task_id=step.task_id,
        step=step.step,
        started_at=start,
        due_at=due,
        yellow_at=yellow,
        paused_for=paused_for,
        claim_amount=after_claim.amount if after_claim else None,
        claim_unit=after_claim.unit if after_claim else "",
    )


def _start(clocks: list[Clock], calendar: WorkCalendar) -> None:
    """Insert the clocks, then their timers: one INSERT each."""
    if not clocks:
        return
    Clock.objects.bulk_create(clocks)
    timers = [
        Timer(clock=clock, kind=kind, due_at=due)
        for clock in clocks
        for kind, due in deadlines.timer_moments(clock, calendar).items()
    ]
    if timers:
        Timer.objects.bulk_create(timers)


def _stop(clocks: list[Clock], now: datetime, calendar: WorkCalendar) -> None:
    """Stop the clocks (a paused one counts its pause out first) and cancel their pending timers; an extension
    request still awaiting a decision lapses with its step."""
    if not clocks:
        return
    lapsing = [clock for clock in clocks if clock.extension_pending]
    if lapsing:
        ExtensionRequest.objects.filter(clock__in=lapsing, state=ExtensionState.PENDING).update(
            state=ExtensionState.LAPSED, decided_at=now
        )
    special = [clock for clock in clocks if clock.paused_at is not None or clock.extension_pending]
    for clock in special:
        fields = ["stopped_at", "extension_pending"]
        if clock.paused_at is not None:
            _unpause(clock, now, calendar)
            fields += PAUSE_FIELDS
        clock.stopped_at, clock.extension_pending = now, False
        clock.save(update_fields=fields)
    plain = [clock for clock in clocks if clock not in special]
    for clock in plain:
        clock.stopped_at = now
    if plain:
        Clock.objects.filter(pk__in=[clock.pk for clock in plain]).update(stopped_at=now)
    Timer.objects.filter(clock__in=clocks, fired_at__isnull=True).delete()


# ---- the case's due moment and light ---------------------------------------------------------------------------


@in_transaction
def case_moments_keep(*, case: Case, clocks: Sequence[Clock]) -> None:
    """Keep the case's due moment, yellow moment and paused flag (``deadlines.case_moments`` of its running
    clocks) for the lists and the boards; no statement when they are unchanged."""
    due, yellow, paused = deadlines.case_moments(clocks)
    # As the database gives them back (UTC): the boards' payloads show the case as it is in memory.
    due, yellow = (None if moment is None else moment.astimezone(UTC) for moment in (due, yellow))
    if (due, yellow, paused) != (case.due_at, case.yellow_at, case.paused):
        # Not ``save()``: the state guard of ``ConcurrentTransitionMixin`` has nothing to guard in a due moment.
        Case.objects.filter(pk=case.pk).update(due_at=due, yellow_at=yellow, paused=paused)
        case.due_at, case.yellow_at, case.paused = due, yellow, paused


# ---- a first claim -----------------------------------------------------------------------------------------


@in_transaction
def clock_taken(*, case: Case, task_id: int) -> None:
    """A step got its first holder (a claim, or a supervisor's assignment from the queue). Where its policy
    counts from the first claim (an advice: 5 working days from it), the clock switches to that window now;
    nothing changes for a later claim (a release never restarts a clock)."""
    running = list(Clock.objects.filter(case=case, stopped_at__isnull=True))
    clock = next((clock for clock in running if clock.task_id == task_id), None)
    if clock is None or clock.claim_amount is None:
        return
    calendar = WorkCalendar()
    had_timers = clock.due_at is not None
    clock_claimed(clock, timezone.now(), calendar)
    clock.save(
        update_fields=[
            "started_at",
            "paused_for",
            "due_at",
            "yellow_at",
            "claim_amount",
            "claim_unit",
            "paused_at",
        ]
    )
    _aim(clock, calendar, had_timers=had_timers)
    case_moments_keep(case=case, clocks=running)


def clock_claimed(clock: Clock, now: datetime, calendar: WorkCalendar) -> None:
    """Switch a clock (in memory) to the window its step's first claim opens."""
    assert clock.claim_amount is not None
    window = deadlines.Window(clock.claim_amount, clock.claim_unit)
    clock.started_at, clock.paused_for = now, timedelta(0)
    clock.due_at, clock.yellow_at = deadlines.moments(calendar, now, window)
    clock.claim_amount, clock.claim_unit = None, ""
    if clock.paused_at is not None:
        clock.paused_at = now  # the new window has not been paused yet


def _aim(clock: Clock, calendar: WorkCalendar, *, had_timers: bool) -> None:
    """Point the clock's pending reminders at its moments (parked while it is paused); a clock that had no
    deadline gets its reminders now. Fired ones stay as they are: each fires once."""
    moments = deadlines.timer_moments(clock, calendar)
    when: dict[str, datetime | None] = dict.fromkeys(moments) if clock.paused_at is not None else {**moments}
    if not when:
        return
    if not had_timers:
        Timer.objects.bulk_create(Timer(clock=clock, kind=kind, due_at=due) for kind, due in when.items())
        return
    Timer.objects.filter(clock=clock, fired_at__isnull=True, kind__in=REMINDERS).update(
        due_at=models.Case(
            *(models.When(kind=kind, then=models.Value(due)) for kind, due in when.items()), default=None
        )
    )


# ---- pauses ------------------------------------------------------------------------------------------------

PAUSE_FIELDS = ["paused_at", "resumes_at", "pause_reason", "paused_for", "due_at", "yellow_at"]


def pause_checked(*, reason: str, days: int | str | None) -> tuple[str, int]:
    """A pause's input, refused before anything is locked: a reason, and 1 to ``PAUSE_MAX_WORKING_DAYS``
    working days (that limit when not given)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say which party the step waits for, and why."), field="reason")
    limit = settings.PAUSE_MAX_WORKING_DAYS
    if days is None or days == "":
        return reason, limit
    if isinstance(days, bool) or not (
        isinstance(days, int) or (isinstance(days, str) and days.isascii() and days.isdigit())
    ):
        raise InvalidInput(
            _("Give the pause in whole working days, 1 to %(limit)s.") % {"limit": limit}, field="days"
        )
    if not 1 <= int(days) <= limit:
        raise InvalidInput(_("A pause lasts 1 to %(limit)s working days.") % {"limit": limit}, field="days")
    return reason, int(days)


@in_transaction
def clock_pause(*, case: Case, task_id: int, actor: User, reason: str, days: int) -> Clock:
    """The holder waits for a party: the step's clock stops counting until they resume, or by itself after
    ``days`` working days (its resume timer). Its reminders are parked meanwhile."""
    running = list(Clock.objects.filter(case=case, stopped_at__isnull=True))
    clock = next((clock for clock in running if clock.task_id == task_id), None)
    if clock is None:
        raise Conflict(_("This step has no clock to pause."))
    if clock.paused_at is not None:
        raise Conflict(_("The step is paused already."))
    now, calendar = timezone.now(), WorkCalendar()
    clock.paused_at, clock.resumes_at, clock.pause_reason = now, calendar.add_working_days(now, days), reason
    clock.save(update_fields=["paused_at", "resumes_at", "pause_reason"])
    Timer.objects.filter(clock=clock, fired_at__isnull=True, kind__in=REMINDERS).update(due_at=None)
    Timer.objects.bulk_create(
        [Timer(clock=clock, kind=TimerKind.RESUME, due_at=clock.resumes_at, fired_at=None)],
        update_conflicts=True,
        unique_fields=["clock", "kind"],
        update_fields=["due_at", "fired_at"],
    )
    audit_write(
        case=case, actor=actor, action=AuditAction.PAUSED, name=clock.step, task_id=task_id, reason=reason
    )
    case_moments_keep(case=case, clocks=running)
    return clock


@in_transaction
def clock_resume(
    *, case: Case, actor: User | None, task_id: int | None = None, clock_id: int | None = None
) -> Clock:
    """The step counts again (its holder resumed it, or, ``actor`` None, its pause ended): its due and yellow
    moments move on by the working time it was paused, and its reminders with them."""
    running = list(Clock.objects.filter(case=case, stopped_at__isnull=True))
    clock = next(
        (
            clock
            for clock in running
            if (clock.pk == clock_id if clock_id is not None else clock.task_id == task_id)
        ),
        None,
    )
    if clock is None or clock.paused_at is None:
        raise Conflict(_("The step is not paused."))
    calendar = WorkCalendar()
    _unpause(clock, timezone.now(), calendar)
    clock.save(update_fields=PAUSE_FIELDS)
    _aim(clock, calendar, had_timers=clock.due_at is not None)
    Timer.objects.filter(clock=clock, kind=TimerKind.RESUME, fired_at__isnull=True).delete()
    audit_write(case=case, actor=actor, action=AuditAction.RESUMED, name=clock.step, task_id=clock.task_id)
    case_moments_keep(case=case, clocks=running)
    return clock


def _unpause(clock: Clock, now: datetime, calendar: WorkCalendar) -> None:
    """The paused working time is not counted: the moments move on by it."""
    assert clock.paused_at is not None
    lost = calendar.working_time_between(clock.paused_at, now)
    if lost and clock.due_at is not None and clock.yellow_at is not None:
        clock.due_at = calendar.add_working_time(clock.due_at, lost)
        clock.yellow_at = calendar.add_working_time(clock.yellow_at, lost)
    clock.paused_for += lost
    clock.paused_at, clock.resumes_at, clock.pause_reason = None, None, ""

"""The deadline policy: when a step and a case are due, when they turn yellow, their light and the moments of
their timers.

How long is data: the administrators' policies (``DeadlinePolicy``), kept by each process for a minute
(``cases.reference``) and looked up for the case's kind and priority (``PolicyBook``). Time counts on the work calendar (``cases.workdays``), with one ``WorkCalendar``
per command. A clock turns yellow when 75 % of its working time is used (``WorkCalendar.share_used`` is 0.75
there), red at its due moment; the supervisors of the unit above hear of a step still red two working days
later (the automatic 督办). A step done by its due moment is on time (the points rule reads that).

The case's due moment is the earliest of its own clock's (the whole case's limit, from registration) and its
open steps' that are not paused (or were late when paused); its light is red when that moment has passed, paused
when every open step waits for a party, yellow or green otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from cases.models import Case, Clock, CountedFrom, DeadlinePolicy, Light, TimerKind, TimeUnit
from cases.models.clocks import ANY_PRIORITY
from cases.reference import deadline_policies
from cases.workdays import CALENDAR_ZONE, WorkCalendar

YELLOW_SHARE = 0.75
SUPERVISE_AFTER_WORKING_DAYS = 2


@dataclass(frozen=True)
class Window:
    """How long a policy allows: an amount of working days, working hours or calendar days."""

    amount: int
    unit: str

    def end(self, calendar: WorkCalendar, start: datetime) -> datetime:
        if self.unit == TimeUnit.WORKING_DAYS:
            return calendar.add_working_days(start, self.amount)
        if self.unit == TimeUnit.WORKING_HOURS:
            return calendar.add_working_hours(start, self.amount)
        return (start + timedelta(days=self.amount)).astimezone(CALENDAR_ZONE)


class PolicyBook:
    """The policies of one kind for one priority (of those the process keeps, ``cases.reference``)."""

    def __init__(self, *, kind: str, priority: int):
        self.priority = priority
        self.rows = [
            row
            for row in deadline_policies()
            if row.kind == kind and row.priority in (ANY_PRIORITY, priority)
        ]

    def policy(self, step: str, *, claimed: bool = False) -> DeadlinePolicy | None:
        """The row of ``step`` (``""``: the whole case) for its window before its first claim, or from it
        (``claimed``): the priority's own row before the one for any priority; None when there is none."""
        rows = [
            row
            for row in self.rows
            if row.step == step and (row.counted_from == CountedFrom.CLAIMED) is claimed
        ]
        rows.sort(key=lambda row: (row.priority != self.priority, row.counted_from != CountedFrom.OPENED))
        return rows[0] if rows else None


def window_of(policy: DeadlinePolicy | None) -> Window | None:
    return None if policy is None else Window(policy.amount, policy.unit)


def yellow_moment(calendar: WorkCalendar, start: datetime, due: datetime) -> datetime:
    """When 75 % of the working time from ``start`` to ``due`` is used (``share_used`` is 0.75 there); of the
    wall-clock time when that span holds no working time, as ``share_used`` counts it then."""
    allowed = calendar.working_time_between(start, due)
    if allowed > timedelta(0):
        return calendar.add_working_time(start, allowed * YELLOW_SHARE)
    return start + (due - start) * YELLOW_SHARE


def extended_yellow(
    calendar: WorkCalendar, *, start: datetime, due: datetime, paused_for: timedelta
) -> datetime:
    """The yellow moment of a clock counted from ``start`` whose due moment an approved extension moved to ``due``:
    when 75 % of its working time from ``start`` to ``due`` is used, the working time it was paused not counted
    (as ``moments`` moves a paused clock's yellow moment on by it)."""
    allowed = calendar.working_time_between(start, due) - paused_for
    if allowed > timedelta(0):
        return calendar.add_working_time(start, allowed * YELLOW_SHARE + paused_for)
    return start + (due - start) * YELLOW_SHARE


def moments(
    calendar: WorkCalendar, start: datetime, window: Window | None, paused_for: timedelta = timedelta(0)
) -> tuple[datetime | None, datetime | None]:
    """(due, yellow) of a window counted from ``start``, moved on by the working time paused; (None, None)
    without a window."""
    if window is None:
        return None, None
    due = window.end(calendar, start)
    yellow = yellow_moment(calendar, start, due)
    if paused_for:
        due, yellow = (
            calendar.add_working_time(due, paused_for),
            calendar.add_working_time(yellow, paused_for),
        )
    return due, yellow


def timer_moments(clock: Clock, calendar: WorkCalendar) -> dict[str, datetime]:
    """When each reminder of a step's clock fires: yellow, red, and the 督办 two working days after red. A
    case's own clock and a step without a deadline have none."""
    if clock.task_id is None or clock.due_at is None or clock.yellow_at is None:
        return {}
    return {
        TimerKind.YELLOW: clock.yellow_at,
        TimerKind.RED: clock.due_at,
        TimerKind.SUPERVISE: calendar.add_working_days(clock.due_at, SUPERVISE_AFTER_WORKING_DAYS),
    }


def on_time(clock: Clock | None) -> bool:
    """A stopped clock stopped by its due moment (one without a deadline always did)."""
    return clock is None or clock.due_at is None or (clock.stopped_at or clock.due_at) <= clock.due_at


# ---- lights --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sla:
    """What a step or a case shows of its time: its due moment, its light, whether it waits for a party."""

    due_at: datetime | None
    light: Light
    paused: bool


def light(*, due_at: datetime | None, yellow_at: datetime | None, paused: bool, at: datetime) -> Light:
    if due_at is not None and at >= due_at:
        return Light.RED
    if paused:
        return Light.PAUSED
    if yellow_at is not None and at >= yellow_at:
        return Light.YELLOW
    return Light.GREEN


# The case list's filter for cases without a due moment (``light`` calls them green: nothing is late).
NO_DEADLINE_LIGHT = "none"


def light_q(light_name: str, *, at: datetime) -> Q:
    """The cases ``case_sla`` lights ``light_name`` at ``at``, as a query (its rule, as ``light`` above has it):
    red from the due moment on; paused while every open step waits; yellow from the yellow moment on; green
    before it, with a due moment; ``NO_DEADLINE_LIGHT``: no due moment (a case that ended, or one no policy
    times), and not paused."""
    not_red = Q(due_at__isnull=True) | Q(due_at__gt=at)
    lights = {
        Light.RED: Q(due_at__lte=at),
        Light.PAUSED: Q(paused=True) & not_red,
        Light.YELLOW: Q(paused=False, yellow_at__lte=at, due_at__gt=at),
        Light.GREEN: Q(paused=False, due_at__gt=at) & (Q(yellow_at__isnull=True) | Q(yellow_at__gt=at)),
        NO_DEADLINE_LIGHT: Q(paused=False, due_at__isnull=True),
    }
    return lights[light_name]


def clock_light_q(light_name: str, *, at: datetime) -> Q:
    """The clocks ``clock_sla`` lights ``light_name`` at ``at``, as a query on ``Clock`` (its rule, as ``light``
    has it, judged at the moment ``clock_sla`` judges: a stopped clock when it stopped, a paused one when it was
    paused, a running one at ``at``); ``NO_DEADLINE_LIGHT``: no due moment, and not paused."""
    moment = Coalesce(F("stopped_at"), F("paused_at"), Value(at, output_field=DateTimeField()))
    paused = Q(paused_at__isnull=False, stopped_at__isnull=True)
    red = Q(LessThanOrEqual(F("due_at"), moment))
    not_red = Q(due_at__isnull=True) | Q(GreaterThan(F("due_at"), moment))  # ``~red`` is NULL without one
    yellow_reached = Q(LessThanOrEqual(F("yellow_at"), moment))
    lights = {
        Light.RED: red,
        Light.PAUSED: paused & not_red,
        Light.YELLOW: ~paused & yellow_reached & Q(GreaterThan(F("due_at"), moment)),
        Light.GREEN: ~paused
        & Q(GreaterThan(F("due_at"), moment))
        & (Q(yellow_at__isnull=True) | Q(GreaterThan(F("yellow_at"), moment))),
        NO_DEADLINE_LIGHT: ~paused & Q(due_at__isnull=True),
    }
    return lights[light_name]


class ClockMoments(NamedTuple):
    """What a step's light is read from (``clock_sla``): its clock's moments, read as values for rows that
    load no clock (``cases.selectors.clocks.clock_moments_of_tasks``)."""

    due_at: datetime | None
    yellow_at: datetime | None
    paused_at: datetime | None
    stopped_at: datetime | None


def clock_sla(clock: Clock | ClockMoments | None, now: datetime) -> Sla:
    """A step's: a done step shows how it ended (red if late); a paused one is paused, or red if it was late
    when it was paused (its due moment moves on by the pause only when it resumes, so the pause is counted as
    standing still: ``paused_at`` is the moment to judge it by)."""
    if clock is None:
        return Sla(due_at=None, light=Light.GREEN, paused=False)
    paused = clock.paused_at is not None and clock.stopped_at is None
    at = clock.stopped_at or (clock.paused_at if paused else None) or now
    return Sla(
        due_at=clock.due_at,
        light=light(due_at=clock.due_at, yellow_at=clock.yellow_at, paused=paused, at=at),
        paused=paused,
    )


def case_sla(case: Case, now: datetime) -> Sla:
    at = case.closed_at or now
    return Sla(
        due_at=case.due_at,
        light=light(due_at=case.due_at, yellow_at=case.yellow_at, paused=case.paused, at=at),
        paused=case.paused,
    )


def case_moments(clocks: Iterable[Clock]) -> tuple[datetime | None, datetime | None, bool]:
    """(due, yellow, paused) of a case from its running clocks."""
    running = [clock for clock in clocks if clock.stopped_at is None]
    # A paused step does not count, unless it was late already when it was paused: the case stays red.
    counting = [
        clock
        for clock in running
        if clock.paused_at is None or (clock.due_at is not None and clock.paused_at >= clock.due_at)
    ]
    due = min((clock.due_at for clock in counting if clock.due_at is not None), default=None)
    yellow = min((clock.yellow_at for clock in counting if clock.yellow_at is not None), default=None)
    steps = [clock for clock in running if clock.task_id is not None]
    return due, yellow, bool(steps) and all(clock.paused_at is not None for clock in steps)

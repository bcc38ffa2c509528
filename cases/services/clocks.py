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
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import deadlines
from cases.carried import carried
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
from notifications.rows import filled_in, statements_in_one, unnest_insert, update_sql

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
    running = [] if new_case else running_clocks(case)
    open_ids = {step.task_id for step in open_steps}
    ending = [
        clock
        for clock in running
        if (clock.task_id is None and not case.is_open)
        or (clock.task_id is not None and clock.task_id not in open_ids)
    ]
    plain = _stop_special(
        ending, now, calendar
    )  # first: a paused clock's pause counts out (a window it shares)
    for clock in plain:
        clock.stopped_at = now
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
    moments = _case_moments(case, [clock for clock in running if clock not in ending] + started)
    timers = [
        Timer(clock=clock, kind=kind, due_at=due)
        for clock in started
        for kind, due in deadlines.timer_moments(clock, calendar).items()
    ]
    _ClockWrites(
        case, now, stopping=plain, ending=ending, started=started, timers=timers, moments=moments
    ).run()
    if carried(case).clocks is not None or new_case:
        carried(case).clocks = [clock for clock in running if clock not in ending] + started
    return stopped


def running_clocks(case: Case) -> list[Clock]:
    """The case's running clocks: as the command keeps them (``cases.carried``; the same objects, so that what a
    service changes in one is what the next reads), or read."""
    kept = carried(case).clocks
    if kept is not None:
        return kept
    return list(Clock.objects.filter(case=case, stopped_at__isnull=True))


Moments = tuple[datetime | None, datetime | None, bool]


@dataclass
class _ClockWrites:
    """What ``clocks_keep`` writes: stop the ``stopping`` clocks, cancel the pending timers of all ``ending`` ones,
    insert the ``started`` clocks and their ``timers``, keep the case's ``moments`` (None: unchanged). On
    PostgreSQL one statement does it all (every completed step comes here: five statements saved on each);
    elsewhere one statement each."""

    case: Case
    now: datetime
    stopping: list[Clock]
    ending: list[Clock]
    started: list[Clock]
    timers: list[Timer]
    moments: Moments | None

    def run(self) -> None:
        if connection.vendor == "postgresql":
            _write_in_one(self)
            return
        if self.stopping:
            Clock.objects.filter(pk__in=[clock.pk for clock in self.stopping]).update(stopped_at=self.now)
        if self.ending:
            Timer.objects.filter(clock__in=self.ending, fired_at__isnull=True).delete()
        if self.started:
            Clock.objects.bulk_create(self.started)
        if self.timers:
            Timer.objects.bulk_create(self.timers)  # each takes its clock's id, given just now
        if self.moments is not None:
            _moments_save(self.case, self.moments)


def _new_clock_of(timer: Timer) -> Clock:
    assert timer.clock is not None  # a step's reminder, made with its clock
    return timer.clock


def _write_in_one(writes: _ClockWrites) -> None:
    case, now, stopping, ending = writes.case, writes.now, writes.stopping, writes.ending
    started, timers, moments = writes.started, writes.timers, writes.moments
    parts: list[str] = []
    params: list[Any] = []
    if stopping:
        parts.append("stopped AS (UPDATE cases_clock SET stopped_at = %s WHERE id = ANY(%s::bigint[]))")
        params += [now, [clock.pk for clock in stopping]]
    if ending:
        parts.append(
            "cancelled AS (DELETE FROM cases_timer WHERE clock_id = ANY(%s::bigint[]) AND fired_at IS NULL)"
        )
        params.append([clock.pk for clock in ending])
    insert = unnest_insert(started) if started else None
    if insert is not None:
        parts.append(f"started AS ({insert.sql}, task_id)")  # RETURNING id, task_id
        params += insert.arrays
    if timers:
        # A new timer belongs to a new step's clock: joined to it by the step's task (one clock per task).
        parts.append(
            "reminders AS (INSERT INTO cases_timer (clock_id, order_id, agreement_id, kind, due_at, fired_at) "
            "SELECT started.id, NULL, NULL, t.kind, t.due_at, NULL "
            "FROM UNNEST(%s::bigint[], %s::varchar[], %s::timestamptz[]) AS t(task_id, kind, due_at) "
            "JOIN started ON started.task_id = t.task_id)"
        )
        params += [
            [_new_clock_of(timer).task_id for timer in timers],
            [timer.kind for timer in timers],
            [timer.due_at for timer in timers],
        ]
    if moments is not None:
        parts.append(
            "moments AS (UPDATE cases_case SET due_at = %s, yellow_at = %s, paused = %s WHERE id = %s)"
        )
        params += [*moments, case.pk]
    if not parts:
        return
    answer = (
        f"SELECT {', '.join(connection.ops.quote_name(str(f.column)) for f in insert.filled)} FROM started"
        if insert
        else "SELECT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {answer}", params)
        returned = cursor.fetchall()
    if insert is not None:
        filled_in(started, insert.filled, returned)
    if moments is not None:
        case.due_at, case.yellow_at, case.paused = moments


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


def _stop_special(clocks: list[Clock], now: datetime, calendar: WorkCalendar) -> list[Clock]:
    """Stop the clocks that need more than a stop (a paused one counts its pause out first; an extension request
    still awaiting a decision lapses with its step); returns the plain ones, for ``_write`` to stop."""
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
    return [clock for clock in clocks if clock not in special]


# ---- the case's due moment and light ---------------------------------------------------------------------------


@in_transaction
def case_moments_keep(*, case: Case, clocks: Sequence[Clock]) -> None:
    """Keep the case's due moment, yellow moment and paused flag (``deadlines.case_moments`` of its running
    clocks) for the lists and the boards; no statement when they are unchanged."""
    moments = _case_moments(case, clocks)
    if moments is not None:
        _moments_save(case, moments)


def _case_moments(case: Case, clocks: Sequence[Clock]) -> Moments | None:
    """The case's (due, yellow, paused) from its running clocks, or None when the case has them already."""
    due, yellow, paused = deadlines.case_moments(clocks)
    # As the database gives them back (UTC): the boards' payloads show the case as it is in memory.
    due, yellow = (None if moment is None else moment.astimezone(UTC) for moment in (due, yellow))
    return (
        None if (due, yellow, paused) == (case.due_at, case.yellow_at, case.paused) else (due, yellow, paused)
    )


def _moments_save(case: Case, moments: Moments) -> None:
    statements_in_one([_moments_sql(case, moments)])
    case.due_at, case.yellow_at, case.paused = moments


def _moments_sql(case: Case, moments: Moments) -> tuple[str, Sequence]:
    # Not ``save()``: the state guard of ``ConcurrentTransitionMixin`` has nothing to guard in a due moment.
    due, yellow, paused = moments
    return update_sql(Case.objects.filter(pk=case.pk), due_at=due, yellow_at=yellow, paused=paused)


# ---- a first claim -----------------------------------------------------------------------------------------


@in_transaction
def clock_taken(*, case: Case, task_id: int) -> None:
    """A step got its first holder (a claim, or a supervisor's assignment from the queue). Where its policy
    counts from the first claim (an advice: 5 working days from it), the clock switches to that window now;
    nothing changes for a later claim (a release never restarts a clock)."""
    running = running_clocks(case)
    clock = next((clock for clock in running if clock.task_id == task_id), None)
    if clock is None or clock.claim_amount is None:
        return
    calendar = WorkCalendar()
    had_timers = clock.due_at is not None
    clock_claimed(clock, timezone.now(), calendar)
    fields = ["started_at", "paused_for", "due_at", "yellow_at", "claim_amount", "claim_unit", "paused_at"]
    moments = _case_moments(case, running)
    # The clock, its reminders and the case's moments in one statement (a claim is a third of all commands).
    statements_in_one(
        [
            update_sql(
                Clock.objects.filter(pk=clock.pk), **{field: getattr(clock, field) for field in fields}
            ),
            _aim_sql(clock, calendar, had_timers=had_timers),
            _moments_sql(case, moments) if moments is not None else ("", ()),
        ]
    )
    if moments is not None:
        case.due_at, case.yellow_at, case.paused = moments


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
    statements_in_one([_aim_sql(clock, calendar, had_timers=had_timers)])


def _aim_sql(clock: Clock, calendar: WorkCalendar, *, had_timers: bool) -> tuple[str, Sequence]:
    """The statement of ``_aim``, not run ("" when there is nothing to do)."""
    moments = deadlines.timer_moments(clock, calendar)
    when: dict[str, datetime | None] = dict.fromkeys(moments) if clock.paused_at is not None else {**moments}
    if not when:
        return "", ()
    if not had_timers:
        insert = unnest_insert([Timer(clock=clock, kind=kind, due_at=due) for kind, due in when.items()])
        return (
            (insert.sql, insert.arrays)
            if connection.vendor == "postgresql"
            else _timers_insert_sql(clock, when)
        )
    return update_sql(
        Timer.objects.filter(clock=clock, fired_at__isnull=True, kind__in=REMINDERS),
        due_at=models.Case(
            *(models.When(kind=kind, then=models.Value(due)) for kind, due in when.items()), default=None
        ),
    )


def _timers_insert_sql(clock: Clock, when: dict[str, datetime | None]) -> tuple[str, Sequence]:
    """New reminders as one plain multi-row INSERT (databases without arrays)."""
    rows = ", ".join(["(%s, %s, %s)"] * len(when))
    params: list = []
    for kind, due in when.items():
        params += [clock.pk, kind, Timer._meta.get_field("due_at").get_db_prep_save(due, connection)]
    return f"INSERT INTO cases_timer (clock_id, kind, due_at) VALUES {rows}", params


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
    running = running_clocks(case)
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
    running = running_clocks(case)
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

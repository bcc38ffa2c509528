"""The timer runner's commands (``manage.py run_timers``): every timer that is due fires once, however many
runners run (``cases.services.timers`` claims them).

A batch of reminders is one transaction: the claim, then the notifications of each claimed timer, as the old
deadline notices were: the step's owner, or everyone who may take it while it waits in a queue, hears when it
turns yellow (``deadline.near``) and red (``deadline.passed``); two working days after red a supervision order
goes to whoever works the case, issued for the supervisors above, who hear of it (``cases.services.supervision``,
the automatic 督办). A batch never locks a case: the commands that lock a case wait at most for the batch, never
the other way round. The end of a pause and an order's overdue reply (it escalates) change the case, so each is a
command of its own that locks the case first and claims its timer under that lock, as every change of a case
does (``pause_end``, ``workflow.services.orders.order_due``).

Each pass also fires the 司法确认 reminders of mediation agreements (``confirmations_fire``) and retries the SMS to the parties whose next attempt is due (``cases.services.sms``).
"""

import time
from collections.abc import Callable

from asgiref.sync import async_to_sync, sync_to_async
from django.db import close_old_connections
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.events import case_event_of, case_events
from cases.models import AuditAction, AuditEntry, Clock, TimerKind
from cases.services.agreements import confirmation_reminders_fire
from cases.services.audit import audit_write_all
from cases.services.clocks import clock_resume
from cases.services.sms import sms_send_due
from cases.services.supervision import overdue_supervise
from cases.services.timers import order_replies_due, pause_ends_due, timer_claim, timers_claim
from cases.transactions import command
from notifications.events import pushes_sent
from notifications.types import EventType
from workflow.locks import case_lock
from workflow.selectors import OPEN_TASK_STATUSES
from workflow.services.announce import takers
from workflow.services.orders import order_answerers, order_due

BATCH = 100
REMINDERS = {TimerKind.YELLOW: EventType.DEADLINE_NEAR, TimerKind.RED: EventType.DEADLINE_PASSED}
LIGHTS = {TimerKind.YELLOW: AuditAction.DUE_SOON, TimerKind.RED: AuditAction.OVERDUE}
# What a batch reads of a timer's clock, its case (the case as boards show it, who may take its steps, who
# supervises it) and its unit: a batch of 100 reads 300 rows, and parsing the rest of them was a third of its time.
CLOCK_FIELDS = (
    "id", "case_id", "task_id", "step", "due_at",
    "case__id", "case__reference", "case__kind", "case__state", "case__unit_id", "case__priority",
    "case__due_at", "case__created_at",
    "case__unit__id", "case__unit__name", "case__unit__path", "case__unit__depth",
)  # fmt: skip


def timers_serve(
    *,
    batch: int = BATCH,
    every: float = 30.0,
    once: bool = False,
    stopping: Callable[[], bool] = lambda: False,
    fired: Callable[[int], None] = lambda count: None,
) -> None:
    """The runner's life (``manage.py run_timers``): a pass of ``timers_run`` every ``every`` seconds until
    ``stopping()`` says so (one pass: ``once``), each pass's count told to ``fired``.

    The passes run in this thread beside an event loop, as a served view does: the pushes after each batch's
    commit go out on that loop and its warm channel-layer connections. A bare sync process would start an event
    loop and connect to Redis anew for every batch."""

    def passes() -> None:
        while not stopping():
            count = timers_run(batch=batch)
            if count:
                fired(count)
            if once:
                return
            deadline = time.monotonic() + every
            while not stopping() and time.monotonic() < deadline:
                time.sleep(min(0.2, every))
            close_old_connections()  # a connection the server dropped is replaced, not retried forever

    async def serve() -> None:
        try:
            await sync_to_async(passes, thread_sensitive=True)()  # back in this thread: its connection
        finally:
            await pushes_sent()  # the last batches' pushes, handed over to this loop

    async_to_sync(serve)()


def timers_run(*, batch: int = BATCH) -> int:
    """Fire every timer due now, a batch (one transaction) at a time, then end the pauses that are over and
    escalate the orders whose reply is overdue; returns how many fired here."""
    fired = 0
    while True:
        count = timers_fire(batch=batch)
        fired += count
        if count < batch:
            break
    for timer_id, case_id in pause_ends_due(now=timezone.now(), limit=batch):
        fired += pause_end(timer_id=timer_id, case_id=case_id)
    while True:  # an escalated order's new window may be over already when the runner was away
        due = order_replies_due(now=timezone.now(), limit=batch)
        escalated = sum(order_due(timer_id=timer_id, case_id=case_id) for timer_id, case_id in due)
        fired += escalated
        if len(due) < batch or not escalated:
            break
    while True:
        reminded = confirmations_fire(batch=batch)
        fired += reminded
        if reminded < batch:
            break
    sms_send_due(limit=batch)  # the SMS a failing provider left queued, when their next attempt is due
    return fired


@command
def timers_fire(*, batch: int = BATCH) -> int:
    """Claim up to ``batch`` due reminders and notify for each, in one transaction; returns how many fired.

    A reminder is also the moment a step's light changes: its audit row (``due_soon`` / ``overdue``) makes it a
    board event, so open boards refresh their counts of yellow and red cases as time passes, and a board that
    reconnects replays it. The batch's audit rows are one INSERT, its notifications another, its pushes one hop
    after commit (``case_events``)."""
    claimed = timers_claim(now=timezone.now(), limit=batch, kinds=[*REMINDERS, TimerKind.SUPERVISE])
    if not claimed:
        return 0
    # Only what the reminders, their board events and who hears them read (see ``CLOCK_FIELDS``).
    clocks = (
        Clock.objects.select_related("case__unit")
        .only(*CLOCK_FIELDS)
        .in_bulk({timer.clock_id for timer in claimed})
    )
    tasks = (
        Task.objects.filter(
            pk__in={clock.task_id for clock in clocks.values()}, status__in=OPEN_TASK_STATUSES
        )
        .only("id", "flow_task", "owner_id", "status")
        .in_bulk()
    )
    reminders = []
    for timer in claimed:
        clock = clocks[timer.clock_id]
        task = tasks.get(clock.task_id)
        if task is None:  # its step ended while the batch ran: nothing left to remind of
            continue
        if timer.kind == TimerKind.SUPERVISE:
            overdue_supervise(
                case=clock.case, clock=clock, step=task.flow_task.step, answerers=order_answerers(clock.case)
            )
            continue
        reminders.append((timer, clock, task))
    audits = audit_write_all(
        entries=[
            AuditEntry(
                case=clock.case,
                actor=None,
                action=LIGHTS[TimerKind(timer.kind)],
                name=clock.step,
                task_id=task.pk,
            )
            for timer, clock, task in reminders
        ]
    )
    # Who may take a task waiting in a queue depends on its step and its case's unit only: asked once per pair.
    waiting: dict[tuple[object, int], list[int]] = {}
    events = []
    for (timer, clock, task), audit in zip(reminders, audits, strict=True):
        assert clock.due_at is not None  # only a clock with a deadline has reminders
        case = clock.case
        where = (task.flow_task, case.unit_id)
        if not task.owner_id and where not in waiting:
            waiting[where] = takers(task, case)
        events.append(
            case_event_of(
                type=REMINDERS[TimerKind(timer.kind)],
                case=case,
                audit=audit,
                recipients=[task.owner_id] if task.owner_id else waiting[where],
                params={
                    "task_id": task.pk,
                    "step": task.flow_task.step.title,
                    "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
        )
    case_events(events)
    return len(claimed)


@command
def confirmations_fire(*, batch: int = BATCH) -> int:
    """The 司法确认 reminders due now, a batch in one transaction (``cases.services.agreements``)."""
    return confirmation_reminders_fire(now=timezone.now(), limit=batch)


@command
def pause_end(*, timer_id: int, case_id: int) -> int:
    """A pause is over: the step counts again (``clock_resume``, by nobody). 1 if this runner fired it."""
    case = case_lock(case_id)
    if case is None or not timer_claim(timer_id=timer_id, now=timezone.now()):
        return 0  # another runner ended it, or its holder resumed it meanwhile
    clock_id = Clock.objects.filter(timers__pk=timer_id).values_list("pk", flat=True).get()
    clock_resume(case=case, clock_id=clock_id, actor=None)
    return 1

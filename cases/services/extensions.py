"""Extension requests (延期申请): what asking for more time and deciding on it do to a step's clock.

The holder of a step asks before its due moment for a later one, with a reason (``extension_ask``); the
supervisors of the case's unit hear of it. A supervisor of the case's unit (or of a unit above it) approves or
refuses it, a refusal with a reason (``extension_decide``); whoever asked hears of the decision. Both are on the
case's timeline (audit rows). A step has at most ``MOST_EXTENSIONS`` requests, one awaiting a decision at a time;
the new moment is after the current one and at most ``EXTENSION_MAX_WORKING_DAYS`` working days past it.

An approval gives the step a fresh clock end: its due moment becomes the one asked for, its yellow moment is
75 % of its working time from its start to that moment (the paused time not counted), and its reminders (yellow,
red, the automatic 督办) are aimed at the new moments. A reminder that already fired fires again at its new
moment when that is still ahead; one whose new moment has passed already stays fired (the yellow one, say, when
the step had used more than 75 % of its new time: the decision's notification tells the new due moment). A
paused step keeps its reminders parked, and its new due moment moves on by the pause when it resumes, as any
paused time does. The case's due moment and light follow.

Each function runs inside the command's transaction, with the case locked (``workflow.services.extensions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import deadlines, rules
from cases.errors import CaseError, Conflict, InvalidInput, NotAllowed
from cases.events import case_event
from cases.models import (
    AuditAction,
    Case,
    Clock,
    ExtensionRequest,
    ExtensionState,
    Timer,
    User,
)
from cases.models.extensions import MOST_EXTENSIONS
from cases.services.audit import audit_write
from cases.services.clocks import REMINDERS, case_moments_keep, running_clocks
from cases.services.sms import sms_extension_approved
from cases.transactions import in_transaction
from cases.workdays import WorkCalendar
from notifications.types import EventType


def _moment(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def supervisors_nearest(case: Case, *, besides: int | None = None) -> list[int]:
    """Ids of the supervisors of the nearest unit that has any, the case's own or one above it (one query);
    ``besides``: a person who is not to count (who asks is not who decides)."""
    people = User.objects.filter(rules.supervises_case_people_q(case))
    if besides is not None:
        people = people.exclude(pk=besides)
    rows = list(people.values_list("pk", "unit__path").distinct())
    deepest = max((len(path) for _pk, path in rows), default=0)
    return sorted(pk for pk, path in rows if len(path) == deepest)


# ---- asking ------------------------------------------------------------------------------------------------


def extension_checked(*, due_at: datetime | None, reason: str) -> tuple[datetime, str]:
    """An extension request's input, refused before anything is locked: a new due moment and a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the step needs more time."), field="reason")
    if due_at is None:
        raise InvalidInput(_("Give the new due moment."), field="due_at")
    return due_at, reason


def ask_refusal(*, clock: Clock | None, asked: Sequence[ExtensionRequest], now: datetime) -> CaseError | None:
    """Why the holder of a step (its running ``clock``, the step's requests ``asked``) may not ask for an
    extension at ``now``, whatever moment they ask for; None when they may. The task page says it instead of
    offering the form."""
    if clock is None or clock.due_at is None:
        return Conflict(_("This step has no due moment to extend."))
    if clock.paused_at is not None:
        return Conflict(_("The step is paused: resume it before asking for an extension."))
    if now >= clock.due_at:
        return Conflict(
            _("The step was due at %(due)s: an extension is asked for before the due moment.")
            % {"due": _moment(clock.due_at)}
        )
    if any(request.is_pending for request in asked):
        return Conflict(_("This step has an extension request awaiting a decision."))
    if len(asked) >= MOST_EXTENSIONS:
        return Conflict(
            _("This step has had its %(most)s extension requests: no more may be asked for.")
            % {"most": MOST_EXTENSIONS}
        )
    return None


@in_transaction
def extension_ask(
    *, case: Case, task_id: int, actor: User, due_at: datetime, reason: str
) -> ExtensionRequest:
    """The holder of the step ``task_id`` asks for its due moment to move to ``due_at`` (the caller checked they
    hold it). Refused as ``ask_refusal`` says, and when ``due_at`` is not after the current due moment or is more
    than ``EXTENSION_MAX_WORKING_DAYS`` working days past it."""
    clock = next((clock for clock in running_clocks(case) if clock.task_id == task_id), None)
    asked = list(ExtensionRequest.objects.filter(clock=clock)) if clock is not None else []
    now = timezone.now()
    refusal = ask_refusal(clock=clock, asked=asked, now=now)
    if refusal is not None:
        raise refusal
    assert clock is not None and clock.due_at is not None  # ask_refusal says so otherwise
    if due_at <= clock.due_at:
        raise InvalidInput(
            _("Ask for a moment after the current due moment, %(due)s.") % {"due": _moment(clock.due_at)},
            field="due_at",
        )
    limit = settings.EXTENSION_MAX_WORKING_DAYS
    latest = WorkCalendar().add_working_days(clock.due_at, limit)
    if due_at > latest:
        raise InvalidInput(
            _(
                "An extension reaches at most %(limit)s working days past the current due moment: %(latest)s "
                "at the latest."
            )
            % {"limit": limit, "latest": _moment(latest)},
            field="due_at",
        )
    request = ExtensionRequest(
        case=case,
        clock=clock,
        task_id=task_id,
        step=clock.step,
        number=len(asked) + 1,
        requested_by=actor,
        reason=reason,
        due_before=clock.due_at,
        due_requested=due_at.astimezone(UTC),  # as the database gives it back (the answers show it so)
        asked_at=now,
    )
    # The constraints are the checks above, under the lock; the state is the FSM's (protected from assignment).
    request.full_clean(exclude=["state"], validate_constraints=False)
    request.save()
    clock.extension_pending = True
    clock.save(update_fields=["extension_pending"])
    audit_write(
        case=case,
        actor=actor,
        action=AuditAction.EXTENSION_ASKED,
        name=clock.step,
        task_id=task_id,
        reason=reason,
    )
    case_event(
        type=EventType.EXTENSION_ASKED,
        case=case,
        actor=actor,
        recipients=supervisors_nearest(case, besides=actor.pk),
        params={
            "task_id": task_id,
            "extension_id": request.pk,
            "step": request.step_title,
            "person": str(actor),
            "due": _moment(clock.due_at),
            "requested": _moment(due_at),
        },
    )
    return request


# ---- deciding ----------------------------------------------------------------------------------------------


def decision_checked(*, approve: bool, reason: str) -> str:
    """A decision's input, refused before anything is locked: a refusal says why."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise InvalidInput(_("Say why the extension is refused."), field="reason")
    return reason


@in_transaction
def extension_decide(
    *, case: Case, request: ExtensionRequest, actor: User, approve: bool, reason: str
) -> ExtensionRequest:
    """A supervisor of the case approves or refuses ``request`` (read under the case's lock). An approval moves
    the step's clock to the moment asked for (``clock_extend``)."""
    reason = decision_checked(approve=approve, reason=reason)
    if not rules.supervises_case(case, actor):
        raise NotAllowed(_("Only a supervisor of the case's unit may decide on an extension request."))
    if request.requested_by_id == actor.pk:
        raise NotAllowed(_("You may not decide on your own extension request."))
    if request.state == ExtensionState.LAPSED:
        raise Conflict(_("The step ended before a decision: there is nothing left to decide."))
    if not request.is_pending:
        raise Conflict(
            _("This extension request was decided already: %(state)s by %(person)s at %(when)s.")
            % {
                "state": request.get_state_display(),
                "person": request.decided_by,
                "when": _moment(request.decided_at) if request.decided_at else "",
            }
        )
    now = timezone.now()
    running = running_clocks(case)
    clock = next((clock for clock in running if clock.pk == request.clock_id), None)
    if clock is None:  # lapsed with its step (``clocks._stop``); kept for a request from before that rule
        raise Conflict(_("The step ended before a decision: there is nothing left to decide."))
    if approve:
        request.approve(by=actor, reason=reason, at=now)
        clock_extend(clock=clock, due_at=request.due_requested, now=now)
        sms_extension_approved(case, until=request.due_requested)  # the party hears it, after commit
    else:
        request.refuse(by=actor, reason=reason, at=now)
        clock.extension_pending = False
        clock.save(update_fields=["extension_pending"])
    request.save(update_fields=["state", "decided_by", "decision_reason", "decided_at"])
    if approve:
        case_moments_keep(case=case, clocks=running)
    audit_write(
        case=case,
        actor=actor,
        action=AuditAction.EXTENSION_APPROVED if approve else AuditAction.EXTENSION_REFUSED,
        name=request.step,
        task_id=request.task_id,
        subject=request.requested_by,
        reason=reason,
    )
    assert clock.due_at is not None  # a request is only asked of a step with a due moment
    case_event(
        type=EventType.EXTENSION_APPROVED if approve else EventType.EXTENSION_REFUSED,
        case=case,
        actor=actor,
        recipients=[request.requested_by_id],
        params={
            "task_id": request.task_id,
            "extension_id": request.pk,
            "step": request.step_title,
            "due": _moment(clock.due_at),
        },
    )
    return request


def clock_extend(*, clock: Clock, due_at: datetime, now: datetime) -> None:
    """Move a step's clock to the due moment an approved extension gives it, with a fresh yellow moment and
    reminders aimed at the new moments (see the module's docstring for those that fired already)."""
    calendar = WorkCalendar()
    clock.due_at = due_at
    clock.yellow_at = deadlines.extended_yellow(
        calendar, start=clock.started_at, due=due_at, paused_for=clock.paused_for
    )
    clock.extension_pending = False
    clock.save(update_fields=["due_at", "yellow_at", "extension_pending"])
    moments = deadlines.timer_moments(clock, calendar)
    fired = dict(Timer.objects.filter(clock=clock, kind__in=REMINDERS).values_list("kind", "fired_at"))
    paused = clock.paused_at is not None
    aimed = [
        Timer(clock=clock, kind=kind, due_at=None if paused else moment, fired_at=None)
        for kind, moment in moments.items()
        if fired.get(kind) is None or moment > now
    ]
    if aimed:
        Timer.objects.bulk_create(
            aimed,
            update_conflicts=True,
            unique_fields=["clock", "kind"],
            update_fields=["due_at", "fired_at"],
        )

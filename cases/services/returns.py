"""Returns (退回, ``cases.models.returns``): their input rules, their records, who hears of them, the receiving
unit's decision, and what a return does to clocks (nothing restarts).

The workflow passes the facts (the task released, the flow's new triage task); what a return is, who decides it
and what its decision may do is here. Each function runs inside its command's transaction, the case locked.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from cases import deadlines, rules
from cases.carried import carried
from cases.errors import Conflict, InvalidInput, NotAllowed
from cases.events import case_event
from cases.models import (
    AuditAction,
    Case,
    CaseReturn,
    CaseState,
    Clock,
    ReturnDecision,
    ReturnKind,
    ReturnReason,
    Timer,
    Unit,
    User,
    limits,
)
from cases.services.audit import audit_write
from cases.services.clocks import case_moments_keep, running_clocks
from cases.services.transitions import case_apply_transition
from cases.transactions import in_transaction
from cases.workdays import WorkCalendar
from notifications.types import EventType

# The case's transition of each return of a dispute.
RETURN_TRANSITIONS = {ReturnKind.ESCALATION: "send_back", ReturnKind.REFERRAL: "refer_back"}
NOT_RETURNABLE = _(
    "Only a dispute escalated to this unit and not yet triaged here, or a referred dispute, can be returned."
)


def _within_limit(field: str, value: str, limit: int) -> None:
    try:
        MaxLengthValidator(limit)(value)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], field=field) from None


def return_input(*, code: str | None, reason: str | None) -> tuple[str, str]:
    """A return's code and text, refused before anything is locked: a code of the list, and a text with 其他."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput(_("Choose why it goes back."), field="code")
    if code not in ReturnReason.values:
        raise InvalidInput(_("Choose one of the listed options."), field="code")
    reason = (reason or "").strip()
    if code == ReturnReason.OTHER and not reason:
        raise InvalidInput(_("With “Other”, say why it goes back."), field="reason")
    _within_limit("reason", reason, limits.REASON)
    return code, reason


def decision_input(*, returned: CaseReturn, decision: str | None, note: str | None) -> tuple[str, str]:
    """A decision and its note, refused before anything is locked. Re-dispatching a dispute sends it out of the
    unit again (an escalation or a referral), which needs a reason: the note."""
    decision = (decision or "").strip()
    if not decision:
        raise InvalidInput(_("Choose re-dispatch or uphold."), field="decision")
    if decision not in ReturnDecision.values:
        raise InvalidInput(_("Choose one of the listed options."), field="decision")
    note = (note or "").strip()
    if decision == ReturnDecision.REDISPATCHED and returned.kind != ReturnKind.RELEASE and not note:
        raise InvalidInput(_("Say why the dispute goes out again."), field="note")
    _within_limit("note", note, limits.REASON)
    return decision, note


# ---- recording a return ----------------------------------------------------------------------------------------


def _record(**fields) -> CaseReturn:
    returned = CaseReturn(**fields)
    try:
        returned.full_clean(exclude=["case", "from_unit", "to_unit", "created_by"])  # rows in hand
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise InvalidInput(messages[0], field=field) from error
    returned.save()
    return returned


def return_hearer_ids(*, kind: str, to_unit: Unit) -> list[int]:
    """Who hears of a return: the people of the receiving unit itself who decide it (its workers of the case's
    kind, its own supervisors); supervisors above may decide too, and see it on the returns page."""
    people = User.objects.filter(
        rules.decides_return_people_q(kind=kind, to_unit=to_unit), unit_id=to_unit.pk
    )
    return list(people.values_list("pk", flat=True).distinct())


def _announce(case: Case, returned: CaseReturn, actor: User) -> None:
    case_event(
        type=EventType.RETURN_RECEIVED,
        case=case,
        actor=actor,
        recipients=return_hearer_ids(kind=case.kind, to_unit=returned.to_unit),
        params={"unit": returned.to_unit.name, "code": ReturnReason(returned.code).label},
    )


@in_transaction
def return_of_release(
    *, case: Case, actor: User, task_id: int, step: str, code: str, reason: str
) -> CaseReturn:
    """A task went back to the queue (``code``, ``reason``: checked by ``return_input``): the case's unit decides."""
    returned = _record(
        case=case,
        kind=ReturnKind.RELEASE,
        code=code,
        reason=reason,
        from_unit=actor.unit,
        to_unit=case.unit,
        step=step,
        task_id=task_id,
        created_by=actor,
    )
    _announce(case, returned, actor)
    return returned


def case_return_kind(case: Case) -> ReturnKind | None:
    """Which return the dispute may have now, whoever asks."""
    for kind, name in RETURN_TRANSITIONS.items():
        if can_proceed(getattr(case, name)):
            return kind
    return None


def case_return_kind_for_user(*, case: Case, user: User) -> ReturnKind | None:
    """The return the person may make of the dispute now (for the case page's form), or None."""
    kind = case_return_kind(case)
    if kind is None or not has_transition_perm(getattr(case, RETURN_TRANSITIONS[kind]), user):
        return None
    return kind


@in_transaction
def case_return_record(*, case: Case, actor: User, code: str, reason: str, step: str = "") -> CaseReturn:
    """The 退回 of a dispute on the locked case: sent back by the unit it was escalated to (to the unit that
    escalated it), or back from the department it was referred to (recorded at its unit, whose case's clock runs
    again from the registration, as it always did). The dispute then waits for triage at the receiving unit;
    the workflow opens that step (and ``clock_continue`` keeps its clock). ``step``: the step it was at."""
    kind = case_return_kind(case)
    if kind is None:
        raise Conflict(NOT_RETURNABLE)
    sender = case.unit if kind == ReturnKind.ESCALATION else None
    outside = case.referred_to if kind == ReturnKind.REFERRAL else ""
    case_apply_transition(case=case, name=RETURN_TRANSITIONS[kind], actor=actor, reason=reason)
    if kind == ReturnKind.REFERRAL:
        # The case's own clock stopped when the case ended; it runs on, from the registration, never restarted.
        Clock.objects.filter(case=case, task_id__isnull=True).update(stopped_at=None)
        carried(case).clocks = None  # the case's clock runs again: read the running ones anew
    returned = _record(
        case=case,
        kind=kind,
        code=code,
        reason=reason,
        from_unit=sender,
        from_name=outside,
        to_unit=case.unit,
        step=step,
        created_by=actor,
    )
    _announce(case, returned, actor)
    return returned


# ---- the receiving unit's decision -------------------------------------------------------------------------------


@in_transaction
def return_decision_record(
    *, returned: CaseReturn, case: Case, actor: User, decision: str, note: str
) -> CaseReturn:
    """The receiving unit decides, once (input checked by ``decision_input``); a re-dispatch must be possible
    (``return_redispatch_check``). What re-dispatching does to the work is the workflow's to carry out."""
    if not rules.decides_return(kind=case.kind, to_unit=returned.to_unit, user=actor):
        raise NotAllowed(
            _("Only %(unit)s (its workers or supervisors) decides this return.") % {"unit": returned.to_unit}
        )
    if not returned.is_pending:
        raise Conflict(_("This return was decided already."))
    if decision == ReturnDecision.REDISPATCHED:
        return_redispatch_check(returned=returned, case=case)
    returned.decision, returned.decision_note = decision, note
    returned.decided_by, returned.decided_at = actor, timezone.now()
    returned.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    audit_write(
        case=case,
        actor=actor,
        action=AuditAction.RETURN_DECIDED,
        name=decision,
        reason=note,
        task_id=returned.task_id,
    )
    case_event(
        type=EventType.RETURN_DECIDED,
        case=case,
        actor=actor,
        recipients=[returned.created_by_id],
        params={"unit": returned.to_unit.name, "decision": ReturnDecision(decision).label},
    )
    return returned


def return_redispatch_check(*, returned: CaseReturn, case: Case) -> None:
    """A re-dispatch sends the work out again: the case must still be open, and a dispute still at the unit
    the return went to (a released task goes back to its queue wherever the case is)."""
    if not case.is_open:
        raise Conflict(
            _("Case %(reference)s is %(state)s: nothing to re-dispatch.")
            % {"reference": case.reference, "state": case.get_state_display()}
        )
    if returned.kind != ReturnKind.RELEASE and case.unit_id != returned.to_unit_id:
        raise Conflict(
            _("Case %(reference)s is no longer at %(unit)s: nothing to re-dispatch from here.")
            % {"reference": case.reference, "unit": returned.to_unit}
        )


def redispatch_keeps_clock(*, returned: CaseReturn, state_before: str) -> bool:
    """Whether the step a re-dispatched dispute opens continues the returned step's clock: when the dispute goes
    out again as it came back (still waiting for triage). Once it was worked here, it leaves as any other."""
    return returned.kind == ReturnKind.ESCALATION and state_before == CaseState.REGISTERED


# ---- clocks: a return never restarts one ---------------------------------------------------------------------


@in_transaction
def clock_continue(*, case: Case, task_id: int) -> Clock | None:
    """The step a return (or its re-dispatch) just opened continues the clock of the step it replaces, the step
    clock that stopped last: the same start, paused time, due and yellow moments (a return never restarts a
    clock). Its reminders are set to those moments; ones already past fire at the runner's next pass, to the
    new step's people. Returns the source clock (None when there is none)."""
    running = running_clocks(case)
    clock = next((clock for clock in running if clock.task_id == task_id), None)
    source = (
        Clock.objects.filter(case=case, task_id__isnull=False, stopped_at__isnull=False)
        .exclude(task_id=task_id)
        .order_by("-stopped_at", "-pk")
        .first()
    )
    if clock is None or source is None:
        return None
    clock.started_at, clock.paused_for = source.started_at, source.paused_for
    clock.due_at, clock.yellow_at = source.due_at, source.yellow_at
    clock.claim_amount, clock.claim_unit = source.claim_amount, source.claim_unit
    clock.save(
        update_fields=["started_at", "paused_for", "due_at", "yellow_at", "claim_amount", "claim_unit"]
    )
    Timer.objects.filter(clock=clock, fired_at__isnull=True).delete()  # none fired: the step just opened
    Timer.objects.bulk_create(
        Timer(clock=clock, kind=kind, due_at=due)
        for kind, due in deadlines.timer_moments(clock, WorkCalendar()).items()
    )
    case_moments_keep(case=case, clocks=running)
    return source

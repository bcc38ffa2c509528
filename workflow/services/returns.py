"""Returns (退回) that move a flow: a dispute sent back by the unit it was escalated to, or back from the
department it was referred to, waits for triage at the receiving unit in a new process; the receiving unit's
decision, which may send the work out again. A task's release is ``workflow.services.tasks.task_release``.

A return never restarts a clock: the triage it opens continues the clock of the step it replaces
(``cases.services.returns.clock_continue``), and the case's own clock runs from the registration as always.
"""

from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from cases.errors import Conflict
from cases.events import case_event
from cases.models import Case, CaseReturn, ReturnDecision, ReturnKind, User
from cases.selectors.returns import RETURN_RELATED
from cases.services.returns import (
    case_return_record,
    clock_continue,
    decision_input,
    redispatch_keeps_clock,
    return_decision_record,
    return_input,
)
from cases.transactions import command
from notifications.types import EventType
from workflow.flows import flow_for
from workflow.locks import case_lock
from workflow.models import CaseProcess
from workflow.selectors import case_get_for_user, case_human_tasks_open, return_get_for_user
from workflow.services.announce import after_step, takers
from workflow.services.side_exits import side_exit_within


def _open_process(case: Case) -> CaseProcess | None:
    return CaseProcess.objects.filter(case=case, status=PROCESS.NEW).first()


def _triage_continues(case: Case) -> None:
    """The triage the flow just opened continues the clock of the step that stopped last."""
    opened = case_human_tasks_open(case=case).order_by("-pk").first()
    if opened is not None:
        clock_continue(case=case, task_id=opened.pk)


@command
def case_return(*, reference: str, user: User, code: str, reason: str = "") -> CaseReturn:
    """退回 of a dispute by the unit that has it (escalated there, or back from a referral), with a ``code`` and,
    with 其他, a ``reason``. The open flow (triage at the unit it was escalated to) is cancelled and a new one
    starts at the receiving unit: its triage waits in the queue there, or, for a referral's return, is the
    recorder's when they work the unit."""
    visible = case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    code, reason = return_input(code=code, reason=reason)
    process = _open_process(visible)
    case = case_lock(visible.pk)
    if case is None or _open_process(case) != process:
        raise Conflict()  # another command replaced the flow meanwhile
    step = ""
    if process is not None:
        open_step = case_human_tasks_open(case=case).first()
        step = open_step.flow_task.name if open_step is not None else ""
    returned = case_return_record(case=case, actor=user, code=code, reason=reason, step=step)
    flow_class = flow_for(case)
    if process is not None:
        flow_class.instance.cancel(process)
    flow_class.start.run(case=case, assignee=user if returned.kind == ReturnKind.REFERRAL else None)
    after_step(case, actor=user)
    _triage_continues(case)
    return returned


@command
def return_decide(*, return_id: int, user: User, decision: str, note: str = "") -> CaseReturn:
    """The receiving unit decides a return once. Upheld: recorded (the unit keeps the work: it triages, rejects
    or refers it as usual). Re-dispatched: recorded, and the work goes out again: a released task still waiting
    in its queue is announced again to who may take it (not to who released it); a dispute sent back is
    escalated again to the unit above, a referred one referred again to the same department (``note``: why)."""
    visible = return_get_for_user(return_id=return_id, user=user)  # one you may not see: 404 before all else
    decision, note = decision_input(returned=visible, decision=decision, note=note)
    process = _open_process(visible.case)
    case = case_lock(visible.case_id)
    if case is None or _open_process(case) != process:
        raise Conflict()
    returned = CaseReturn.objects.select_related(*RETURN_RELATED).get(pk=return_id)  # as it is under the lock
    state_before = case.state
    return_decision_record(returned=returned, case=case, actor=user, decision=decision, note=note)
    if decision == ReturnDecision.REDISPATCHED:
        if returned.kind == ReturnKind.RELEASE:
            _announce_again(case=case, returned=returned, actor=user)
        else:
            to = returned.from_name if returned.kind == ReturnKind.REFERRAL else ""
            action = "refer" if returned.kind == ReturnKind.REFERRAL else "escalate"
            side_exit_within(case=case, process=process, user=user, action=action, reason=note, to=to)
            if redispatch_keeps_clock(returned=returned, state_before=state_before):
                _triage_continues(case)
    return returned


def _announce_again(*, case: Case, returned: CaseReturn, actor: User) -> None:
    """The released task, if it still waits in its queue, is new again for everyone who may take it but the
    person who gave it back."""
    task = Task.objects.filter(pk=returned.task_id, status=STATUS.NEW, owner__isnull=True).first()
    if task is None:
        return
    recipients = set(takers(task, case)) - {returned.created_by_id}
    case_event(
        type=EventType.QUEUE_NEW,
        case=case,
        actor=actor,
        recipients=recipients,
        params={"step": task.flow_task.step.title},
    )

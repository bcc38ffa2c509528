"""Side exits on a case: the case's transition (``cases.services.side_exits``), then the open flow is
cancelled, and restarted at the parent unit for an escalation."""

from viewflow.workflow.status import PROCESS

from cases.errors import Conflict
from cases.models import Case, User
from cases.services.side_exits import case_side_exit_apply, side_exit_input
from cases.transactions import command, in_transaction
from workflow.flows import flow_for
from workflow.locks import case_lock
from workflow.models import CaseProcess
from workflow.selectors import case_get_for_user
from workflow.services.announce import after_step


@command
def case_side_exit(*, reference: str, user: User, action: str, reason: str, to: str = "") -> Case:
    visible = case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    checked = side_exit_input(action=action, reason=reason, to=to)
    process = CaseProcess.objects.filter(case=visible, status=PROCESS.NEW).first()
    # The case row is the flow's lock (workflow.locks), the same one the task operations take.
    case = case_lock(visible.pk)
    still_open = CaseProcess.objects.filter(case=case, status=PROCESS.NEW).first()
    if case is None or still_open != process:
        raise Conflict()  # another side exit (an escalation) replaced the flow meanwhile
    side_exit_within(case=case, process=process, user=user, action=action, **checked)
    return case


@in_transaction
def side_exit_within(
    *, case: Case, process: CaseProcess | None, user: User, action: str, reason: str, to: str = ""
) -> None:
    """The side exit on the locked case (input checked by ``side_exit_input``), then its flow: ``process``, the
    open one, is cancelled; an escalation starts a new one at the parent unit."""
    case_side_exit_apply(case=case, user=user, action=action, reason=reason, to=to)
    flow_class = flow_for(case)
    if process is not None:
        flow_class.instance.cancel(process)
    if action == "escalate":
        flow_class.start.run(case=case, assignee=None)
    after_step(case, actor=user)

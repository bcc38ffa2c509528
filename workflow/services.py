"""Case operations that move a flow: intake, claim, release, reassign, complete, side exits.

Each one holds the flow's lock (``SELECT … FOR UPDATE`` on the case row, see ``workflow.locks``), re-reads
the task under it, checks ``can_assign`` / ``can_execute`` / the transition permission itself
(viewflow's activations do not) and writes the audit row in the same transaction.
"""

from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from cases import rules
from cases.errors import Conflict, InvalidInput, NotAllowed, NotFound, NotTaskOwner
from cases.models import AuditAction, Case, CaseState, Unit, User
from cases.selectors import case_get_for_user
from cases.services import intake, steps
from cases.services.audit import audit_write
from cases.services.transitions import case_apply_transition
from notifications.events import event_emit
from notifications.models import Notification
from workflow.audience import PROFESSIONAL, WORKER, candidate_ids
from workflow.flows import DisputeFlow, HelpRequestFlow, flow_for
from workflow.locks import case_lock, case_of_task
from workflow.models import CaseProcess
from workflow.selectors import task_visible, task_visible_to_claimant

OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


# ---- intake ----------------------------------------------------------------------------------------------


def intake_unit(*, actor: User, unit: Unit | None, kind: str) -> Unit:
    """Cases are registered in the caller's unit; a supervisor may name a unit below them."""
    target = unit or actor.unit
    if target is None:
        raise NotAllowed(_("You belong to no unit and cannot register cases."))
    worker = actor.has_role(rules.worker_role_for_kind(kind)) and target.pk == actor.unit_id
    supervisor = actor.has_role("supervisor") and rules.unit_contains(actor.unit, target)
    if not (worker or supervisor):
        raise NotAllowed(_("You may not register this kind of case in %(unit)s.") % {"unit": target.name})
    return target


def dispute_intake(*, actor: User, unit: Unit | None = None, **fields) -> Case:
    with transaction.atomic():
        case = intake.dispute_create(
            actor=actor, unit=intake_unit(actor=actor, unit=unit, kind="dispute"), **fields
        )
        DisputeFlow.start.run(case=case, assignee=actor)
        _after_step(case, actor=actor)
    return case


def help_request_intake(*, actor: User, unit: Unit | None = None, **fields) -> Case:
    with transaction.atomic():
        target = intake_unit(actor=actor, unit=unit, kind="help_request")
        case = intake.help_request_create(actor=actor, unit=target, **fields)
        HelpRequestFlow.start.run(case=case, assignee=actor)
        _after_step(case, actor=actor)
    return case


# ---- tasks -----------------------------------------------------------------------------------------------


def _deadline(task: Task):
    hours = settings.CASE_STEP_DEADLINE_HOURS.get(task.flow_task.step, 72)
    return task.created + timedelta(hours=hours)


def _after_step(case: Case, *, actor: User | None, after_task_id: int = 0) -> None:
    """After the flow moved: keep the case's current deadline (the earliest open task's) for the boards'
    overdue lists, and tell people about each task the step created (ids above ``after_task_id``; the case is
    locked, so nobody else adds tasks meanwhile): its owner if the flow assigned it, everyone who may take it
    otherwise."""
    open_tasks = list(
        Task.objects.filter(
            process__caseprocess__case=case, status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN"
        )
    )
    due = min((_deadline(task) for task in open_tasks), default=None)
    if due != case.due_at:
        Case.objects.filter(pk=case.pk).update(due_at=due)
        case.due_at = due
    for task in open_tasks:
        if task.pk > after_task_id:
            _task_announce(task=task, case=case, actor=actor)


def _task_announce(*, task: Task, case: Case, actor: User | None) -> None:
    """A task is waiting: for its owner if it has one, in the queue of everyone who may take it otherwise."""
    node = task.flow_task
    params = {"step": str(node.task_title)}
    if task.owner_id:
        event_emit(type="task.assigned", case=case, actor=actor, recipients=[task.owner_id], params=params)
    else:
        recipients = candidate_ids(node, case)
        event_emit(type="queue.new", case=case, actor=actor, recipients=recipients, params=params)


@contextmanager
def _task_locked(task_id: int, user: User, visible=task_visible):
    """Lock the task's case, then read the task under it and check the user may see it (a 404 before anything
    is written): ``with _task_locked(...) as (task, node, case)``. The task carries ``newest_task_id``, the
    newest task of its process when the lock was taken: tasks above it are the ones this operation makes."""
    with transaction.atomic():
        case = case_lock(case_of_task(task_id))
        newest = Task.objects.filter(process_id=OuterRef("process_id")).order_by("-pk").values("pk")[:1]
        task = (
            Task.objects.select_related("process__caseprocess")
            .annotate(newest_task_id=Subquery(newest))
            .filter(pk=task_id)
            .first()
        )
        if case is None or task is None:
            raise NotFound()
        task.process.caseprocess.case = case  # the nodes' access checks read the locked case
        if not visible(task=task, case=case, user=user):
            raise NotFound()
        yield task, task.flow_task, case


def task_claim(*, task_id: int, user: User) -> Task:
    with _task_locked(task_id, user, visible=task_visible_to_claimant) as (task, node, case):
        if task.owner_id == user.pk:
            raise Conflict(_("You have already claimed this task."))
        if task.owner_id is not None or task.status != STATUS.NEW:
            raise Conflict(_("This task has already been claimed by someone else."))
        if not node.can_assign(user, task):
            raise NotAllowed(_("This task is not in your queue."))
        node.activation_class(task).assign(user)
        claimed = audit_write(
            case=case, actor=user, action=AuditAction.CLAIMED, name=node.name, task_id=task.pk, subject=user
        )
        if node.audience == PROFESSIONAL and case.state == CaseState.DISPATCHED:
            case_apply_transition(case=case, name="claim", actor=user, check_permission=False)
        event_emit(
            type="case.claimed",
            case=case,
            actor=user,
            audit=claimed,
            recipients=[case.created_by_id],
            params={"person": str(user), "step": str(node.task_title)},
        )
    return task


def task_release(*, task_id: int, user: User, reason: str) -> Task:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why you release the task."), field="reason")
    with _task_locked(task_id, user) as (task, node, case):
        if task.status != STATUS.ASSIGNED:
            raise Conflict(_("This task is not claimed any more."))
        if not node.can_unassign(user, task):
            raise NotAllowed(_("Only the person who claimed the task or a supervisor may release it."))
        previous_owner = task.owner
        node.activation_class(task).unassign()
        released = audit_write(
            case=case,
            actor=user,
            action=AuditAction.RELEASED,
            name=node.name,
            task_id=task.pk,
            subject=previous_owner,
            reason=reason,
        )
        if (
            node.audience == PROFESSIONAL
            and case.state == CaseState.CLAIMED
            and not _advice_claimed_or_done(task)
        ):
            case_apply_transition(
                case=case, name="release", actor=user, reason=reason, check_permission=False
            )
        event_emit(
            type="task.released",
            case=case,
            actor=user,
            audit=released,
            recipients=[previous_owner.pk],
            params={"step": str(node.task_title)},
        )
        _task_announce(task=task, case=case, actor=user)
    return task


def _advice_claimed_or_done(task: Task) -> bool:
    return (
        Task.objects.filter(process_id=task.process_id, status__in=[STATUS.ASSIGNED, STATUS.DONE])
        .exclude(pk=task.pk)
        .filter(
            flow_task__in=[
                HelpRequestFlow.advise_legal,
                HelpRequestFlow.advise_accounting,
                HelpRequestFlow.advise_tax,
            ]
        )
        .exists()
    )


def task_reassign(*, task_id: int, user: User, to_user: User, reason: str = "") -> Task:
    with _task_locked(task_id, user) as (task, node, case):
        if not rules.supervises_case(case, user):
            raise NotAllowed(_("Only a supervisor of the case's unit may reassign its tasks."))
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise Conflict(_("This task is finished and cannot be reassigned."))
        if task.owner_id == to_user.pk:
            raise InvalidInput(
                _("The task is already with %(person)s.") % {"person": to_user}, field="to_user"
            )
        if not node.may_take(to_user, case):
            raise InvalidInput(_("%(person)s may not work this task.") % {"person": to_user}, field="to_user")
        previous_owner = task.owner
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(to_user)
            if node.audience == PROFESSIONAL and case.state == CaseState.DISPATCHED:
                case_apply_transition(case=case, name="claim", actor=user, check_permission=False)
        else:
            activation.reassign(to_user)
        reassigned = audit_write(
            case=case,
            actor=user,
            action=AuditAction.REASSIGNED,
            name=node.name,
            task_id=task.pk,
            subject=to_user,
            reason=reason,
        )
        params = {"step": str(node.task_title), "person": str(to_user)}
        event_emit(
            type="task.assigned",
            case=case,
            actor=user,
            audit=reassigned,
            recipients=[to_user.pk],
            params=params,
        )
        if previous_owner is not None:
            event_emit(
                type="task.reassigned_away",
                case=case,
                actor=user,
                recipients=[previous_owner.pk],
                params=params,
            )
    return task


STEP_SERVICES = {
    "triage": steps.triage,
    "convene": steps.convene,
    "consult": steps.consult,
    "resolve": steps.resolve,
    "follow_up": steps.follow_up,
    "dispatch": steps.dispatch,
    "advise": steps.advise,
    "joint_session": steps.joint_session,
    "feedback": steps.feedback,
    "assess": steps.assess,
}


def task_complete(*, task_id: int, user: User, data: dict) -> Task:
    """Do the step: its service writes and transitions the case, then the flow creates the next tasks."""
    with _task_locked(task_id, user) as (task, node, case):
        if task.status != STATUS.ASSIGNED:
            raise Conflict(_("This task is not open for work any more."))
        if not node.can_execute(user, task):
            raise NotTaskOwner()
        if node.step == "advise":
            data = {**data, "specialty": node.specialty}
        STEP_SERVICES[node.step](case=case, actor=user, **data)
        activation = node.activation_class(task)
        if node.audience == WORKER:  # the next worker step stays with them (flows.previous_worker)
            activation.process.last_worker = user
        activation.start(None)
        activation.execute()
        done = audit_write(
            case=case,
            actor=user,
            action=AuditAction.TASK_DONE,
            name=node.name,
            task_id=task.pk,
            on_time=timezone.now() <= _deadline(task),
        )
        _after_step(case, actor=user, after_task_id=task.newest_task_id)
        event_emit(type="task.completed", case=case, actor=user, audit=done)
    return task


# ---- deadlines -------------------------------------------------------------------------------------------

DEADLINE_NEAR = timedelta(hours=24)


def deadlines_notify(*, now=None) -> int:
    """Tell the people on each open step once when its deadline is near (within a day) and once when it has
    passed: its owner, or everyone who may take it while it waits in a queue. Run by the scheduler
    (``manage.py notify_deadlines``); returns how many notifications it stored."""
    now = now or timezone.now()
    stored = 0
    tasks = Task.objects.filter(status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN").select_related(
        "process__caseprocess__case__unit"
    )
    for task in tasks.iterator():
        due = _deadline(task)
        if due > now + DEADLINE_NEAR:
            continue
        kind = "deadline.passed" if due <= now else "deadline.near"
        if Notification.objects.filter(type=kind, payload__task_id=task.pk).exists():
            continue
        case = task.process.caseprocess.case
        node = task.flow_task
        recipients = [task.owner_id] if task.owner_id else candidate_ids(node, case)
        params = {
            "task_id": task.pk,
            "step": str(node.task_title),
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
        }
        with transaction.atomic():
            stored += len(event_emit(type=kind, case=case, recipients=recipients, params=params))
    return stored


# ---- side exits ------------------------------------------------------------------------------------------

SIDE_EXITS = ("reject", "refer", "escalate", "withdraw")


def case_side_exit(*, reference: str, user: User, action: str, reason: str, to: str = "") -> Case:
    """Reject, refer, escalate or withdraw: the transition, then the open flow is cancelled (and restarted
    at the parent unit for an escalation)."""
    visible = case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    if action not in SIDE_EXITS:
        raise InvalidInput(_("Unknown action."), field="action")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason."), field="reason")
    if action == "refer" and not to.strip():
        raise InvalidInput(_("Say where the case is referred to."), field="to")
    process = CaseProcess.objects.filter(case=visible, status=PROCESS.NEW).first()
    flow_class = flow_for(visible)
    with transaction.atomic():
        # The case row is the flow's lock (workflow.locks), the same one the task operations take.
        case = case_lock(visible.pk)
        still_open = CaseProcess.objects.filter(case=case, status=PROCESS.NEW).first()
        if still_open != process:
            raise Conflict()  # another side exit (an escalation) replaced the flow meanwhile
        arguments: dict = {"reason": reason}
        if action == "refer":
            arguments["to"] = to.strip()
        if action == "escalate":
            if not rules.has_parent_unit(case):
                raise Conflict(_("%(unit)s has no parent unit to escalate to.") % {"unit": case.unit})
            arguments["parent"] = Unit.objects.get_parent(case.unit)
        case_apply_transition(case=case, name=action, actor=user, reason=reason, arguments=arguments)
        if process is not None:
            flow_class.instance.cancel(process)
        if action == "escalate":
            flow_class.start.run(case=case, assignee=None)
        _after_step(case, actor=user)
    return case


def case_actions_for_user(*, case: Case, user: User) -> list[str]:
    """Side exits the user may take on the case now (for buttons and the API)."""
    allowed = []
    for name in SIDE_EXITS:
        method = getattr(case, name)
        if can_proceed(method) and has_transition_perm(method, user):
            allowed.append(name)
    return allowed

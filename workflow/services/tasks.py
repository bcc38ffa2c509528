"""Commands on one task: claim, release, reassign, complete, pause and resume.

Each holds the flow's lock (``SELECT … FOR UPDATE`` on the case row, see ``workflow.locks``), re-reads the task
under it, checks ``can_assign`` / ``can_execute`` / the transition permission itself (viewflow's activations
do not), writes the audit row and passes the facts to the case's services (``cases.services``), which decide
what they mean for the case. Each is the outermost command: it owns the transaction.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import deadlines, rules
from cases.errors import CaseError, Conflict, InvalidInput, NotAllowed, NotFound, NotTaskOwner
from cases.events import case_event
from cases.models import AuditAction, Case, User
from cases.services.audit import audit_write
from cases.services.claims import case_step_given_back, case_step_taken
from cases.services.clocks import clock_pause, clock_resume, clock_taken, pause_checked
from cases.services.participants import participant_remove, participants_add
from cases.services.returns import return_input, return_of_release
from cases.steps import ADVICE_STEPS
from cases.transactions import command
from notifications.prepared import Compiled
from notifications.types import EventType
from workflow.locks import case_lock, case_of_task
from workflow.nodes import CaseTask
from workflow.selectors import task_get_for_claim, task_visible, task_visible_to_claimant
from workflow.services.announce import after_step, task_announce

Visibility = Callable[..., bool]


def _task_read(task_id: int) -> QuerySet[Task]:
    newest = Task.objects.filter(process_id=OuterRef("process_id")).order_by("-pk").values("pk")[:1]
    return (
        Task.objects.select_related("process__caseprocess")
        .annotate(newest_task_id=Subquery(newest))
        .filter(pk=task_id)
        .order_by()[:1]
    )


_TASK_READ = Compiled(_task_read)  # every task command reads its task so: compiled once


@contextmanager
def _task_locked(
    task_id: int, user: User, visible: Visibility = task_visible
) -> Iterator[tuple[Task, CaseTask, Case]]:
    """Lock the task's case, then read the task under it and check the user may see it (a 404 before anything
    is written): ``with _task_locked(...) as (task, node, case)``. The task carries ``newest_task_id``, the
    newest task of its process when the lock was taken: tasks above it are the ones this operation makes.
    Runs inside the command's transaction."""
    case = case_lock(case_of_task(task_id))
    task = _TASK_READ.first(task_id)
    if case is None or task is None:
        raise NotFound()
    task.process.caseprocess.case = case  # the nodes' access checks read the locked case
    if not visible(task=task, case=case, user=user):
        raise NotFound()
    yield task, task.flow_task, case


@command
def task_claim(*, task_id: int, user: User) -> Task:
    with _task_locked(task_id, user, visible=task_visible_to_claimant) as (task, node, case):
        if task.owner_id == user.pk:
            raise Conflict(_("You have already claimed this task."))
        if task.owner_id is not None or task.status != STATUS.NEW:
            raise Conflict(_("This task has already been claimed by someone else."))
        if not node.can_assign(user, task):
            raise NotAllowed(_("This task is not in your queue."))
        node.activation_class(task).assign(user)
        clock_taken(case=case, task_id=task.pk)
        participants_add(case=case, person_ids=[user.pk])
        claimed = audit_write(
            case=case, actor=user, action=AuditAction.CLAIMED, name=node.name, task_id=task.pk, subject=user
        )
        case_step_taken(case=case, actor=user, audience=node.step.audience)
        case_event(
            type=EventType.CASE_CLAIMED,
            case=case,
            actor=user,
            audit=claimed,
            recipients=[case.created_by_id],
            params={"person": str(user), "step": node.step.title},
        )
    return task


# Tasks one bulk claim takes at most (a page of the queue is 50 rows).
CLAIM_MANY_MAX = 50


@dataclass(frozen=True)
class ClaimResult:
    """One task of a bulk claim: claimed, or refused with the error that refused it (nothing changed for it)."""

    task_id: int
    reference: str
    error: CaseError | None


def tasks_claim(*, task_ids: list[int], user: User) -> list[ClaimResult]:
    """Claim several queue tasks, each through ``task_claim`` (its own transaction and lock), in the order
    given and each once: one refused (taken by someone else meanwhile, not in the person's queue, unknown)
    leaves the others as they went."""
    results = []
    for task_id in dict.fromkeys(task_ids):
        try:
            task = task_claim(task_id=task_id, user=user)
        except CaseError as error:
            results.append(ClaimResult(task_id=task_id, reference=_reference_for(task_id, user), error=error))
        else:
            results.append(
                ClaimResult(task_id=task_id, reference=task.process.caseprocess.case.reference, error=None)
            )
    return results


def _reference_for(task_id: int, user: User) -> str:
    """The case of a task whose claim was refused, if the person may know it (they could have taken it)."""
    try:
        task = task_get_for_claim(task_id=task_id, user=user)
    except NotFound:
        return ""
    return task.process.caseprocess.case.reference


@command
def task_release(*, task_id: int, user: User, code: str, reason: str = "") -> Task:
    """Give a claimed task back to the queue: a return (退回) with a ``code`` (``ReturnReason``) and, with 其他,
    a ``reason``; the case's unit decides it (``cases.services.returns``). The step's clock runs on."""
    code, reason = return_input(code=code, reason=reason)
    with _task_locked(task_id, user) as (task, node, case):
        if task.status != STATUS.ASSIGNED:
            raise Conflict(_("This task is not claimed any more."))
        if not node.can_unassign(user, task):
            raise NotAllowed(_("Only the person who claimed the task or a supervisor may release it."))
        previous_owner = task.owner
        node.activation_class(task).unassign()
        _no_longer_holds(case=case, task=task, person_id=previous_owner.pk)
        released = audit_write(
            case=case,
            actor=user,
            action=AuditAction.RELEASED,
            name=node.name,
            task_id=task.pk,
            subject=previous_owner,
            reason=reason,
        )
        case_step_given_back(
            case=case,
            actor=user,
            audience=node.step.audience,
            reason=reason,
            other_advice_taken=_other_advice_taken(task),
        )
        case_event(
            type=EventType.TASK_RELEASED,
            case=case,
            actor=user,
            audit=released,
            recipients=[previous_owner.pk],
            params={"step": node.step.title},
        )
        return_of_release(case=case, actor=user, task_id=task.pk, step=node.name, code=code, reason=reason)
        task_announce(task=task, case=case, actor=user)
    return task


def _other_advice_taken(task: Task) -> bool:
    """Another advice task of the process is claimed or answered."""
    advice_nodes = [
        node
        for node in task.flow_task.flow_class.instance.nodes()
        if getattr(node, "step", None) in ADVICE_STEPS
    ]
    return (
        Task.objects.filter(process_id=task.process_id, status__in=[STATUS.ASSIGNED, STATUS.DONE])
        .exclude(pk=task.pk)
        .filter(flow_task__in=advice_nodes)
        .exists()
    )


def _no_longer_holds(*, case: Case, task: Task, person_id: int) -> None:
    """A task was taken from ``person_id``: they stop taking part unless they hold or held another of the case."""
    others = Task.objects.filter(process__caseprocess__case=case, owner_id=person_id).exclude(pk=task.pk)
    if not others.exists():
        participant_remove(case=case, person_id=person_id)


@command
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
            clock_taken(case=case, task_id=task.pk)
            case_step_taken(case=case, actor=user, audience=node.step.audience)
        else:
            activation.reassign(to_user)
        participants_add(case=case, person_ids=[to_user.pk])
        if previous_owner is not None:
            _no_longer_holds(case=case, task=task, person_id=previous_owner.pk)
        reassigned = audit_write(
            case=case,
            actor=user,
            action=AuditAction.REASSIGNED,
            name=node.name,
            task_id=task.pk,
            subject=to_user,
            reason=reason,
        )
        params = {"step": node.step.title, "person": str(to_user)}
        case_event(
            type=EventType.TASK_ASSIGNED,
            case=case,
            actor=user,
            audit=reassigned,
            recipients=[to_user.pk],
            params=params,
        )
        if previous_owner is not None:
            case_event(
                type=EventType.TASK_REASSIGNED_AWAY,
                case=case,
                actor=user,
                recipients=[previous_owner.pk],
                params=params,
            )
    return task


@command
def task_complete(*, task_id: int, user: User, data: dict) -> Task:
    """Do the step: its write (``Step.complete``) records and transitions the case, then the flow creates the
    next tasks. ``data`` is the step form's cleaned data."""
    with _task_locked(task_id, user) as (task, node, case):
        if task.status != STATUS.ASSIGNED:
            raise Conflict(_("This task is not open for work any more."))
        if not node.can_execute(user, task):
            raise NotTaskOwner()
        node.step.complete(case=case, actor=user, data=data)
        activation = node.activation_class(task)
        if (
            node.step.audience is rules.Audience.WORKER
        ):  # the next worker step stays with them (flows.previous_worker)
            activation.process.last_worker = user
        activation.start(None)
        activation.execute()
        stopped = after_step(
            case,
            actor=user,
            after_task_id=task.newest_task_id,
            taking_part=frozenset({user.pk}),
            done_task_id=task.pk,
        )
        done = audit_write(
            case=case,
            actor=user,
            action=AuditAction.TASK_DONE,
            name=node.name,
            task_id=task.pk,
            on_time=deadlines.on_time(stopped.get(task.pk)),
        )
        case_event(type=EventType.TASK_COMPLETED, case=case, actor=user, audit=done)
    return task


@command
def task_pause(*, task_id: int, user: User, reason: str, days: int | str | None = None) -> Task:
    """The holder waits for a party: the step's clock stops counting (``cases.services.clocks.clock_pause``)
    for ``days`` working days at most (``PAUSE_MAX_WORKING_DAYS`` when not given), with a reason (audited)."""
    reason, days = pause_checked(reason=reason, days=days)
    with _task_locked(task_id, user) as (task, _node, case):
        _held_by(task, user, _("Only the person who holds the step may pause it."))
        clock_pause(case=case, task_id=task.pk, actor=user, reason=reason, days=days)
    return task


@command
def task_resume(*, task_id: int, user: User) -> Task:
    """The holder resumes a paused step before its pause ends: the paused working time is not counted."""
    with _task_locked(task_id, user) as (task, _node, case):
        _held_by(task, user, _("Only the person who holds the step may resume it."))
        clock_resume(case=case, task_id=task.pk, actor=user)
    return task


def _held_by(task: Task, user: User, refusal: str | Promise) -> None:
    if task.status != STATUS.ASSIGNED:
        raise Conflict(_("This task is not open for work any more."))
    if task.owner_id != user.pk:
        raise NotAllowed(refusal)

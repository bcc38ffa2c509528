"""After the flow moved: the clocks of the open steps (and so the case's due moment), who takes part, and who
hears about the tasks it made."""

from viewflow.workflow.models import Task

from cases import rules
from cases.carried import carried
from cases.events import case_event
from cases.models import Case, Clock, User
from cases.services.clocks import OpenStep, clocks_keep
from cases.services.participants import participants_add
from cases.services.satisfaction import satisfaction_link_issue
from cases.transactions import in_transaction
from notifications.types import EventType
from workflow.models import CaseProcess
from workflow.saved_tasks import tasks_saved
from workflow.selectors import OPEN_TASK_STATUSES, case_human_tasks_open


@in_transaction
def after_step(
    case: Case,
    *,
    actor: User | None,
    after_task_id: int = 0,
    taking_part: frozenset[int] = frozenset(),
    done_task_id: int | None = None,
    new_case: bool = False,
) -> dict[int, Clock]:
    """Keep the clocks of the case's open steps (``clocks_keep``: those of steps no longer open stop, new steps'
    start, and the case's due moment follows) and tell people about each task the step created (ids above
    ``after_task_id``; the case is locked, so nobody else adds tasks meanwhile): its owner, who then takes part
    in the case, if the flow assigned it; everyone who may take it otherwise. ``taking_part``: people known to
    take part already (who just did a step), written no second time. ``done_task_id``: the step just done (a
    step may share its window); ``new_case``: just registered. Returns the clocks stopped, by task id."""
    open_steps, new_tasks = _flow_moved(case, after_task_id=after_task_id)
    stopped = clocks_keep(case=case, open_steps=open_steps, previous_task_id=done_task_id, new_case=new_case)
    owners = {task.owner_id for task in new_tasks if task.owner_id} - taking_part
    if owners:
        participants_add(case=case, person_ids=owners)
    for task in new_tasks:
        task_announce(task=task, case=case, actor=actor)
        if task.flow_task.step.party_answer is not None:  # the party may answer it through a link
            satisfaction_link_issue(case=case, task_id=task.pk, step=task.flow_task.step.name)
    return stopped


def _flow_moved(case: Case, *, after_task_id: int) -> tuple[list[OpenStep], list[Task]]:
    """The case's open steps, and its open tasks made by the command (ids above ``after_task_id``): from the
    tasks the command saved and the steps the case's clocks run for, as the command knows them
    (``workflow.saved_tasks``), or read."""
    saved, clocks = tasks_saved(), carried(case).clocks
    if saved is None or clocks is None:
        tasks = list(case_human_tasks_open(case=case))
        return [_open_step(task) for task in tasks], [task for task in tasks if task.pk > after_task_id]
    mine = [
        task for task in saved.values() if task.flow_task_type == "HUMAN" and _case_id_of(task) == case.pk
    ]
    still_open = [task for task in mine if task.status in OPEN_TASK_STATUSES]
    closed = {task.pk for task in mine} - {task.pk for task in still_open}
    steps = {
        clock.task_id: OpenStep(clock.task_id, clock.step, clock.started_at)
        for clock in clocks
        if clock.task_id is not None and clock.task_id not in closed
    }
    steps |= {task.pk: _open_step(task) for task in still_open if task.pk not in steps}
    return list(steps.values()), sorted(
        (task for task in still_open if task.pk > after_task_id), key=lambda task: task.pk
    )


def _case_id_of(task: Task) -> int | None:
    """The case of a task the command saved: its process is the flow's ``CaseProcess`` (a task the flow made) or
    viewflow's ``Process`` with its ``caseprocess`` read along (a task the command locked)."""
    process = task.process
    if isinstance(process, CaseProcess):
        return process.case_id
    return process.caseprocess.case_id


def _open_step(task: Task) -> OpenStep:
    return OpenStep(task.pk, task.flow_task.step.name, task.created)


@in_transaction
def task_announce(*, task: Task, case: Case, actor: User | None) -> None:
    """A task is waiting: for its owner if it has one, in the queue of everyone who may take it otherwise."""
    step = task.flow_task.step
    params = {"step": step.title}
    if task.owner_id:
        case_event(
            type=EventType.TASK_ASSIGNED, case=case, actor=actor, recipients=[task.owner_id], params=params
        )
    else:
        case_event(
            type=EventType.QUEUE_NEW, case=case, actor=actor, recipients=takers(task, case), params=params
        )


def takers(task: Task, case: Case) -> list[int]:
    """Ids of the people who may take the task (``rules.may_take`` in its query form)."""
    step = task.flow_task.step
    people = User.objects.filter(
        rules.may_take_people_q(audience=step.audience, specialty=step.specialty, case=case)
    )
    return list(people.values_list("pk", flat=True).distinct())

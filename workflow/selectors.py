"""Reads of tasks with their access rule: the queue (tasks the user may take), inbox, archive."""

from functools import cache

from django.db.models import QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import rules
from cases.errors import NotFound
from cases.models import User
from workflow.audience import queue_filter
from workflow.flows import FLOWS
from workflow.nodes import CaseTask

TASK_ROW_RELATED = ("process__caseprocess__case__unit", "owner")


@cache
def human_nodes() -> list[CaseTask]:
    return [node for flow in FLOWS.values() for node in flow.instance.nodes() if isinstance(node, CaseTask)]


def queue_tasks_for_user(user: User) -> QuerySet[Task]:
    return Task.objects.filter(queue_filter(user, human_nodes()), status=STATUS.NEW, owner__isnull=True)


def task_queue(*, user: User) -> QuerySet[Task]:
    return (
        queue_tasks_for_user(user)
        .select_related(*TASK_ROW_RELATED)
        .order_by("-process__caseprocess__case__priority", "created", "pk")
    )


def task_inbox(*, user: User) -> QuerySet[Task]:
    return (
        Task.objects.filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])
        .select_related(*TASK_ROW_RELATED)
        .order_by("created", "pk")
    )


def task_archive(*, user: User) -> QuerySet[Task]:
    return (
        Task.objects.filter(owner=user, status=STATUS.DONE, flow_task_type="HUMAN")
        .select_related(*TASK_ROW_RELATED)
        .order_by("-finished", "-pk")
    )


def task_visible(*, task: Task, case, user: User) -> bool:
    """Its owner, a possible taker or a supervisor of its case may see a task."""
    if not user.is_authenticated or task.flow_task_type != "HUMAN":
        return False
    if task.owner_id == user.pk or rules.supervises_case(case, user) or user.is_superuser:
        return True
    return task.status == STATUS.NEW and task.owner_id is None and task.flow_task.may_take(user, case)


def task_visible_to_claimant(*, task: Task, case, user: User) -> bool:
    """As ``task_visible``, and also a task someone else claimed that ``user`` could have taken: the loser of a
    race for a queue task hears that it is taken (409), not that it does not exist (404)."""
    if task_visible(task=task, case=case, user=user):
        return True
    return (
        task.flow_task_type == "HUMAN" and task.owner_id is not None and task.flow_task.may_take(user, case)
    )


def task_get_for_user(*, task_id: int, user: User, visible=task_visible) -> Task:
    """The task if ``visible`` says the user may see it; a 404 otherwise."""
    task = Task.objects.filter(pk=task_id).select_related(*TASK_ROW_RELATED).first()
    if task is None or not visible(task=task, case=task.process.caseprocess.case, user=user):
        raise NotFound()
    return task


def task_get_for_claim(*, task_id: int, user: User) -> Task:
    return task_get_for_user(task_id=task_id, user=user, visible=task_visible_to_claimant)

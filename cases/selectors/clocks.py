"""Reads of clocks: the due moment of a task for ordering queues, the clocks of a page of tasks in one query."""

from collections.abc import Iterable

from django.db.models import OuterRef, Subquery

from cases.deadlines import ClockMoments
from cases.models import Clock


def clock_due_of_task() -> Subquery:
    """A task's due moment, for ordering rows of tasks (``OuterRef("pk")`` is the task)."""
    return Subquery(Clock.objects.filter(task_id=OuterRef("pk")).values("due_at")[:1])


def clocks_of_tasks(task_ids: Iterable[int]) -> dict[int, Clock]:
    """The clocks of these tasks, by task id (one query)."""
    return {
        clock.task_id: clock for clock in Clock.objects.filter(task_id__in=list(task_ids)) if clock.task_id
    }


def clock_moments_of_tasks(task_ids: Iterable[int]) -> dict[int, ClockMoments]:
    """``clocks_of_tasks`` as the moments their lights are read from, without a model instance each (one
    query)."""
    rows = Clock.objects.filter(task_id__in=list(task_ids)).values_list("task_id", *ClockMoments._fields)
    return {task_id: ClockMoments(*moments) for task_id, *moments in rows if task_id}

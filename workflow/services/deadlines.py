"""Telling the people on each open step about its deadline (``cases.deadlines``): run by the scheduler."""

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task

from cases import deadlines
from cases.events import case_event
from notifications.models import Notification
from workflow.selectors import OPEN_TASK_STATUSES
from workflow.services.announce import takers


def deadlines_notify(*, now=None) -> int:
    """Tell the people on each open step once when its deadline is near and once when it has passed: its
    owner, or everyone who may take it while it waits in a queue. Run by the scheduler
    (``manage.py notify_deadlines``); returns how many notifications it stored. Each step's notice is its own
    transaction."""
    now = now or timezone.now()
    stored = 0
    tasks = Task.objects.filter(status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN").select_related(
        "process__caseprocess__case__unit"
    )
    for task in tasks.iterator():
        step = task.flow_task.step
        due = deadlines.step_due(step, task.created)
        notice = deadlines.deadline_notice(due=due, now=now)
        if notice is None:
            continue
        if Notification.objects.filter(type=notice, payload__task_id=task.pk).exists():
            continue
        case = task.process.caseprocess.case
        recipients = [task.owner_id] if task.owner_id else takers(task, case)
        params = {
            "task_id": task.pk,
            "step": step.title,
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
        }
        with transaction.atomic(durable=True):
            stored += len(case_event(type=notice, case=case, recipients=recipients, params=params))
    return stored

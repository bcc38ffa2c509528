"""Helpers for driving the real pages as a user."""

import re

from viewflow.workflow.models import Task

from cases.models import Case


def open_task(case: Case, step_name: str | None = None) -> Task:
    tasks = Task.objects.filter(
        process__caseprocess__case=case, status__in=["NEW", "ASSIGNED"], flow_task_type="HUMAN"
    )
    if step_name:
        tasks = [t for t in tasks if t.flow_task.name == step_name]
        assert len(tasks) == 1, tasks
        return tasks[0]
    return tasks.order_by("pk").first()


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)

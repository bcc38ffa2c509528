"""The tasks the running command saved. viewflow saves each task it creates, assigns, finishes or cancels, so
after the flow moved, its open human tasks are those the case's running clocks belong to (every open step has
one: ``cases.services.clocks.clocks_keep``), less the ones the command closed, plus the ones it made; the
command need not read them back (``workflow.services.announce.after_step``)."""

from typing import Any

from django.db.models.signals import post_save
from viewflow.workflow.models import Task

from notifications.events import current_batch

KEY = "saved_tasks"


def tasks_saved() -> dict[int, Task] | None:
    """The tasks the running command saved, by id, as last saved (None outside a command)."""
    batch = current_batch()
    return None if batch is None else batch.carried.setdefault(KEY, {})


def _remember(sender: Any, instance: Task, **kwargs: Any) -> None:
    saved = tasks_saved()
    if saved is not None:
        saved[instance.pk] = instance


post_save.connect(_remember, sender=Task, dispatch_uid="workflow-saved-tasks")

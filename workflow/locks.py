"""The flow lock is the case's row.

Every operation on a case (claims, releases, completions, reassignments, side exits, an escalation's new
process) takes ``SELECT … FOR UPDATE`` on the case behind the process, so they serialise on one row per case:
two claimants of one task, two completions of one step, a claim racing an escalation. One lock, taken once,
means one lock order and no deadlock between them. viewflow's default ``no_lock`` would let two people claim
one task; its ``SelectForUpdateLock`` would lock the process row and still need the case locked after it.
"""

from contextlib import contextmanager

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from viewflow.workflow.models import Task

from cases.models import Case


def case_lock(**lookup) -> Case | None:
    """Lock and read one case (``pk=…``, ``processes__pk=…`` or ``processes__task__pk=…``) with what the steps
    read of it; call inside a transaction. ``newest_task_id`` is the case's newest task when the lock was
    taken: tasks above it are the ones made while the lock is held.

    PostgreSQL re-checks a row it waited for against the row's new version, joins included: when the holder
    of the lock escalated the case to another unit, the joined unit no longer matches and the row drops out
    of the answer. Reading again (the lock is held by then) returns the new version."""
    newest = Task.objects.filter(process__caseprocess__case=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("unit", "dispute", "help_request")
        .annotate(newest_task_id=Coalesce(Subquery(newest), 0))
    )
    for _attempt in range(2):
        case = locked.filter(**lookup).first()
        if case is not None:
            return case
    return None


class CaseRowLock:
    """viewflow's lock interface (``flow_class.lock(process_pk)``), waiting for the case row's lock."""

    @contextmanager
    def __call__(self, flow_class, process_pk):
        with transaction.atomic():
            case_lock(processes__pk=process_pk)
            yield

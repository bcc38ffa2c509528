"""The flow lock is the case's row.

Every operation on a case (claims, releases, completions, reassignments, side exits, an escalation's new
process) takes ``SELECT … FOR UPDATE`` on the case behind the process, so they serialise on one row per case:
two claimants of one task, two completions of one step, a claim racing an escalation. One lock, taken once,
means one lock order and no deadlock between them. viewflow's default ``no_lock`` would let two people claim
one task; its ``SelectForUpdateLock`` would lock the process row and still need the case locked after it.
"""

from contextlib import contextmanager

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from viewflow.workflow.models import Task

from cases.models import Case, CaseParticipant
from notifications.events import held
from workflow.models import CaseProcess


def case_of_task(task_id: int) -> Subquery:
    return Subquery(Task.objects.filter(pk=task_id).values("process__caseprocess__case")[:1])


def case_of_process(process_pk: int) -> Subquery:
    return Subquery(CaseProcess.objects.filter(pk=process_pk).values("case")[:1])


def case_lock(case: int | Subquery) -> Case | None:
    """Lock and read one case (its id, or ``case_of_task(…)`` / ``case_of_process(…)``) with what the steps read
    of it; call inside a transaction.

    PostgreSQL re-checks a row it waited for against the row's new version, joins included: when the holder
    of the lock escalated the case to another unit, the joined unit no longer matches and the row drops out
    of the answer. Reading again (the lock is held by then) returns the new version."""
    locked = (
        # FOR NO KEY UPDATE: commands still serialise on the row, but a row that only points at the case (a
        # notification the timer runner stores while it holds claimed timers) need not wait for a command that
        # holds it, which might wait for those timers: no deadlock between the runner and the commands.
        Case.objects.select_for_update(of=("self",), no_key=True)
        .select_related("unit", "dispute", "help_request")
        .filter(pk=case)
        .order_by()  # one row: no ORDER BY (``first()`` would sort the joined rows under the lock)
    )
    if connection.vendor == "postgresql":  # who takes part, in the same round trip (``Case.participant_ids``)
        people = CaseParticipant.objects.filter(case=OuterRef("pk")).order_by().values("person_id")
        locked = locked.annotate(participant_list=ArraySubquery(people))
    for _attempt in range(2):
        found = next(iter(locked[:1]), None)
        if found is not None:
            if hasattr(found, "participant_list"):
                found.participant_ids = set(found.participant_list)
            case_held(found.pk)
            return found
    return None


def case_held(case_id: int) -> None:
    """The running command holds this case: it locked it or registered it."""
    held().add(("case", case_id))


class CaseRowLock:
    """viewflow's lock interface (``flow_class.lock(process_pk)``), waiting for the case row's lock. No statement
    when the command holds the case already: it registered it (nobody else sees it before the commit) or locked
    it (``held``); no savepoint, since it runs inside the command's transaction."""

    @contextmanager
    def __call__(self, flow_class, process_pk):
        with transaction.atomic(savepoint=False):
            if ("process", process_pk) not in held():
                case_lock(case_of_process(process_pk))
            yield

"""The flow lock is the case's row.

Every operation on a case (claims, releases, completions, reassignments, side exits, an escalation's new
process) takes ``SELECT … FOR UPDATE`` on the case behind the process, so they serialise on one row per case:
two claimants of one task, two completions of one step, a claim racing an escalation. One lock, taken once,
means one lock order and no deadlock between them. viewflow's default ``no_lock`` would let two people claim
one task; its ``SelectForUpdateLock`` would lock the process row and still need the case locked after it.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from viewflow.workflow.models import Task

from cases.carried import carried
from cases.models import Case, CaseParticipant, Clock
from notifications.events import held
from notifications.prepared import Compiled
from workflow.models import CaseProcess


@dataclass(frozen=True)
class CaseOf:
    """The case behind a task or a process, found by the lock's statement itself."""

    of: str  # "task" or "process"
    pk: int


def case_of_task(task_id: int) -> CaseOf:
    return CaseOf("task", task_id)


def case_of_process(process_pk: int) -> CaseOf:
    return CaseOf("process", process_pk)


def _case_ids(of: str, value: int) -> Any:
    if of == "task":
        return Subquery(Task.objects.filter(pk=value).values("process__caseprocess__case")[:1])
    if of == "process":
        return Subquery(CaseProcess.objects.filter(pk=value).values("case")[:1])
    return value


def case_lock(case: int | CaseOf) -> Case | None:
    """Lock and read one case (its id, or ``case_of_task(…)`` / ``case_of_process(…)``) with what the steps read
    of it; call inside a transaction.

    PostgreSQL re-checks a row it waited for against the row's new version, joins included: when the holder
    of the lock escalated the case to another unit, the joined unit no longer matches and the row drops out
    of the answer. Reading again (the lock is held by then) returns the new version."""
    of, value = (case.of, case.pk) if isinstance(case, CaseOf) else ("case", case)
    if connection.vendor == "postgresql":
        # Most often nobody holds the case: the lock at once, with what the case carries (``_carrying``). A
        # statement that waited for the lock would carry what it read before the wait: it skips the row instead.
        found = _LOCKS[of, True].first(value)
        if found is not None:
            _carried(found)
            return found
    for _attempt in range(2):  # a row that dropped out after the wait (see above) is read again
        found = _LOCKS[of, False].first(value)
        if found is not None:
            case_held(found.pk)
            return found
    return None


def _locking(of: str, value: int, *, at_once: bool) -> QuerySet[Case]:
    # FOR NO KEY UPDATE: commands still serialise on the row, but a row that only points at the case (a
    # notification the timer runner stores while it holds claimed timers) need not wait for a command that
    # holds it, which might wait for those timers: no deadlock between the runner and the commands. One row:
    # no ORDER BY (``first()`` would sort the joined rows under the lock).
    locked = (
        Case.objects.select_related("unit", "dispute", "help_request")
        .filter(pk=_case_ids(of, value))
        .order_by()
        .select_for_update(of=("self",), no_key=True, skip_locked=at_once)
    )
    return (_carrying(locked) if at_once else locked)[:1]


# What a case locked at once carries (``cases.carried``), read in the lock's statement on PostgreSQL.
CLOCK_FIELDS = [field.attname for field in Clock._meta.concrete_fields]
_CLOCK_COLUMNS = list(Clock._meta.concrete_fields)


def _carrying(locked: QuerySet[Case]) -> QuerySet[Case]:
    people = CaseParticipant.objects.filter(case=OuterRef("pk")).order_by().values("person_id")
    clocks = (
        Clock.objects.filter(case=OuterRef("pk"), stopped_at__isnull=True)
        .order_by("pk")
        .values(json=JSONObject(**{name: name for name in CLOCK_FIELDS}))
    )
    return locked.annotate(carried_people=ArraySubquery(people), carried_clocks=ArraySubquery(clocks))


# Every command takes one of these: compiled once (``notifications.prepared``), by what names the case and
# whether the lock is taken at once (carrying) or waited for.
_LOCKS = {
    (of, at_once): Compiled(partial(_locking, of, at_once=at_once))
    for of in ("case", "task", "process")
    for at_once in (True, False)
}


def _carried(case: Case) -> None:
    case_held(case.pk)
    kept = carried(case)
    kept.participants = set(case.carried_people)  # type: ignore[attr-defined]  # annotations of _carrying
    kept.clocks = [
        Clock.from_db(
            connection.alias,
            CLOCK_FIELDS,
            [field.to_python(clock[field.attname]) for field in _CLOCK_COLUMNS],
        )
        for clock in case.carried_clocks  # type: ignore[attr-defined]
    ]


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

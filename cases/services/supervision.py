"""The automatic 督办: a step still red two working days after its due moment is reported to the supervisors of
the nearest unit above its case's unit that has supervisors (its own unit's for a case at the root).

This is the one place that decides what that report is. Today it is a notification; a later part makes it a
supervision order (督办单) with a reply due, and the timer runner that calls it stays as it is.
"""

from django.utils import timezone

from cases import rules
from cases.events import case_event
from cases.models import Case, Clock, User
from cases.steps import Step
from cases.transactions import in_transaction
from notifications.models import Notification
from notifications.types import EventType


def supervisors_above(case: Case) -> list[int]:
    """Ids of the supervisors of the nearest unit above the case's that has any (one query)."""
    people = list(
        User.objects.filter(rules.supervisors_above_people_q(case)).values_list("pk", "unit__path").distinct()
    )
    deepest = max((len(path) for _pk, path in people), default=0)
    return sorted(pk for pk, path in people if len(path) == deepest)


@in_transaction
def overdue_supervise(*, case: Case, clock: Clock, step: Step) -> list[Notification]:
    """Report a step red for two working days to the supervisors above."""
    assert clock.due_at is not None  # only a clock with a deadline has a 督办 timer
    return case_event(
        type=EventType.DEADLINE_SUPERVISED,
        case=case,
        recipients=supervisors_above(case),
        params={
            "task_id": clock.task_id,
            "step": step.title,
            "unit": case.unit.name,
            "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
        },
    )

"""The automatic 督办: a step still red two working days after its due moment gets a supervision order
(``cases.services.orders``), issued by the system on behalf of the nearest unit above its case's unit that has
supervisors (its own unit, for a case at the root): the case's workers must reply within
``ORDER_REPLY_WORKING_DAYS`` working days, and those supervisors hear that it was issued for them.

This is the one place that decides what that report is; the timer runner that calls it stays as it is.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from cases import rules
from cases.events import case_event
from cases.models import Case, Clock, SupervisionOrder, Unit
from cases.services.orders import local, nearest_supervisors, order_issue
from cases.steps import Step
from cases.transactions import in_transaction
from notifications.types import EventType


@in_transaction
def overdue_supervise(*, case: Case, clock: Clock, step: Step, answerers: Iterable[int]) -> SupervisionOrder:
    """A step red for two working days: an order to whoever works the case (``answerers``), issued for the
    supervisors above, who hear of it."""
    assert clock.due_at is not None  # only a clock with a deadline has a 督办 timer
    unit_id, supervisors = nearest_supervisors(rules.supervisors_above_people_q(case))
    # Nobody supervises anywhere above (a tree without supervisors): the order speaks for the unit above all the
    # same, and nobody is told.
    unit = Unit.objects.get(pk=unit_id) if unit_id is not None else (case.unit.get_parent() or case.unit)
    order = order_issue(
        case=case,
        issuer=None,
        unit=unit,
        reason="",
        days=min(settings.ORDER_REPLY_WORKING_DAYS, settings.ORDER_REPLY_MAX_WORKING_DAYS),
        answerers=answerers,
        step=step.name,
        step_due_at=clock.due_at,
        task_id=clock.task_id,
    )
    case_event(
        type=EventType.DEADLINE_SUPERVISED,
        case=case,
        recipients=supervisors,
        params={
            "task_id": clock.task_id,
            "step": step.title,
            "unit": case.unit.name,
            "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
            "reply_due": local(order.due_at),
        },
    )
    return order

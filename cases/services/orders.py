"""Supervision orders (督办单, ``cases.models.orders``): issuing one, replying to it, and what happens when its reply
is overdue. Each function runs inside its command's transaction with the case locked (the workflow's commands
and the timer runner); the workflow passes the facts it knows: who works the case now (``answerers``: its unit's
mediators or liaison officers and whoever holds one of its open steps, ``rules.answers_order_people_q``) and
whether the person replying holds one of its steps.

- **Issue**: a reason and a reply window of 1 to ``ORDER_REPLY_MAX_WORKING_DAYS`` working days
  (``ORDER_REPLY_WORKING_DAYS`` when not given), due that many working days later on the work calendar; its
  reply timer is created with it; the case's workers hear of it; the timeline and the boards show it.
- **Reply**: by whoever works the case now, to an open order; the issuer hears (the supervisors of the issuing
  unit for an order the system issued), and so do the issuers of the orders it was escalated from.
- **Overdue** (its reply timer fired): the order escalates one level (see ``cases.models.orders``): the
  supervisors of the unit it escalates to hear, and so do the case's workers. At the top nobody is above: the
  order stays open and overdue, and the supervisors of its issuing unit hear that it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import deadlines, rules
from cases.errors import Conflict, InvalidInput, NotAllowed
from cases.events import case_event
from cases.models import (
    AuditAction,
    Case,
    OrderState,
    SupervisionOrder,
    Timer,
    TimerKind,
    Unit,
    User,
)
from cases.services.audit import audit_write
from cases.transactions import in_transaction
from cases.workdays import WorkCalendar
from notifications.types import EventType

AUDIT_NAME = "supervision_order"  # the audit rows' ``name``: what the row is about


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ---- input ---------------------------------------------------------------------------------------------


def order_input(*, reason: str, days: int | str | None) -> tuple[str, int]:
    """An order's input, refused before anything is locked: a reason, and 1 to ``ORDER_REPLY_MAX_WORKING_DAYS``
    working days to reply (``ORDER_REPLY_WORKING_DAYS`` when not given)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say what the order asks the case's workers to answer for."), field="reason")
    limit = settings.ORDER_REPLY_MAX_WORKING_DAYS
    if days is None or days == "":
        return reason, min(settings.ORDER_REPLY_WORKING_DAYS, limit)
    if isinstance(days, bool) or not (
        isinstance(days, int) or (isinstance(days, str) and days.isascii() and days.isdigit())
    ):
        raise InvalidInput(
            _("Give the reply window in whole working days, 1 to %(limit)s.") % {"limit": limit}, field="days"
        )
    if not 1 <= int(days) <= limit:
        raise InvalidInput(
            _("A reply is due in 1 to %(limit)s working days.") % {"limit": limit}, field="days"
        )
    return reason, int(days)


def order_reply_input(*, reply: str) -> str:
    reply = (reply or "").strip()
    if not reply:
        raise InvalidInput(_("Write the reply: what was done, and what comes next."), field="reply")
    return reply


# ---- who hears ---------------------------------------------------------------------------------------------


def nearest_supervisors(people: Q) -> tuple[int | None, list[int]]:
    """Among the supervisors ``people`` selects (of the units along one line of the tree), those of the deepest
    unit: (its id, their ids), or (None, []) when there are none. One query."""
    rows = list(User.objects.filter(people).values_list("pk", "unit_id", "unit__path").distinct())
    if not rows:
        return None, []
    deepest = max(len(path) for _pk, _unit, path in rows)
    nearest = [(pk, unit) for pk, unit, path in rows if len(path) == deepest]
    return nearest[0][1], sorted(pk for pk, _unit in nearest)


def unit_supervisor_ids(unit: Unit) -> list[int]:
    return sorted(
        set(User.objects.filter(rules.unit_supervisors_people_q(unit)).values_list("pk", flat=True))
    )


def order_issuers(order: SupervisionOrder) -> set[int]:
    """Who hears of a reply: the issuer of the order (the supervisors of its issuing unit when the system issued
    it) and of every order it was escalated from."""
    issuers: set[int] = set()
    current: SupervisionOrder | None = order
    while current is not None:
        if current.issued_by_id is not None:
            issuers.add(current.issued_by_id)
        else:
            issuers.update(unit_supervisor_ids(current.unit))
        current = current.escalated_from
    return issuers


# ---- issuing -------------------------------------------------------------------------------------------------


@in_transaction
def order_issue(
    *,
    case: Case,
    issuer: User | None,
    unit: Unit,
    reason: str,
    days: int,
    answerers: Iterable[int],
    step: str = "",
    step_due_at: datetime | None = None,
    task_id: int | None = None,
) -> SupervisionOrder:
    """Issue an order on a case (locked by the caller) from ``unit``: by a supervisor (``issuer``; the checks
    are the caller's), or by the system (``issuer`` None) for an overdue ``step``. Its reply is due ``days``
    working days from now; its timer fires then (``order_overdue``)."""
    now, calendar = timezone.now(), WorkCalendar()
    due = calendar.add_working_days(now, days)
    order = SupervisionOrder(
        case=case,
        issued_by=issuer,
        unit=unit,
        reason=reason,
        step=step,
        step_due_at=step_due_at,
        days=days,
        issued_at=now,
        due_at=due,
        yellow_at=deadlines.yellow_moment(calendar, now, due),
    )
    order.full_clean(exclude=["state"])  # protected: its transitions set it
    order.save()
    Timer.objects.create(order=order, kind=TimerKind.REPLY, due_at=due)
    issued = audit_write(
        case=case,
        actor=issuer,
        action=AuditAction.ORDER_ISSUED,
        name=AUDIT_NAME,
        reason=reason,
        task_id=task_id,
    )
    case_event(
        type=EventType.ORDER_ISSUED,
        case=case,
        actor=issuer,
        audit=issued,
        recipients=answerers,
        params={"unit": unit.name, "due": local(due)},
    )
    return order


# ---- replying -------------------------------------------------------------------------------------------------


@in_transaction
def order_answer(
    *, case: Case, order: SupervisionOrder, actor: User, reply: str, holds_step: bool
) -> SupervisionOrder:
    """``actor`` replies to an order of the case (locked by the caller); ``holds_step``: they hold one of its
    open steps. Only whoever works the case replies, and only to an open order."""
    if not rules.answers_order(case, actor, holds_step=holds_step):
        raise NotAllowed(_("Only whoever works the case now may reply to its supervision orders."))
    if not order.is_open:
        raise Conflict(order_closed_message(order))
    order.answer(by=actor, text=reply, at=timezone.now())
    order.save(update_fields=["state", "reply", "replied_by", "replied_at"])
    Timer.objects.filter(order=order, fired_at__isnull=True).delete()  # nothing left to escalate
    answered = audit_write(
        case=case, actor=actor, action=AuditAction.ORDER_ANSWERED, name=AUDIT_NAME, reason=reply
    )
    case_event(
        type=EventType.ORDER_ANSWERED,
        case=case,
        actor=actor,
        audit=answered,
        recipients=order_issuers(order),
        params={"person": str(actor)},
    )
    return order


def order_closed_message(order: SupervisionOrder) -> str:
    if order.state == OrderState.ESCALATED:
        successor = SupervisionOrder.objects.filter(escalated_from=order).values_list("pk", flat=True).first()
        return str(
            _("This order was escalated for want of a reply: reply to order %(order)s instead.")
            % {"order": successor}
        )
    return str(_("This order has been answered already."))


# ---- the reply overdue ----------------------------------------------------------------------------------------


@in_transaction
def order_overdue(
    *, case: Case, order: SupervisionOrder, answerers: Iterable[int]
) -> SupervisionOrder | None:
    """The order's reply timer fired (claimed by the caller under the case's lock): an open order escalates one
    level; returns the new order, or None (answered meanwhile, or nobody above to escalate to)."""
    if not order.is_open:
        return None
    unit_id, supervisors = nearest_supervisors(rules.supervisors_above_unit_people_q(order.unit))
    answerers = set(answerers)
    if unit_id is None:
        overdue = audit_write(case=case, actor=None, action=AuditAction.ORDER_OVERDUE, name=AUDIT_NAME)
        case_event(
            type=EventType.ORDER_OVERDUE,
            case=case,
            audit=overdue,
            recipients=answerers | set(unit_supervisor_ids(order.unit)),
            params={"unit": order.unit.name, "overdue": local(order.due_at)},
        )
        return None
    now, calendar = timezone.now(), WorkCalendar()
    order.escalate(at=now)
    order.save(update_fields=["state", "escalated_at"])
    # The new window counts from the old due moment, whenever the runner came by.
    due = calendar.add_working_days(order.due_at, order.days)
    above = Unit.objects.get(pk=unit_id)
    successor = SupervisionOrder(
        case=case,
        issued_by=None,
        unit=above,
        level=order.level + 1,
        escalated_from=order,
        reason=order.reason,
        step=order.step,
        step_due_at=order.step_due_at,
        days=order.days,
        issued_at=now,
        due_at=due,
        yellow_at=deadlines.yellow_moment(calendar, order.due_at, due),
    )
    successor.full_clean(exclude=["state"])
    successor.save()
    Timer.objects.create(order=successor, kind=TimerKind.REPLY, due_at=due)
    escalated = audit_write(case=case, actor=None, action=AuditAction.ORDER_ESCALATED, name=AUDIT_NAME)
    case_event(
        type=EventType.ORDER_ESCALATED,
        case=case,
        audit=escalated,
        recipients=answerers | set(supervisors),
        params={"unit": above.name, "overdue": local(order.due_at), "due": local(due)},
    )
    return successor

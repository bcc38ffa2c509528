"""Reads of supervision orders (督办单) with their access rule: an order is seen by whoever sees its case
(``cases.selectors.case_visible_q``, with the reach the workflow adds), and is a 404 for anyone else. Their
light, and the boards' counts."""

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases import deadlines
from cases.errors import NotFound
from cases.models import Case, Light, OrderState, SupervisionOrder, User
from cases.rules import NOTHING
from cases.selectors.cases import case_visible_q

OF_ORDER = ("unit", "issued_by", "replied_by", "escalated_to")
ORDER_RELATED = ("case__unit", *OF_ORDER)


def order_sla(order: SupervisionOrder, now: datetime) -> deadlines.Sla:
    """An order's reply due and its light: green, yellow once 75 % of its working time is used, red once due;
    an answered order shows how it was answered (red if late), an escalated one is red (it had no reply)."""
    if order.state == OrderState.ESCALATED:
        return deadlines.Sla(due_at=order.due_at, light=Light.RED, paused=False)
    at = order.replied_at or now
    return deadlines.Sla(
        due_at=order.due_at,
        light=deadlines.light(due_at=order.due_at, yellow_at=order.yellow_at, paused=False, at=at),
        paused=False,
    )


def orders_of_case(*, case: Case) -> list[SupervisionOrder]:
    """The case's orders, open ones first (by reply due), then the others, newest first (one query)."""
    rows = list(SupervisionOrder.objects.filter(case=case).select_related(*OF_ORDER))
    for row in rows:
        row.case = case
    opened = sorted((row for row in rows if row.is_open), key=lambda row: (row.due_at, row.pk))
    return opened + [row for row in rows if not row.is_open]


def order_list_for_user(*, user: User, reach: Q = NOTHING, state: str = "") -> QuerySet[SupervisionOrder]:
    """The orders on the cases the user sees; ``state`` one of ``OrderState`` or all. Open orders by reply due,
    the others newest first."""
    cases = Case.objects.filter(case_visible_q(user, reach)).values("pk")
    orders = SupervisionOrder.objects.filter(case__in=cases).select_related(*ORDER_RELATED)
    if state:
        orders = orders.filter(state=state)
    if state == OrderState.OPEN:
        return orders.order_by("due_at", "pk")
    return orders.order_by("-issued_at", "-pk")


def order_get_for_user(*, order_id: int, user: User, reach: Q = NOTHING) -> SupervisionOrder:
    order = (
        SupervisionOrder.objects.filter(
            pk=order_id, case__in=Case.objects.filter(case_visible_q(user, reach))
        )
        .select_related(*ORDER_RELATED)
        .first()
    )
    if order is None:
        raise NotFound()
    return order


def case_open_orders(*, case: Case) -> list[SupervisionOrder]:
    """The case's open orders, by reply due."""
    rows = list(
        SupervisionOrder.objects.filter(case=case, state=OrderState.OPEN)
        .select_related("unit")
        .order_by("due_at", "pk")
    )
    for row in rows:
        row.case = case
    return rows


def order_open_on_case_of_task() -> Exists:
    """Whether a task's case has an open order, for rows of tasks (``OuterRef`` reaches the task's case)."""
    return Exists(
        SupervisionOrder.objects.filter(
            case_id=OuterRef("process__caseprocess__case_id"), state=OrderState.OPEN
        )
    )


def order_overdue_q(now: datetime) -> Q:
    """An open order whose reply is late: due, or escalated already (its first reply was due long ago)."""
    return Q(due_at__lt=now) | Q(level__gt=0)


def order_counts_by_unit(*, unit_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(open, overdue) orders per unit of the cases they are on, for the boards; one query."""
    now = timezone.now()
    rows = (
        SupervisionOrder.objects.filter(state=OrderState.OPEN, case__unit_id__in=unit_ids)
        .values_list("case__unit_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=order_overdue_q(now)))
        .order_by()
    )
    return {unit_id: (opened, overdue) for unit_id, opened, overdue in rows}

"""What the case page shows of its supervision orders (督办单), and the forms it offers: the issue form to a
supervisor of the case, a reply form on each open order to whoever works the case."""

from typing import Any

from django.utils import timezone

from cases import rules
from cases.models import Case
from cases.order_forms import OrderForm, OrderReplyForm
from cases.selectors.orders import order_sla, orders_of_case
from web.requests import AuthenticatedHttpRequest


def reply_prefix(order_id: int) -> str:
    """Each open order's reply form on the page has its own field names."""
    return f"order-{order_id}"


def case_orders_context(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    holds_step: bool,
    order_form: OrderForm | None = None,
    reply_form: OrderReplyForm | None = None,
) -> dict[str, Any]:
    """``holds_step``: the user holds one of the case's open steps. A bound ``order_form`` or ``reply_form``
    (refused) is shown in place of the empty one."""
    user, now = request.user, timezone.now()
    may_reply = rules.answers_order(case, user, holds_step=holds_step)
    rows, orders = [], orders_of_case(case=case)
    for order in orders:
        form = None
        if may_reply and order.is_open:
            prefix = reply_prefix(order.pk)
            form = reply_form if reply_form is not None and reply_form.prefix == prefix else None
            form = form or OrderReplyForm(prefix=prefix)
        rows.append({"order": order, "sla": order_sla(order, now), "reply_form": form})
    may_issue = rules.supervises_case(case, user) and case.is_open
    return {
        "orders": rows,
        "open_order_count": sum(1 for order in orders if order.is_open),
        "order_form": order_form or (OrderForm() if may_issue else None),
    }

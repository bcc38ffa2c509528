"""Commands on supervision orders (督办单): a supervisor issues one, whoever works the case replies, and the timer
runner escalates one whose reply is overdue. Each locks the case row (``workflow.locks``), as every change of a
case does, so an escalation and a reply never cross: whichever locks first decides, and the other sees what it
did. The domain decides (``cases.services.orders``); this layer passes what only the workflow knows: who holds
the case's open steps.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from cases import rules
from cases.errors import Conflict, NotAllowed, NotFound
from cases.models import Case, SupervisionOrder, User
from cases.services import orders
from cases.services.timers import timer_claim
from cases.transactions import command
from workflow.locks import case_lock
from workflow.selectors import OPEN_TASK_STATUSES, case_get_for_user, order_get_for_user


def step_holders(case: Case) -> set[int]:
    """Who holds one of the case's open steps."""
    return set(
        Task.objects.filter(
            process__caseprocess__case=case, status__in=OPEN_TASK_STATUSES, owner__isnull=False
        ).values_list("owner_id", flat=True)
    )


def order_answerers(case: Case) -> list[int]:
    """Whoever works the case now (``rules.answers_order``): who must reply to its orders, and hears of them."""
    people = rules.answers_order_people_q(case, step_holders(case))
    return sorted(set(User.objects.filter(people).values_list("pk", flat=True)))


@command
def order_issue(
    *, reference: str, user: User, reason: str, days: int | str | None = None
) -> SupervisionOrder:
    """A supervisor of the case's unit or of a unit above it issues an order from their unit: a reason, and a
    reply due in ``days`` working days (``ORDER_REPLY_WORKING_DAYS`` when not given)."""
    visible = case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    reason, days = orders.order_input(reason=reason, days=days)
    case = case_lock(visible.pk)
    if case is None:
        raise NotFound()
    if not rules.supervises_case(case, user) or user.unit is None:
        raise NotAllowed(_("Only a supervisor of the case's unit or of a unit above it may issue an order."))
    if not case.is_open:
        raise Conflict(
            _("Case %(reference)s is %(state)s: there is nothing left to supervise.")
            % {"reference": case.reference, "state": case.get_state_display()}
        )
    return orders.order_issue(
        case=case,
        issuer=user,
        unit=user.unit,
        reason=reason,
        days=days,
        answerers=order_answerers(case),
    )


@command
def order_reply(*, order_id: int, user: User, reply: str) -> SupervisionOrder:
    """Whoever works the case now replies to one of its open orders."""
    reply = orders.order_reply_input(reply=reply)
    case_id = SupervisionOrder.objects.filter(pk=order_id).values_list("case_id", flat=True).first()
    case = case_lock(case_id) if case_id is not None else None
    if case is None:
        raise NotFound()
    order = order_get_for_user(order_id=order_id, user=user)  # under the lock: as it is now
    holds = Task.objects.filter(
        process__caseprocess__case=case, status__in=OPEN_TASK_STATUSES, owner=user
    ).exists()
    return orders.order_answer(case=case, order=order, actor=user, reply=reply, holds_step=holds)


@command
def order_due(*, timer_id: int, case_id: int) -> int:
    """An order's reply is due (the runner): it escalates (``cases.services.orders.order_overdue``). 1 if this
    runner fired its timer: the claim is made under the case's lock, so it is made once."""
    case = case_lock(case_id)
    if case is None or not timer_claim(timer_id=timer_id, now=timezone.now()):
        return 0  # another runner fired it, or a reply came first (and took the timer away)
    order = SupervisionOrder.objects.select_related("unit").get(timers__pk=timer_id)
    orders.order_overdue(case=case, order=order, answerers=order_answerers(case))
    return 1

"""Reads of tasks with their access rule (the queue: tasks the user may take; inbox; archive), and the case
reads of pages and the API: the cases' own rule (``cases.selectors``) with the reach a professional's queue
adds."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import deadlines, rules
from cases import selectors as case_selectors
from cases.errors import InvalidInput, NotFound
from cases.masking import mask_phone
from cases.models import (
    Attachment,
    Case,
    CaseReturn,
    Clock,
    Role,
    SupervisionOrder,
    Unit,
    User,
    WorklistOrder,
)
from cases.selectors import attachments as attachment_selectors
from cases.selectors import orders as order_selectors
from cases.selectors.cases import case_search_q, case_took_part_q
from cases.selectors.clocks import clock_due_of_task, clocks_of_tasks
from cases.selectors.returns import return_get_for_user as _return_get_for_user
from workflow.flows import FLOWS
from workflow.nodes import CaseTask

TASK_ROW_RELATED = ("process__caseprocess__case__unit", "owner")
CASE_OF_TASK = "process__caseprocess__case__"
OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
# The queues' order: the most urgent case first, then what is due first (a step without a deadline last), then
# the oldest task: a total order, so pages are stable.
BY_URGENCY = ("-process__caseprocess__case__priority", F("due").asc(nulls_last=True), "pk")


@cache
def human_nodes() -> list[CaseTask]:
    return [node for flow in FLOWS.values() for node in flow.instance.nodes() if isinstance(node, CaseTask)]


def queue_filter(user: User) -> Q:
    """The tasks ``user`` may take, as a filter on Task: each step's ``rules.may_take`` in its query form."""
    matched = rules.NOTHING
    for node in human_nodes():
        cases = rules.may_take_cases_q(
            audience=node.step.audience,
            specialty=node.step.specialty,
            user=user,
            prefix=CASE_OF_TASK,
            kind=node.step.kind,
        )
        if cases != rules.NOTHING:
            matched |= Q(flow_task=node) & cases
    return matched


def queue_tasks_for_user(user: User) -> QuerySet[Task]:
    return Task.objects.filter(queue_filter(user), status=STATUS.NEW, owner__isnull=True)


def task_queue(*, user: User) -> QuerySet[Task]:
    """Tasks the user may claim, by urgency (``BY_URGENCY``); ``with_clocks`` the page for their lights."""
    return (
        queue_tasks_for_user(user)
        .select_related(*TASK_ROW_RELATED)
        .annotate(due=clock_due_of_task())
        .order_by(*BY_URGENCY)
    )


def task_inbox(*, user: User) -> QuerySet[Task]:
    """The user's open tasks, by urgency (``BY_URGENCY``)."""
    return (
        Task.objects.filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])
        .select_related(*TASK_ROW_RELATED)
        .annotate(due=clock_due_of_task())
        .order_by(*BY_URGENCY)
    )


def task_archive(*, user: User) -> QuerySet[Task]:
    return (
        Task.objects.filter(owner=user, status=STATUS.DONE, flow_task_type="HUMAN")
        .select_related(*TASK_ROW_RELATED)
        .order_by("-finished", "-pk")
    )


# ---- worklists: the three lists above with what identifies each row, their filters and orders -------------


WORKLIST_ORDERS = {
    WorklistOrder.PRIORITY: BY_URGENCY,
    WorklistOrder.DUE: (F("due").asc(nulls_last=True), "pk"),
    WorklistOrder.AGE: ("created", "pk"),
    WorklistOrder.FINISHED: ("-finished", "-pk"),
}
WORKLISTS = {"inbox": task_inbox, "queue": task_queue, "archive": task_archive}
WORKLIST_DEFAULT_ORDER = {
    "inbox": WorklistOrder.PRIORITY,
    "queue": WorklistOrder.PRIORITY,
    "archive": WorklistOrder.FINISHED,
}
# The case of a row with what the row shows of it: the party or enterprise, the unit.
WORKLIST_RELATED = (
    *TASK_ROW_RELATED,
    CASE_OF_TASK + "dispute",
    CASE_OF_TASK + "help_request",
)


def worklist(
    *,
    user: User,
    scope: str,
    kind: str = "",
    step: str = "",
    unit_id: int | None = None,
    light: str = "",
    q: str = "",
    sort: str = "",
) -> QuerySet[Task]:
    """One of the person's worklists (``inbox``, ``queue``, ``archive``), filtered and ordered, each row with
    its case's party or enterprise, its step's due moment (``due``) and whether the person took part in the
    case (``took_part``, for masking: ``worklist_rows``). ``light``: the step's light now (``Light``, or
    ``NO_DEADLINE_LIGHT`` for a step without a due moment); ``q``: as the case list searches
    (``case_selectors.case_search_q``: phone numbers by their digits where the person sees them). Whatever
    the filters and the page, a page costs the same queries."""
    took_part = case_took_part_q(user, CASE_OF_TASK + "id")
    tasks = (
        WORKLISTS[scope](user=user)
        .select_related(*WORKLIST_RELATED)
        .annotate(due=clock_due_of_task(), took_part=ExpressionWrapper(took_part, BooleanField()))
    )
    if kind:
        tasks = tasks.filter(**{CASE_OF_TASK + "kind": kind})
    if step:
        tasks = tasks.filter(flow_task__in=[node for node in human_nodes() if node.name == step])
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        tasks = tasks.filter(**{CASE_OF_TASK + "unit__path__startswith": unit.path}) if unit else tasks.none()
    if light:
        tasks = tasks.filter(task_light_q(light, at=timezone.now()))
    if q:
        tasks = tasks.filter(case_search_q(q, user=user, took_part=took_part, prefix=CASE_OF_TASK))
    order = WORKLIST_ORDERS[WorklistOrder(sort or WORKLIST_DEFAULT_ORDER[scope])]
    return tasks.order_by(*order)


def task_light_q(light: str, *, at: datetime) -> Q:
    """The tasks whose step ``clock_sla`` lights ``light`` at ``at`` (``deadlines.clock_light_q`` on its clock); a
    task without a clock (from before clocks) has no deadline."""
    lit = Q(Exists(Clock.objects.filter(deadlines.clock_light_q(light, at=at), task_id=OuterRef("pk"))))
    if light == deadlines.NO_DEADLINE_LIGHT:
        lit |= ~Q(Exists(Clock.objects.filter(task_id=OuterRef("pk"))))
    return lit


@dataclass(frozen=True)
class WorklistRow:
    """What a worklist shows of one task: its case, who the case is about (the party, or the enterprise) and
    their phone as this reader may see it (``rules.shows_personal_data``), the question in one line."""

    task: Task
    case: Case
    party: str
    phone: str
    summary: str


SUMMARY_LENGTH = 60


def summary_line(text: str) -> str:
    """The first line of a description, cut to ``SUMMARY_LENGTH`` characters with an ellipsis."""
    line = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
    return line if len(line) <= SUMMARY_LENGTH else line[: SUMMARY_LENGTH - 1] + "…"


def worklist_rows(tasks: Iterable[Task], *, user: User) -> list[WorklistRow]:
    """The rows of a page of ``worklist`` (its tasks carry ``took_part``), each task with its ``clock`` (one
    query for the page)."""
    rows = []
    for task in with_clocks(tasks):
        case = task.process.caseprocess.case
        if case.is_dispute:
            party, phone = case.dispute.applicant_name, case.dispute.applicant_phone
        else:
            party, phone = case.help_request.enterprise_name, case.help_request.contact_phone
        shown = rules.shows_personal_data(case, user, took_part=bool(getattr(task, "took_part", False)))
        rows.append(
            WorklistRow(
                task=task,
                case=case,
                party=party,
                phone=phone if shown else mask_phone(phone),
                summary=summary_line(case.description),
            )
        )
    return rows


def worklist_counts(*, user: User) -> dict[str, int]:
    """How many rows each worklist has (the menu's counts): one COUNT each."""
    return {
        "inbox": Task.objects.filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED]).count(),
        "queue": queue_tasks_for_user(user).count(),
        "archive": Task.objects.filter(owner=user, status=STATUS.DONE, flow_task_type="HUMAN").count(),
    }


def with_clocks(tasks: Iterable[Task]) -> list[Task]:
    """The tasks, each with its step's ``clock`` (None for a task from before clocks), read in one query."""
    rows = list(tasks)
    clocks = clocks_of_tasks(task.pk for task in rows)
    for task in rows:
        task.clock = clocks.get(task.pk)
    return rows


def task_visible(*, task: Task, case: Case, user: User) -> bool:
    """Its owner, a possible taker, a supervisor of its case or an administrator may see a task."""
    if not user.is_authenticated or task.flow_task_type != "HUMAN":
        return False
    if task.owner_id == user.pk or rules.supervises_case(case, user) or rules.is_administrator(user):
        return True
    return task.status == STATUS.NEW and task.owner_id is None and task.flow_task.may_take(user, case)


def task_visible_to_claimant(*, task: Task, case: Case, user: User) -> bool:
    """As ``task_visible``, and also a task someone else claimed that ``user`` could have taken: the loser of a
    race for a queue task hears that it is taken (409), not that it does not exist (404)."""
    if task_visible(task=task, case=case, user=user):
        return True
    return (
        task.flow_task_type == "HUMAN" and task.owner_id is not None and task.flow_task.may_take(user, case)
    )


def task_get_for_user(*, task_id: int, user: User, visible=task_visible) -> Task:
    """The task, with its ``clock``, if ``visible`` says the user may see it; a 404 otherwise."""
    task = Task.objects.filter(pk=task_id).select_related(*TASK_ROW_RELATED).first()
    if task is None or not visible(task=task, case=task.process.caseprocess.case, user=user):
        raise NotFound()
    return with_clocks([task])[0]


def task_get_for_claim(*, task_id: int, user: User) -> Task:
    return task_get_for_user(task_id=task_id, user=user, visible=task_visible_to_claimant)


def case_open_tasks(*, case: Case) -> QuerySet[Task]:
    return (
        Task.objects.filter(process__caseprocess__case=case, status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .exclude(flow_task_type="START")
        .select_related("owner")
        .order_by("created", "pk")
    )


def task_is_open(*, task_id: int) -> bool:
    """The task still waits for its step to be done (waiting, claimed or started)."""
    return Task.objects.filter(pk=task_id, status__in=OPEN_TASK_STATUSES).exists()


def case_human_tasks_open(*, case: Case) -> QuerySet[Task]:
    """The case's open human tasks (waiting, claimed or started), oldest first."""
    return Task.objects.filter(
        process__caseprocess__case=case, status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN"
    ).order_by("pk")


# ---- cases, with the reach of a professional's queue -------------------------------------------------------


def queue_reach_q(user: User) -> Q:
    """Cases with a task in the person's queue (a professional sees them, masked, before claiming)."""
    if not (user.is_authenticated and user.has_role(Role.PROFESSIONAL)):
        return rules.NOTHING
    return Q(Exists(queue_tasks_for_user(user).filter(process__caseprocess__case=OuterRef("pk"))))


def case_list_for_user(*, user: User, **filters) -> QuerySet[Case]:
    return case_selectors.case_list_for_user(user=user, reach=queue_reach_q(user), **filters)


def case_page_for_user(*, user: User, **filters) -> case_selectors.CasePage:
    return case_selectors.case_page_for_user(user=user, reach=queue_reach_q(user), **filters)


def case_get_for_user(*, reference: str, user: User) -> Case:
    return case_selectors.case_get_for_user(reference=reference, user=user, reach=queue_reach_q(user))


def case_list_related(*, case: Case, user: User) -> list[Case]:
    """The same party's other cases that ``user`` sees, the queue's reach included."""
    return case_selectors.case_list_related(case=case, user=user, reach=queue_reach_q(user))


def order_list_for_user(*, user: User, state: str = "") -> QuerySet[SupervisionOrder]:
    """The supervision orders on the cases the user sees (``order_selectors.order_list_for_user``)."""
    return order_selectors.order_list_for_user(user=user, reach=queue_reach_q(user), state=state)


def order_get_for_user(*, order_id: int, user: User) -> SupervisionOrder:
    return order_selectors.order_get_for_user(order_id=order_id, user=user, reach=queue_reach_q(user))


def attachment_get_for_user(*, attachment_id: int, user: User) -> Attachment:
    """An attachment of a case the user sees, the queue's reach included: a professional who has not claimed
    a step of the case sees the case, and is told (403) that its attachments come with a claim."""
    return attachment_selectors.attachment_get_for_user(
        attachment_id=attachment_id, user=user, reach=queue_reach_q(user)
    )


def case_task_of(*, case: Case, task_id: int) -> Task:
    """A step's task of this case (an attachment names the step it belongs to by it); a 400 otherwise."""
    task = Task.objects.filter(pk=task_id, process__caseprocess__case=case, flow_task_type="HUMAN").first()
    if task is None:
        raise InvalidInput(_("This case has no step with this task id."), field="task")
    return task


case_shows_personal_data = case_selectors.case_shows_personal_data
case_timeline = case_selectors.case_timeline


def return_get_for_user(*, return_id: int, user: User) -> CaseReturn:
    """A return (退回) the person decides, or whose case they see (with their queue's reach); a 404 otherwise."""
    return _return_get_for_user(return_id=return_id, user=user, reach=queue_reach_q(user))

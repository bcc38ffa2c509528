"""Reads of tasks with their access rule (the queue: tasks the user may take; inbox; archive), and the case
reads of pages and the API: the cases' own rule (``cases.selectors``) with the reach a professional's queue
adds."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.fields import get_task_ref, import_task_by_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import deadlines, rules
from cases import selectors as case_selectors
from cases.errors import InvalidInput, NotFound
from cases.masking import mask_phone
from cases.models import (
    Attachment,
    Case,
    CaseKind,
    CaseReturn,
    Clock,
    Priority,
    Role,
    SupervisionOrder,
    Unit,
    User,
    WorklistOrder,
)
from cases.selectors import attachments as attachment_selectors
from cases.selectors import orders as order_selectors
from cases.selectors.cases import case_search_q, case_took_part_q
from cases.selectors.clocks import clock_due_of_task, clock_moments_of_tasks, clocks_of_tasks
from cases.selectors.orders import order_open_on_case_of_task
from cases.selectors.returns import return_get_for_user as _return_get_for_user
from workflow.flows import FLOWS
from workflow.models import HELD_STATUSES, TaskOrder
from workflow.nodes import CaseTask

TASK_ROW_RELATED = ("process__caseprocess__case__unit", "owner")
CASE_OF_TASK = "process__caseprocess__case__"
OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
ORDER = "order__"  # a task's ``TaskOrder``: what the worklists filter and order it by, on one row


@dataclass(frozen=True)
class Key:
    """One column of a worklist's order: its field on the task's ``TaskOrder`` (``task`` is the task's id),
    whether it runs backwards, whether it is a moment (a cursor writes it in microseconds since 1970)."""

    field: str
    descending: bool = False
    moment: bool = False


TASK_ID = Key("task")
# The worklists' orders, each ending in the task's id: total orders, so that a keyset page never repeats or
# skips a row. By urgency: the most urgent case first, then what is due first (a step without a deadline last,
# its due moment ``NO_DEADLINE``), then the oldest task.
BY_URGENCY = (Key("priority", descending=True), Key("due", moment=True), TASK_ID)
BY_DUE = (Key("due", moment=True), TASK_ID)
BY_AGE = (Key("created", moment=True), TASK_ID)
BY_FINISHED = (Key("finished", descending=True, moment=True), Key("task", descending=True))


def ordering(keys: tuple[Key, ...], prefix: str = ORDER) -> list[str]:
    """``order_by`` of Task rows (``prefix``: ``order__``) or of ``TaskOrder`` rows (``""``) in this order."""
    return [
        ("-" if key.descending else "")
        + (("pk" if prefix else "task_id") if key.field == "task" else prefix + key.field)
        for key in keys
    ]


@cache
def human_nodes() -> list[CaseTask]:
    return [node for flow in FLOWS.values() for node in flow.instance.nodes() if isinstance(node, CaseTask)]


def queue_filter(user: User, prefix: str = ORDER) -> Q:
    """The tasks ``user`` may take, as a filter on Task (``prefix``: ``order__``) or on ``TaskOrder`` (``""``):
    each step's ``rules.may_take`` in its query form, on the case's unit and kind as the task's order row
    keeps them."""
    matched = rules.NOTHING
    for node in human_nodes():
        cases = rules.may_take_cases_q(
            audience=node.step.audience,
            specialty=node.step.specialty,
            user=user,
            prefix=prefix,
            kind=node.step.kind,
        )
        if cases != rules.NOTHING:
            matched |= Q(**{prefix + "flow_task": get_task_ref(node)}) & cases
    return matched


class UnitWithin(Expression):
    """A row's unit (``column``: its id) is the unit at ``path`` or below it, without joining the unit: on
    PostgreSQL ``= ANY(ARRAY(SELECT …))``, the units' ids computed once per statement (an InitPlan), so a scan
    of an index in a list's order keeps its order and stops after a page (a join or an ``IN (SELECT …)``
    becomes a hash join, whose rows the planner no longer counts as ordered, and it sorts the whole list)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, path: str):
        super().__init__()
        self.column = F(column)
        self.units = Subquery(Unit.objects.filter(path__startswith=path).order_by().values("id"))

    def get_source_expressions(self):
        return [self.column, self.units]

    def set_source_expressions(self, exprs):
        self.column, self.units = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        units, units_params = compiler.compile(self.units)
        template = "%s = ANY(ARRAY%s)" if connection.vendor == "postgresql" else "%s IN %s"
        return template % (column, units), (*column_params, *units_params)


def queue_branches(user: User) -> list[Q]:
    """``queue_filter`` on ``TaskOrder`` rows as one filter per step the user may take: the step, and its
    cases' unit by id (``rules.may_take_units``). A branch is one range of an ``order_queue_*`` index in its
    list's order, so a page of the queue reads a page of each branch (``worklist_page``), however long it is."""
    branches = []
    for node in human_nodes():
        units = rules.may_take_units(
            audience=node.step.audience, specialty=node.step.specialty, user=user, kind=node.step.kind
        )
        if units is not None:
            where = (
                Q(unit_id=units.unit_id)
                if units.unit_id is not None
                else Q(UnitWithin("unit_id", units.path))
            )
            branches.append(Q(flow_task=get_task_ref(node)) & where)
    return branches


def queued(prefix: str = ORDER) -> Q:
    """Waiting to be claimed: new, and nobody holds it."""
    return Q(**{prefix + "status": STATUS.NEW, prefix + "owner__isnull": True})


def queue_tasks_for_user(user: User) -> QuerySet[Task]:
    return Task.objects.filter(queue_filter(user), queued())


def task_queue(*, user: User) -> QuerySet[Task]:
    """Tasks the user may claim, by urgency (``BY_URGENCY``); ``with_clocks`` the page for their lights."""
    return (
        queue_tasks_for_user(user)
        .select_related(*TASK_ROW_RELATED, "order")
        .annotate(due=clock_due_of_task())
        .order_by(*ordering(BY_URGENCY))
    )


def task_inbox(*, user: User) -> QuerySet[Task]:
    """The user's open tasks, by urgency (``BY_URGENCY``)."""
    return (
        Task.objects.filter(order__owner=user, order__status__in=HELD_STATUSES)
        .select_related(*TASK_ROW_RELATED, "order")
        .annotate(due=clock_due_of_task())
        .order_by(*ordering(BY_URGENCY))
    )


def task_archive(*, user: User) -> QuerySet[Task]:
    return (
        Task.objects.filter(order__owner=user, order__status=STATUS.DONE)
        .select_related(*TASK_ROW_RELATED, "order")
        .order_by(*ordering(BY_FINISHED))
    )


# ---- worklists: the three lists above with what identifies each row, their filters and orders -------------


WORKLIST_ORDERS = {
    WorklistOrder.PRIORITY: BY_URGENCY,
    WorklistOrder.DUE: BY_DUE,
    WorklistOrder.AGE: BY_AGE,
    WorklistOrder.FINISHED: BY_FINISHED,
}
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
    case (``took_part``, for masking as ``worklist_page`` does). ``light``: the step's light now (``Light``, or
    ``NO_DEADLINE_LIGHT`` for a step without a due moment); ``q``: as the case list searches
    (``case_selectors.case_search_q``: phone numbers by their digits where the person sees them). Whatever
    the filters and the page, a page costs the same queries."""
    rows = worklist_orders(
        user=user, scope=scope, kind=kind, step=step, unit_id=unit_id, light=light, q=q, sort=sort
    )
    took_part = case_took_part_q(user, CASE_OF_TASK + "id")
    return (
        Task.objects.filter(pk__in=rows.values("task_id"))
        .select_related(*WORKLIST_RELATED, "order")
        .annotate(due=clock_due_of_task(), took_part=ExpressionWrapper(took_part, BooleanField()))
        .order_by(*ordering(worklist_order(scope, sort)))
    )


def worklist_orders(
    *,
    user: User,
    scope: str,
    kind: str = "",
    step: str = "",
    unit_id: int | None = None,
    light: str = "",
    q: str = "",
    sort: str = "",
) -> QuerySet[TaskOrder]:
    """``worklist`` on the order rows alone (``TaskOrder``), in its order: what a page reads first, by index and
    up to a page, before it reads the page's tasks with their cases (``worklist_page``)."""
    scopes = {  # built for the one asked: the queue's reach costs an inbox's page a millisecond for nothing
        "queue": lambda: Q(queue_filter(user, prefix=""), queued(prefix="")),
        "inbox": lambda: Q(owner=user, status__in=HELD_STATUSES),
        "archive": lambda: Q(owner=user, status=STATUS.DONE),
    }
    rows = _worklist_filtered(
        TaskOrder.objects.filter(scopes[scope]()),
        user=user,
        kind=kind,
        step=step,
        unit_id=unit_id,
        light=light,
        q=q,
    )
    return rows.order_by(*ordering(worklist_order(scope, sort), prefix=""))


def _worklist_filtered(
    rows: QuerySet[TaskOrder],
    *,
    user: User,
    kind: str = "",
    step: str = "",
    unit_id: int | None = None,
    light: str = "",
    q: str = "",
) -> QuerySet[TaskOrder]:
    """The order rows with a worklist's filters (``worklist``)."""
    if kind:
        rows = rows.filter(kind=kind)
    if step:
        rows = rows.filter(flow_task__in=[get_task_ref(node) for node in human_nodes() if node.name == step])
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        rows = rows.filter(UnitWithin("unit_id", unit.path)) if unit else rows.none()
    if light:
        rows = rows.filter(task_light_q(light, at=timezone.now()))  # ``pk`` is the task's id
    if q:
        took_part = case_took_part_q(user, "case_id")
        rows = rows.filter(case_search_q(q, user=user, took_part=took_part, prefix="case__"))
    return rows


def _queue_page_ids(
    *, user: User, keys: tuple[Key, ...], after: str, limit: int, filters: dict
) -> list[int] | None:
    """The ids of a page of the queue, read branch by branch (``queue_branches``): each branch's first ``limit``
    rows in the list's order after the cursor, by its index, then the first ``limit`` of them all (``UNION
    ALL``). What a page reads is a page per step, not the queue: an ``OR`` of the steps cannot walk one index in
    order, and PostgreSQL sorted every waiting row of the steps. None where the database cannot order and cut
    each part of a ``UNION`` (SQLite): the plain query then."""
    if not connection.features.supports_slicing_ordering_in_compound:
        return None
    order = ordering(keys, prefix="")
    columns = ["task_id", *(key.field for key in keys if key.field != "task")]
    parts = []
    for branch in queue_branches(user):
        rows = _worklist_filtered(TaskOrder.objects.filter(branch, queued(prefix="")), user=user, **filters)
        if after:
            rows = rows.filter(_after_q(after, keys))
        parts.append(rows.order_by(*order).values_list(*columns)[:limit])
    if not parts:
        return []
    page = parts[0] if len(parts) == 1 else case_selectors.union_all(parts).order_by(*order)[:limit]
    return [row[0] for row in page]


def worklist_order(scope: str, sort: str = "") -> tuple[Key, ...]:
    return WORKLIST_ORDERS[WorklistOrder(sort or WORKLIST_DEFAULT_ORDER[scope])]


# ---- keyset pages of a worklist ------------------------------------------------------------------------------

TASK_PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MOMENT = re.compile(r"[0-9]{1,17}")  # up to the year 5000: a larger one is no moment of a task
_NUMBER = re.compile(r"[0-9]{1,18}")  # fits a bigint


@dataclass(frozen=True)
class TaskPage:
    """One page of a worklist in its order (``WorklistRow``). ``next_cursor`` is the ``after`` of the page that
    follows it."""

    rows: list["WorklistRow"]
    next_cursor: str | None


def task_cursor(order: dict[Key, Any], keys: tuple[Key, ...]) -> str:
    """Where a page ends: its last task's values of the list's order (its ``TaskOrder``'s, by key; moments in
    microseconds since 1970), joined by ``-``."""
    values = []
    for key in keys:
        value = order[key]
        values.append(str((value - _EPOCH) // timedelta(microseconds=1) if key.moment else value))
    return "-".join(values)


def _after_q(after: str, keys: tuple[Key, ...], prefix: str = "") -> Q:
    """The rows after the cursor in the order of ``keys``, with the bound on the first key that lets its index
    start at the cursor instead of filtering from the top. A malformed cursor, or one of another order, is
    refused with ``InvalidInput``."""
    parts = after.split("-")
    if len(parts) != len(keys) or not all(
        (_MOMENT if key.moment else _NUMBER).fullmatch(part) for key, part in zip(keys, parts, strict=True)
    ):
        raise InvalidInput(_("This page link is not valid; start again from the first page."), field="after")
    values = [
        _EPOCH + timedelta(microseconds=int(part)) if key.moment else int(part)
        for key, part in zip(keys, parts, strict=True)
    ]

    def beyond(key: Key, value) -> Q:
        return Q(**{f"{prefix}{key.field}__{'lt' if key.descending else 'gt'}": value})

    later = rules.NOTHING
    for index, (key, value) in enumerate(zip(keys, values, strict=True)):
        same = Q(**{f"{prefix}{each.field}": v for each, v in zip(keys[:index], values[:index], strict=True)})
        later |= same & beyond(key, value)
    first, start = keys[0], values[0]
    return Q(**{f"{prefix}{first.field}__{'lte' if first.descending else 'gte'}": start}) & later


def worklist_page(
    *,
    user: User,
    scope: str,
    after: str = "",
    size: int = TASK_PAGE_SIZE,
    sort: str = "",
    open_orders: bool = False,
    **filters,
) -> TaskPage:
    """A page of ``worklist`` after the cursor ``after`` (keyset over the task's ``TaskOrder``: no OFFSET, no
    COUNT), so a deep page costs what the first one does, however long the list: the page's task ids from the
    order rows alone (``worklist_orders``), then those tasks' rows as values, then their clocks (three queries).
    ``open_orders``: each row says whether its case has an open supervision order (the pages show it)."""
    keys = worklist_order(scope, sort)
    ids = None
    if scope == "queue":
        ids = _queue_page_ids(user=user, keys=keys, after=after, limit=size + 1, filters=filters)
    if ids is None:
        rows = worklist_orders(user=user, scope=scope, sort=sort, **filters)
        if after:
            rows = rows.filter(_after_q(after, keys))
        ids = list(rows.values_list("task_id", flat=True)[: size + 1])
    kept = ids[:size]
    took_part = case_took_part_q(user, CASE_OF_TASK + "id")
    order_columns = [ORDER + key.field for key in keys]
    values = (
        Task.objects.filter(pk__in=kept)
        .annotate(
            took_part=ExpressionWrapper(took_part, BooleanField()),
            has_open_order=order_open_on_case_of_task() if open_orders else Value(False),
        )
        .values_list(*ROW_COLUMNS, *order_columns)
        .order_by()  # in the ids' order, below: not the task's own (``-created``)
    )
    by_id = {row[0]: row for row in values}
    clocks = clock_moments_of_tasks(kept)
    now = timezone.now()
    shows = cache(personal_data_shown(user))  # a page's rows share a few kinds, units and participations
    page = [_worklist_row(by_id[pk], clocks.get(pk), shows=shows, now=now) for pk in kept]
    if len(ids) > size:
        last = dict(zip(keys, by_id[kept[-1]][len(ROW_COLUMNS) :], strict=True))
        return TaskPage(rows=page, next_cursor=task_cursor(last, keys))
    return TaskPage(rows=page, next_cursor=None)


def task_light_q(light: str, *, at: datetime) -> Q:
    """The tasks whose step ``clock_sla`` lights ``light`` at ``at`` (``deadlines.clock_light_q`` on its clock); a
    task without a clock (from before clocks) has no deadline."""
    lit = Q(Exists(Clock.objects.filter(deadlines.clock_light_q(light, at=at), task_id=OuterRef("pk"))))
    if light == deadlines.NO_DEADLINE_LIGHT:
        lit |= ~Q(Exists(Clock.objects.filter(task_id=OuterRef("pk"))))
    return lit


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """What a worklist shows of one task, read as values (``worklist_page``; model instances cost eight objects a
    row): the task (``id``, its step's ``node``, ``status``, its ``owner``'s login, ``created``, ``finished``,
    its step's ``sla`` at the moment the page was read), its case (``reference``, ``kind``, ``priority``, unit),
    who the case is about (the party, or the enterprise) and their phone as this reader may see it
    (``rules.shows_personal_data``), the question in one line, and, where asked, whether the case has an open
    supervision order."""

    id: int
    node: CaseTask
    status: str
    owner: str | None
    created: datetime
    finished: datetime | None
    sla: deadlines.Sla
    reference: str
    kind: str
    priority: int
    unit_id: int
    unit_name: str
    party: str
    phone: str
    summary: str
    has_open_order: bool

    def __getitem__(self, name: str) -> Any:
        # A template looks a name up as a key first, then as an attribute: a row answers the first (the
        # ``TypeError`` of the second way cost a page about 1 µs for each of the fifteen values a row shows).
        return getattr(self, name)

    # Translated when read (a page shows them once a row: a lazy text costs a template several lookups each)
    @property
    def title(self) -> str:
        return str(self.node.task_title)

    @property
    def priority_label(self) -> str:
        return str(PRIORITY_LABELS[self.priority])

    @property
    def unit(self) -> "UnitOfRow":
        return UnitOfRow(self.unit_id, self.unit_name)


class UnitOfRow(NamedTuple):
    """A row's unit as a reference to it reads it (``pk``, ``name``)."""

    pk: int
    name: str


PRIORITY_LABELS = dict(Priority.choices)  # lazy: translated when shown
# What ``worklist_page`` reads of each task, in the order ``_worklist_row`` takes them: the task's own
# columns, its case's, the party's or enterprise's (one of the two is null), and what the reader's row adds.
ROW_COLUMNS = (
    "id",
    # the node's reference as text (the task's own column imports its node for each row)
    ORDER + "flow_task",
    "status",
    "owner__username",
    "created",
    "finished",
    CASE_OF_TASK + "reference",
    CASE_OF_TASK + "kind",
    CASE_OF_TASK + "priority",
    CASE_OF_TASK + "unit_id",
    CASE_OF_TASK + "unit__name",
    CASE_OF_TASK + "description",
    CASE_OF_TASK + "dispute__applicant_name",
    CASE_OF_TASK + "dispute__applicant_phone",
    CASE_OF_TASK + "help_request__enterprise_name",
    CASE_OF_TASK + "help_request__contact_phone",
    "took_part",
    "has_open_order",
)


class CaseAtUnit(NamedTuple):
    """What the rule of personal data reads of a row's case (``rules.CaseAtUnit``)."""

    kind: str
    unit_id: int


@cache
def node_of(ref: str) -> CaseTask:
    """The step of a task's ``flow_task`` reference (``app/flows.Flow.node``)."""
    return import_task_by_ref(ref)


def personal_data_shown(user: User) -> Callable[[str, int, bool], bool]:
    """``rules.shows_personal_data`` to ``user`` of a case of a kind, at a unit, whether they took part in it:
    all the rule reads of a case (``rules.CaseAtUnit``), so a page asks it once for each of these it holds, not
    once a row (each question reads the person's roles and unit again, through the request's lazy user)."""

    def shown(kind: str, unit_id: int, took_part: bool) -> bool:
        return rules.shows_personal_data(CaseAtUnit(kind, unit_id), user, took_part=took_part)

    return shown


def _worklist_row(
    values: tuple,
    clock: deadlines.ClockMoments | None,
    *,
    shows: Callable[[str, int, bool], bool],
    now: datetime,
) -> WorklistRow:
    (pk, ref, status, owner, created, finished, reference, kind, priority, unit_id, unit_name, description,
     applicant, applicant_phone, enterprise, contact_phone, took_part, has_open_order) = values[: len(ROW_COLUMNS)]  # fmt: skip
    is_dispute = kind == CaseKind.DISPUTE
    party, phone = (applicant, applicant_phone) if is_dispute else (enterprise, contact_phone)
    return WorklistRow(
        id=pk,
        node=node_of(ref),
        status=status,
        owner=owner,
        created=created,
        finished=finished,
        sla=deadlines.clock_sla(clock, now),
        reference=reference,
        kind=kind,
        priority=priority,
        unit_id=unit_id,
        unit_name=unit_name,
        party=party,
        phone=phone if shows(kind, unit_id, bool(took_part)) else mask_phone(phone),
        summary=summary_line(description),
        has_open_order=bool(has_open_order),  # SQLite answers 0 or 1
    )


SUMMARY_LENGTH = 60


def summary_line(text: str) -> str:
    """The first line of a description, cut to ``SUMMARY_LENGTH`` characters with an ellipsis."""
    line = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
    return line if len(line) <= SUMMARY_LENGTH else line[: SUMMARY_LENGTH - 1] + "…"


# The menu counts a list up to this many rows (shown as "99+" from there): a count that costs the same
# however long the list.
WORKLIST_COUNT_CAP = 100


def worklist_counts(*, user: User) -> dict[str, int]:
    """How many rows each worklist has, up to ``WORKLIST_COUNT_CAP`` (the menu's counts): one COUNT each, over
    at most that many index entries of the task's ``TaskOrder``."""

    mine = TaskOrder.objects.filter(owner=user)
    return {
        "inbox": capped(mine.filter(status__in=HELD_STATUSES)),
        "queue": _queue_count(user),
        "archive": capped(mine.filter(status=STATUS.DONE)),
    }


def capped(rows: QuerySet) -> int:
    """How many rows, counted up to ``WORKLIST_COUNT_CAP`` (a menu shows 99+)."""
    return rows.values("pk")[:WORKLIST_COUNT_CAP].count()


def _queue_count(user: User) -> int:
    """The queue's rows up to ``WORKLIST_COUNT_CAP``, counted branch by branch (``queue_branches``): each step's
    range of its unit's index, not every waiting row of the step (a mediator's triage queue is the city's)."""
    if not connection.features.supports_slicing_ordering_in_compound:
        return capped(TaskOrder.objects.filter(queue_filter(user, prefix=""), queued(prefix="")))
    parts = [
        TaskOrder.objects.filter(branch, queued(prefix="")).values("pk")[:WORKLIST_COUNT_CAP]
        for branch in queue_branches(user)
    ]
    return case_selectors.union_all(parts)[:WORKLIST_COUNT_CAP].count() if parts else 0


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
    return Q(
        Exists(
            TaskOrder.objects.filter(queue_filter(user, prefix=""), queued(prefix=""), case=OuterRef("pk"))
        )
    )


def case_list_for_user(*, user: User, **filters) -> QuerySet[Case]:
    return case_selectors.case_list_for_user(user=user, reach=queue_reach_q(user), **filters)


def case_page_for_user(*, user: User, **filters) -> case_selectors.CasePage:
    """A page of the cases the person sees; for a professional, the newest from the rows of their
    participation and of their queue (``case_selectors.took_part_page``)."""
    reach_rows = None
    if user.is_authenticated and user.has_role(Role.PROFESSIONAL):
        reach_rows = [TaskOrder.objects.filter(queue_filter(user, prefix=""), queued(prefix=""))]
        if connection.features.supports_slicing_ordering_in_compound:  # a step's range of its index each
            reach_rows = [
                TaskOrder.objects.filter(branch, queued(prefix="")) for branch in queue_branches(user)
            ]
    return case_selectors.case_page_for_user(
        user=user, reach=queue_reach_q(user), reach_rows=reach_rows, **filters
    )


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

"""Queues at scale: the supervisor's board, the professional's queue and worklists, and the case list at 1k and
100k cases (and 1M with ``BENCH_SCALE=1m``).

Cases are written in bulk (PostgreSQL COPY) in the shapes the engine writes: the case and its detail row, a
``CaseProcess``, the flow's tasks and their links (done steps with their owners, gateways as the flow passes
them, the open step as NEW in a queue or ASSIGNED to its worker, CANCELED after a side exit), the audit rows,
who takes part, and the clocks of the case and its steps with their timers (the policies and the calendar the
engine counts with; a timer due before now fired, as a running timer runner leaves it). Each kind's line comes from its flow, the step catalogue and the case's transitions
(``bench.lines``). Most old cases are finished, recent ones spread over the open states, as in a year of real
work. Each size is on a database of its own, served by a real daphne of its own (``SERVER_TIMING=1``), all at
once: each endpoint gets a bounded warm-up and a bounded number of requests a size over one keep-alive connection
each, in turns from size to size, and its query count comes from the ``Server-Timing`` header, i.e. measured by
the server on the real stack.

``python -m bench.queues`` (``make bench`` runs it; ``BENCH_QUEUE_SIZES=200,1000`` for a short run);
``table(result)`` turns the JSON into Markdown.
"""

from __future__ import annotations

import http.client
import os
import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, get_origin, get_type_hints

from bench.common import asgi_server, django_on, summary_ms, vacuum_analyze, write_result

if TYPE_CHECKING:
    from viewflow.workflow.base import Node

    from bench.lines import Line, Move, Stage, Stop
    from cases.deadlines import PolicyBook
    from cases.models import Clock, Unit, User
    from workflow.nodes import CaseTask

# 1k and 100k by default; ``BENCH_SCALE=1m`` adds 1,000,000 (as ``bench.reports``); ``BENCH_QUEUE_SIZES``
# chooses freely.
DEFAULT_SIZES = "1000,100000" + (",1000000" if os.environ.get("BENCH_SCALE", "").lower() == "1m" else "")
SIZES = tuple(int(n) for n in os.environ.get("BENCH_QUEUE_SIZES", DEFAULT_SIZES).split(","))
# Cases written one by one along their lines (``Generator.add``) up to this many; beyond, the whole set so far is
# copied in SQL with its ids moved on (``Generator.clone``): the same shapes, written in seconds, not hours.
GENERATED_AT_MOST = 10_000
WARMUP = 10
REQUESTS = 100
REQUEST_BUDGET_S = 20  # per endpoint and size: the loop stops early rather than run long
# The sizes are measured side by side, each endpoint's requests in this many turns a size.
TURNS = 4
DATABASE = "tongxin_bench_queues"
REDIS_DB = 2
# Each size is on a database of its own (``tongxin_bench_queues_<size>``, ``size_database``), dropped at the end;
# ``BENCH_QUEUE_KEPT=1`` keeps them, so that a later run measures changed code without generating a million cases
# again.
KEPT = os.environ.get("BENCH_QUEUE_KEPT", "") == "1"
SEED = 20260501

# The endpoints: name, who asks, path (``{deep}`` is the keyset cursor of a page halfway down the list).
ENDPOINTS = [
    ("board page", "supervisor", "/board/"),
    ("board API", "supervisor", "/api/v1/board/"),
    ("queue page (lawyer)", "lawyer", "/tasks/queue/"),
    ("queue API (lawyer)", "lawyer", "/api/v1/tasks/?scope=queue"),
    ("case list page", "supervisor", "/cases/"),
    ("case list page, deep", "supervisor", "/cases/?after={deep}"),
    ("case list API", "supervisor", "/api/v1/cases/"),
    ("case list API, deep", "supervisor", "/api/v1/cases/?after={deep}"),
    ("case list API (lawyer)", "lawyer", "/api/v1/cases/"),
    # The worklists with what identifies each row (party, summary, due moment and light). Filtered ones through
    # the API only: a filtered page keeps the person's choice, which the plain pages above would then apply.
    ("inbox page (mediator)", "mediator", "/tasks/inbox/"),
    ("inbox API (mediator)", "mediator", "/api/v1/tasks/?scope=inbox"),
    # The same inbox cut to the 3 rows the generated 1k gives him: the scale alone, the page's size held equal
    # (the line above reads 3 rows at 1k and 50 from 100k on).
    ("inbox API, 3 rows (mediator)", "mediator", "/api/v1/tasks/?scope=inbox&page_size=3"),
    ("done page (mediator)", "mediator", "/tasks/archive/"),
    ("queue API, red by due (lawyer)", "lawyer", "/api/v1/tasks/?scope=queue&light=red&sort=due"),
    ("queue API, search (lawyer)", "lawyer", "/api/v1/tasks/?scope=queue&q=%E6%B3%B0%E5%85%B4"),
]


# ---- data -------------------------------------------------------------------------------------------------

# The rows the engine writes for a case, one type per table, its fields the table's columns in COPY's order.
# The tables other rows point at get ids of the generator's own (``OWN_IDS``); the others, from their sequence.


class CaseRow(NamedTuple):
    id: int
    reference: str
    kind: str
    brand: str
    channel: str
    priority: int
    state: str
    description: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    yellow_at: datetime | None
    paused: bool
    closed_at: datetime | None
    exit_reason: str
    referred_to: str
    created_by_id: int
    unit_id: int


class DisputeRow(NamedTuple):
    case_id: int
    category: str
    grid: str
    applicant_name: str
    applicant_phone: str
    applicant_id_number: str
    respondent_name: str
    respondent_phone: str
    may_escalate: bool
    agreement_text: str
    outcome: str
    follow_up_answer: str
    follow_up_note: str


class HelpRequestRow(NamedTuple):
    case_id: int
    enterprise_name: str
    credit_code: str
    contact_name: str
    contact_phone: str
    specialties: list[str]
    solution: str
    proxy_service_done: bool
    rating: int | None
    rating_comment: str
    card_id: int | None


class ProcessRow(NamedTuple):
    id: int
    flow_class: str
    status: str
    created: datetime
    finished: datetime | None
    data: dict


class CaseProcessRow(NamedTuple):
    process_ptr_id: int
    case_id: int


class TaskRow(NamedTuple):
    id: int
    flow_task: str
    flow_task_type: str
    status: str
    created: datetime
    started: datetime | None
    finished: datetime | None
    token: str
    owner_id: int | None
    process_id: int
    assigned: datetime | None  # viewflow 2 never sets it
    data: dict


class PreviousRow(NamedTuple):
    from_task_id: int  # the later task; ``to_task_id`` is one of its ``previous``
    to_task_id: int


class AuditRow(NamedTuple):
    id: int
    action: str
    name: str
    from_state: str
    to_state: str
    reason: str
    task_id: int | None
    on_time: bool | None
    created_at: datetime
    actor_id: int | None
    subject_id: int | None
    case_id: int


class ParticipantRow(NamedTuple):
    case_id: int
    person_id: int
    since: datetime
    case_created: datetime  # the database copies it from the case on insert (a trigger); COPY names it


class ClockRow(NamedTuple):
    id: int
    case_id: int
    task_id: int | None
    step: str
    started_at: datetime
    due_at: datetime | None
    yellow_at: datetime | None
    claim_amount: int | None
    claim_unit: str
    paused_at: datetime | None
    resumes_at: datetime | None
    pause_reason: str
    paused_for: timedelta
    stopped_at: datetime | None
    extension_pending: bool


class TimerRow(NamedTuple):
    clock_id: int
    kind: str
    due_at: datetime | None
    fired_at: datetime | None


# A dispute's mediation agreement (the resolution step's example, ``cases.steps``), its parties and terms (their
# performance once the follow-up is done) and its 司法确认 reminder (a timer of the agreement, not of a clock).
class AgreementRow(NamedTuple):
    case_id: int
    facts: str
    dispute: str
    mediators: str
    committee: str
    signed_on: date
    judicial_confirmation: bool
    recorded_by_id: int
    recorded_at: datetime


class AgreementPartyRow(NamedTuple):
    agreement_id: int
    position: int
    role: str
    name: str
    phone: str
    id_number: str


class AgreementTermRow(NamedTuple):
    agreement_id: int
    number: int
    content: str
    method: str
    deadline: date
    performance: str
    performed_on: date | None
    performance_note: str


class AgreementTimerRow(NamedTuple):
    agreement_id: int
    kind: str
    due_at: datetime
    fired_at: datetime | None


TABLES: dict[type[Any], str] = {  # row type: table
    CaseRow: "cases_case",
    DisputeRow: "cases_disputedetail",
    HelpRequestRow: "cases_helprequestdetail",
    ProcessRow: "viewflow_process",
    CaseProcessRow: "casework_flow_caseprocess",
    TaskRow: "viewflow_task",
    PreviousRow: "viewflow_task_previous",
    AuditRow: "cases_auditentry",
    ParticipantRow: "cases_caseparticipant",
    ClockRow: "cases_clock",
    TimerRow: "cases_timer",
    AgreementRow: "cases_mediationagreement",
    AgreementPartyRow: "cases_agreementparty",
    AgreementTermRow: "cases_agreementterm",
    AgreementTimerRow: "cases_timer",
}
OWN_IDS = ("cases_case", "viewflow_process", "viewflow_task", "cases_auditentry", "cases_clock")
EXIT_REASON = "批量"
ROOT_TOKEN = "start"  # viewflow's token of a process's main path; a split's branches extend it
REFERRED_TO = "泰兴市劳动人事争议仲裁委员会"


class Rows:
    """Rows to COPY, by type, and the next id of each table of ``OWN_IDS`` (and the next reference number)."""

    def __init__(self, ids: dict[str, int]):
        self.ids = dict(ids)
        self.of: dict[type[Any], list[Any]] = {row_type: [] for row_type in TABLES}

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table] - 1

    def add(self, row: tuple) -> None:
        self.of[type(row)].append(row)


@dataclass(frozen=True)
class Draw:
    """What is chosen for a case before its rows are written: where its flow stands, and whether a side exit
    ended it there."""

    kind: str
    unit: Unit
    registrar: User
    created: datetime
    specialties: tuple[str, ...]
    stop: Stop
    side_exit: Move | None = None  # it ended at ``stop``


class Generator:
    """Writes cases in bulk with ids of its own (then moves the sequences past them). A case's line comes from
    its flow, the step catalogue and the case's transitions (``bench.lines``); its steps are done by people who
    may take them (``CaseTask.may_take``)."""

    def __init__(self, people: dict[str, User], *, seed: int = SEED):
        from django.db import connection
        from django.utils import timezone
        from viewflow.workflow.fields import get_flow_ref, get_task_ref

        from bench.lines import main_line, side_exits
        from cases.models import CaseKind, Unit
        from workflow.nodes import CaseTask

        self.connection = connection
        self.random = random.Random(seed)
        self.people = people
        self.now = timezone.now()
        self.lines: dict[str, Line] = {kind: main_line(kind) for kind in CaseKind}
        self.flow_ref: dict[str, str] = {
            kind: get_flow_ref(line.flow_class) for kind, line in self.lines.items()
        }
        self.task_ref = {node: get_task_ref(node) for line in self.lines.values() for node in line.nodes}
        self.exits = {
            (kind, stop.state): side_exits(kind, stop.state)
            for kind, line in self.lines.items()
            for stop in line.stops
        }
        # What a case may ask for: the specialties of its flow's steps (a split's branches).
        self.specialties = {
            kind: [
                node.step.specialty
                for node in line.nodes
                if isinstance(node, CaseTask) and node.step.specialty is not None
            ]
            for kind, line in self.lines.items()
        }
        units = {unit.name: unit for unit in Unit.objects.all()}
        hailing = people["supervisor_hailing"]
        taixing = people["supervisor_taixing"]
        # Where cases are registered, by whom, how often. At a unit nobody works, a case waits at its first
        # step until a side exit ends it: nobody may take that step there.
        self.units: dict[str, list[tuple[Unit, list[User], int]]] = {
            CaseKind.DISPUTE: [
                (units["祥泰社区"], [people["mediator"], people["mediator2"]], 5),
                (units["济川街道"], [people["mediator_street"]], 2),
                (units["成蹊新联之家"], [people["mediator_chengxi"]], 3),
                (units["城西街道"], [hailing], 1),
                (units["e呼百应工作室"], [hailing], 2),
                (units["泰兴城区工业园区"], [taixing], 1),
            ],
            CaseKind.HELP_REQUEST: [
                (units["泰兴城区工业园区三师助企工作站"], [people["liaison"]], 4),
                (units["e呼百应工作室"], [hailing], 1),
            ],
        }
        self._takers: dict[tuple[str, int, Node], list[User]] = {}
        self._reachable: dict[tuple[str, int, tuple[str, ...]], list[Stop]] = {}
        from cases.workdays import WorkCalendar

        self.calendar = WorkCalendar()  # one for the run: nobody edits the bench's calendar meanwhile
        self._books: dict[tuple[str, int], PolicyBook] = {}

    def book(self, kind: str, priority: int) -> PolicyBook:
        """The deadline policies of a kind and priority, read once per run."""
        from cases.deadlines import PolicyBook

        if (kind, priority) not in self._books:
            self._books[(kind, priority)] = PolicyBook(kind=kind, priority=priority)
        return self._books[(kind, priority)]

    def _next_ids(self) -> dict[str, int]:
        with self.connection.cursor() as cursor:
            ids = {}
            for table in OWN_IDS:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
                ids[table] = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(MAX(last), 0) FROM cases_referencecounter WHERE year = 2026")
            ids["reference"] = cursor.fetchone()[0] + 1
        return ids

    def add(self, count: int, draw: Callable[[], Draw] | None = None) -> None:
        """Write ``count`` cases, each drawn by ``draw`` (``Generator.draw``: a year of work by default)."""
        from django.db import transaction
        from django.utils import timezone

        self.now = timezone.now()
        rows = Rows(self._next_ids())
        first_task = rows.ids["viewflow_task"]
        for _ in range(count):
            self.write((draw or self.draw)(), rows)
        with transaction.atomic(), self.connection.cursor() as cursor:
            with triggers_off(cursor):
                self._copy(cursor, rows)
            kept_rows(cursor, first_task=first_task)
            sequences_past(cursor, rows.ids["reference"] - 1)
        vacuum_analyze()  # steady state, as autovacuum leaves it (index-only scans need the visibility map)

    def grow(self, to: int) -> None:
        """Up to ``to`` cases: written one by one up to ``GENERATED_AT_MOST``, then copies of the whole set."""
        from cases.models import Case

        have = Case.objects.count()
        if have < GENERATED_AT_MOST:
            self.add(min(to, GENERATED_AT_MOST) - have)
            have = min(to, GENERATED_AT_MOST)
        while have < to:
            copies = min(to // have - 1, 9) or 1
            if have * (copies + 1) > to:  # not a multiple: the rest one by one
                self.add(to - have)
                return
            self.clone(copies)
            have *= copies + 1

    def clone(self, copies: int) -> None:
        """``copies`` copies of every case there is, each with every row the engine wrote for it (``CLONED``),
        its ids moved past the last copy's; its references, parties and enterprises numbered by its new id, as
        the generator numbers them; then the rows the database keeps (``kept_rows``)."""
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as cursor:
            spans = {}
            for table in OWN_IDS:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                spans[table] = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM cases_case")
            if cursor.fetchone()[0] != spans["cases_case"]:
                raise RuntimeError("clone needs the generator's cases only, numbered from 1")
            short = {
                table.removeprefix("cases_").removeprefix("viewflow_"): span for table, span in spans.items()
            }
            offsets = {name: f"(k * {span})" for name, span in short.items()}
            with triggers_off(cursor):
                for table, (source, columns) in CLONED.items():
                    values = ", ".join(expression.format(**offsets) for expression in columns.values())
                    cursor.execute(
                        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "
                        f"FROM {table} AS row, generate_series(1, {copies}) AS k WHERE {source % short}"
                    )
            kept_rows(cursor, first_task=spans["viewflow_task"] + 1)
            sequences_past(cursor, spans["cases_case"] * (copies + 1))
        vacuum_analyze()

    # ---- who may take a step, how far a case can get ------------------------------------------------------

    def takers(self, kind: str, unit: Unit, node: CaseTask) -> list[User]:
        """The people who may take the step at the unit."""
        from cases.models import Case

        key = (kind, unit.pk, node)
        if key not in self._takers:
            case = Case(kind=kind, unit=unit)
            self._takers[key] = [person for person in self.people.values() if node.may_take(person, case)]
        return self._takers[key]

    def needed(self, node: CaseTask, specialties: tuple[str, ...]) -> bool:
        """The split's condition (``flows.needs``): a step of a specialty only if the request asks for it."""
        return node.step.specialty is None or node.step.specialty in specialties

    def reachable(self, kind: str, unit: Unit, specialties: tuple[str, ...]) -> list[Stop]:
        """The stops a case can reach at the unit: up to the first stage with a step nobody there may take."""
        key = (kind, unit.pk, specialties)
        if key not in self._reachable:
            stops = []
            for stop in self.lines[kind].stops:
                stops.append(stop)
                nodes = [] if stop.stage is None else stop.stage.nodes
                if not all(self.takers(kind, unit, node) for node in nodes if self.needed(node, specialties)):
                    break
            self._reachable[key] = stops
        return self._reachable[key]

    # ---- one case ------------------------------------------------------------------------------------------

    def draw(self) -> Draw:
        """A case as a year of work leaves them: most old ones finished, the last 60 days' spread over the
        states of the line, some ended by a side exit early on."""
        from cases.models import CaseKind

        r = self.random
        kind = CaseKind.DISPUTE if r.random() < 0.6 else CaseKind.HELP_REQUEST
        places = self.units[kind]
        unit, registrars, _weight = r.choices(places, weights=[weight for *_place, weight in places])[0]
        registrar = r.choice(registrars)
        options = self.specialties[kind]
        specialties = tuple(sorted(r.sample(options, r.randint(1, 2)))) if options else ()
        recent = r.random() < 0.15
        age = timedelta(days=r.uniform(0, 60) if recent else r.uniform(60, 730))
        stops = self.reachable(kind, unit, specialties)
        if recent:
            return Draw(kind, unit, registrar, self.now - age, specialties, r.choice(stops))
        if stops[-1].stage is None and r.random() < 0.85:
            return Draw(kind, unit, registrar, self.now - age, specialties, stops[-1])
        stop = r.choice(stops[:2])
        return Draw(
            kind, unit, registrar, self.now - age, specialties, stop, r.choice(self.exits[(kind, stop.state)])
        )

    def write(self, draw: Draw, rows: Rows) -> None:
        """The rows of one case, in the order and the shapes the engine writes them."""
        _CaseWriter(self, draw, rows).write()

    def _copy(self, cursor: Any, rows: Rows) -> None:
        from psycopg.types.json import Jsonb

        for row_type, table in TABLES.items():
            hints = get_type_hints(row_type)
            json = [index for index, name in enumerate(row_type._fields) if get_origin(hints[name]) is list]
            json += [index for index, name in enumerate(row_type._fields) if hints[name] is dict]
            with cursor.cursor.copy(f"COPY {table} ({', '.join(row_type._fields)}) FROM STDIN") as copy:
                for row in rows.of[row_type]:
                    values = list(row)
                    for index in json:
                        values[index] = Jsonb(values[index])
                    copy.write_row(values)


# ---- copies, and the rows the database keeps ------------------------------------------------------------------


def _ids(column: str, table: str) -> str:
    return f"row.{column} + {{{table}}}"


CASE_ID = _ids("case_id", "case")
# ``lpad`` cuts a longer text: a million and more keep their seven digits, as ``f"{n:06d}"`` does.
NUMBER = "(row.id + {case})::text"
REFERENCE = f"'TX-2026-' || lpad({NUMBER}, greatest(6, length({NUMBER})), '0')"
# Each table the generator writes: which of its rows are the cases' there were (the copies come after them), and
# its columns, each as it is copied (``{case}`` … : the offset of the copy in that table's ids). A split's tokens
# name the split's task: ``start/<task id>_<branch>``.
TIMER_COLUMNS = (
    "clock_id",
    "agreement_id",
    "kind",
    "due_at",
    "fired_at",
)  # a clock's timers and an agreement's
CLONED: dict[str, tuple[str, dict[str, str]]] = {
    table: (source, {name: moved.get(name, f"row.{name}") for name in columns})
    for table, columns, source, moved in [
        ("cases_case", CaseRow._fields, "row.id <= %(case)s", {
            "id": _ids("id", "case"), "reference": REFERENCE, "description": "'批量案件 ' || " + REFERENCE,
        }),
        ("cases_disputedetail", DisputeRow._fields, "row.case_id <= %(case)s", {
            "case_id": CASE_ID, "applicant_name": "'申请人' || (row.case_id + {case})",
            "applicant_phone": "'138' || lpad(((row.case_id + {case}) % 100000000)::text, 8, '0')",
        }),
        ("cases_helprequestdetail", HelpRequestRow._fields, "row.case_id <= %(case)s", {
            "case_id": CASE_ID, "enterprise_name": "'泰兴市批量企业' || (row.case_id + {case}) || '有限公司'",
            "contact_phone": "'139' || lpad(((row.case_id + {case}) % 100000000)::text, 8, '0')",
        }),
        ("viewflow_process", ProcessRow._fields, "row.id <= %(process)s", {"id": _ids("id", "process")}),
        ("casework_flow_caseprocess", CaseProcessRow._fields, "row.case_id <= %(case)s", {
            "process_ptr_id": _ids("process_ptr_id", "process"), "case_id": CASE_ID,
        }),
        ("viewflow_task", TaskRow._fields, "row.id <= %(task)s", {
            "id": _ids("id", "task"), "process_id": _ids("process_id", "process"),
            "token": f"CASE WHEN row.token LIKE '{ROOT_TOKEN}/%' THEN '{ROOT_TOKEN}/' || "
            "(split_part(split_part(row.token, '/', 2), '_', 1)::bigint + {task}) || '_' || "
            "split_part(row.token, '_', 2) ELSE row.token END",
        }),
        ("viewflow_task_previous", PreviousRow._fields, "row.from_task_id <= %(task)s", {
            "from_task_id": _ids("from_task_id", "task"), "to_task_id": _ids("to_task_id", "task"),
        }),
        ("cases_auditentry", AuditRow._fields, "row.id <= %(auditentry)s", {
            "id": _ids("id", "auditentry"), "task_id": _ids("task_id", "task"), "case_id": CASE_ID,
        }),
        ("cases_caseparticipant", ParticipantRow._fields, "row.case_id <= %(case)s", {"case_id": CASE_ID}),
        ("cases_clock", ClockRow._fields, "row.id <= %(clock)s", {
            "id": _ids("id", "clock"), "case_id": CASE_ID, "task_id": _ids("task_id", "task"),
        }),
        ("cases_mediationagreement", AgreementRow._fields, "row.case_id <= %(case)s", {"case_id": CASE_ID}),
        ("cases_agreementparty", AgreementPartyRow._fields, "row.agreement_id <= %(case)s", {
            "agreement_id": _ids("agreement_id", "case"), "name": "'申请人' || (row.agreement_id + {case})",
            "phone": "'138' || lpad(((row.agreement_id + {case}) % 100000000)::text, 8, '0')",
        }),
        ("cases_agreementterm", AgreementTermRow._fields, "row.agreement_id <= %(case)s", {
            "agreement_id": _ids("agreement_id", "case"),
        }),
        ("cases_timer", TIMER_COLUMNS, "(row.clock_id <= %(clock)s OR row.agreement_id <= %(case)s)", {
            "clock_id": _ids("clock_id", "clock"), "agreement_id": _ids("agreement_id", "case"),
        }),
    ]
}  # fmt: skip


def triggers_off(cursor: Any):
    """Rows written in bulk without the database's row triggers (``session_replication_role``): what they keep
    is written afterwards for the whole batch at once (``kept_rows``), in a few set statements."""
    from contextlib import contextmanager

    @contextmanager
    def off():
        cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("SET LOCAL session_replication_role = origin")

    return off()


def _migration(app: str, suffix: str) -> Any:
    """The app's migration named ``…_<suffix>`` (its number changes when branches merge)."""
    import importlib
    import pkgutil

    package = importlib.import_module(f"{app}.migrations")
    (name,) = [each.name for each in pkgutil.iter_modules(package.__path__) if each.name.endswith(suffix)]
    return importlib.import_module(f"{app}.migrations.{name}")


def kept_rows(cursor: Any, *, first_task: int) -> None:
    """What the database's triggers keep, for rows written with them off, by the migrations' own statements: the
    board's counts (``BoardCount``, ``BoardDue``) counted again, and the order rows (``TaskOrder``) of the new
    tasks."""
    cursor.execute("DELETE FROM cases_boardcount")
    cursor.execute(_migration("cases", "_board_counts").BACKFILL)
    cursor.execute("DELETE FROM cases_boarddue")
    cursor.execute(_migration("cases", "_board_due_slots").BACKFILL["postgresql"])
    cursor.execute(
        _migration("workflow", "_task_order").BACKFILL["postgresql"] + f" AND t.id >= {first_task:d}"
    )


def sequences_past(cursor: Any, reference: int) -> None:
    """Every sequence past the rows written, and the year's reference counter at the last reference."""
    for table in (*OWN_IDS, *{table for table in CLONED if table not in OWN_IDS}):
        cursor.execute(
            "SELECT pg_get_serial_sequence(table_name, 'id') FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = 'id'",
            [table],
        )
        sequence = (cursor.fetchone() or [None])[0]
        if sequence:
            cursor.execute(f"SELECT setval('{sequence}', (SELECT COALESCE(MAX(id), 1) FROM {table}))")
    cursor.execute(
        "INSERT INTO cases_referencecounter (year, last) VALUES (2026, %s) "
        "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
        [reference],
    )


def _applicant(case_id: int) -> tuple[str, str]:
    """A generated dispute's applicant: name and mobile."""
    return f"申请人{case_id}", f"138{case_id % 10**8:08d}"


def _pk(person: User | None) -> int | None:
    return None if person is None else person.pk


@dataclass
class _Task:
    """A task of the case being written: its row is written once its end is known."""

    id: int
    node: Any  # a viewflow node; a ``CaseTask`` for a step
    created: datetime
    token: str = ROOT_TOKEN
    owner: User | None = None


class _CaseWriter:
    """One case moved along its line as the engine moves it, each row written as the engine writes it: the
    flow's tasks and their links, the audit rows (the claims, each transition before the row of the step done
    that fired it), who takes part."""

    def __init__(self, generator: Generator, draw: Draw, rows: Rows):
        self.generator = generator
        self.draw = draw
        self.rows = rows
        self.random = generator.random
        self.line = generator.lines[draw.kind]
        self.case_id = rows.next_id("cases_case")
        self.process_id = rows.next_id("viewflow_process")
        self.clock = draw.created
        self.state = self.line.stops[0].state
        self.worker: User | None = draw.registrar  # who keeps the worker steps (flows.previous_worker)
        self.previous: list[int] = []  # the tasks the next ones follow
        self.participants: dict[int, datetime] = {}
        from cases.models import Case, Priority

        self.priority = self.random.choices(Priority.values, [8, 3, 1])[0]
        self.book = generator.book(draw.kind, self.priority)
        # The case as the clocks' functions read it (kind, registration, whether it is open).
        self.case = Case(pk=self.case_id, kind=draw.kind, created_at=draw.created, state=self.state)
        self.clocks: dict[int | None, Clock] = {}  # by task id (None: the case's own), in the order started
        self.agreed: tuple[datetime, User] | None = None  # a dispute's resolution: when, by whom
        self.performed: datetime | None = None  # its follow-up, which records the terms' performance
        self.last_done: Clock | None = None  # the clock of the step whose completion opened the next ones

    def tick(self, at_most: float = 30) -> datetime:
        """Time goes on by up to ``at_most`` hours (never past now)."""
        hours = self.random.uniform(at_most / 100, at_most)
        self.clock = min(self.clock + timedelta(hours=hours), self.generator.now)
        return self.clock

    def audit(
        self,
        action: str,
        name: str,
        actor: User | None,
        *,
        from_state: str = "",
        to_state: str = "",
        reason: str = "",
        task_id: int | None = None,
        subject: User | None = None,
        on_time: bool | None = None,
    ) -> None:
        self.rows.add(
            AuditRow(
                self.rows.next_id("cases_auditentry"), str(action), name, from_state, to_state, reason, task_id,
                on_time, self.tick(2), _pk(actor), _pk(subject), self.case_id,
            )
        )  # fmt: skip

    def move(self, move: Move, actor: User | None, *, reason: str = "") -> None:
        from cases.models import AuditAction

        self.audit(
            AuditAction.TRANSITION,
            move.name,
            actor,
            from_state=self.state,
            to_state=move.target,
            reason=reason,
        )
        self.state = move.target

    def clock_start(self, task: _Task | None) -> None:
        """A clock starts as the engine starts it (``cases.services.clocks``): the case's at registration, a
        step's when its task is created."""
        from cases.services.clocks import OpenStep, case_clock_new, step_clock_new

        generator = self.generator
        if task is None:
            clock = case_clock_new(self.case, self.book, generator.calendar)
        else:
            step = OpenStep(task.id, task.node.step.name, task.created)
            clock = step_clock_new(self.case, step, self.book, generator.calendar, self.last_done)
        clock.pk = self.rows.next_id("cases_clock")
        self.clocks[None if task is None else task.id] = clock

    def clock_claimed(self, task: _Task) -> None:
        """The first claim of a step whose policy counts from it (``clock_taken``)."""
        from cases.services.clocks import clock_claimed

        clock = self.clocks[task.id]
        if clock.claim_amount is not None:
            clock_claimed(clock, self.clock, self.generator.calendar)

    def clock_stop(self, task_id: int | None) -> Clock:
        clock = self.clocks[task_id]
        clock.stopped_at = self.clock
        return clock

    def clock_rows(self) -> None:
        """Each clock, and the timers it has: fired when due before it stopped (or before now), as a running
        runner leaves them, with the audit row of each yellow and red one (the step's light changed); a pending
        one of a stopped clock was cancelled."""
        from cases.deadlines import timer_moments
        from cases.models import AuditAction, TimerKind

        lights: dict[str, str] = {TimerKind.YELLOW: AuditAction.DUE_SOON, TimerKind.RED: AuditAction.OVERDUE}

        for task_id, clock in self.clocks.items():
            self.rows.add(
                ClockRow(
                    clock.pk, self.case_id, task_id, clock.step, clock.started_at, clock.due_at, clock.yellow_at,
                    clock.claim_amount, clock.claim_unit, None, None, "", clock.paused_for, clock.stopped_at, False,
                )
            )  # fmt: skip
            until = clock.stopped_at or self.generator.now
            for kind, due in timer_moments(clock, self.generator.calendar).items():
                fired = due <= until
                if fired or clock.stopped_at is None:
                    self.rows.add(TimerRow(clock.pk, str(kind), due, due if fired else None))
                if fired and kind in lights:
                    self.rows.add(
                        AuditRow(
                            self.rows.next_id("cases_auditentry"), str(lights[kind]), clock.step, "", "", "",
                            task_id, None, due, None, None, self.case_id,
                        )
                    )  # fmt: skip

    def takes_part(self, person: User, since: datetime) -> None:
        self.participants.setdefault(person.pk, since)

    def task(
        self, task: _Task, status: str, *, started: datetime | None = None, finished: datetime | None = None
    ) -> None:
        self.rows.add(
            TaskRow(
                task.id, self.generator.task_ref[task.node], task.node.task_type, status, task.created, started,
                finished, task.token, _pk(task.owner), self.process_id, None, {},
            )
        )  # fmt: skip

    def link(self, task_ids: list[int]) -> None:
        """The new tasks follow the last ones: ``Task.previous``, from each new task to each of those."""
        for task_id in task_ids:
            for previous in self.previous:
                self.rows.add(PreviousRow(from_task_id=task_id, to_task_id=previous))
        self.previous = task_ids

    def gateway(self, node: Node) -> None:
        """A node the flow passes at once: done as it is created (a split and an If never start)."""
        from viewflow.workflow import flow
        from viewflow.workflow.status import STATUS

        at = self.tick(0.01)
        task = _Task(self.rows.next_id("viewflow_task"), node, at)
        self.task(
            task, STATUS.DONE, started=None if isinstance(node, flow.Split | flow.If) else at, finished=at
        )
        self.link([task.id])

    def stage(self, stage: Stage, *, done: bool, taken: bool) -> list[_Task]:
        """A stage's tasks as the flow creates them (owned by the node's assignee, ``.Assign``, where it has one
        who may take it), then the claims: of every waiting task when the stage is done, of the first one when
        ``taken``. Done, each completion fires its transition before its own audit row. Returns the tasks not
        done, their rows still to write."""
        from viewflow.workflow.status import STATUS
        from viewflow.workflow.token import Token

        from cases.deadlines import on_time
        from cases.models import AuditAction
        from cases.rules import Audience

        generator, draw, r = self.generator, self.draw, self.random
        nodes = [node for node in stage.nodes if generator.needed(node, draw.specialties)]
        tokens = [ROOT_TOKEN] * len(nodes)
        if len(stage.nodes) > 1:  # a split's branches: viewflow's tokens, from the split's task
            source = Token.split_token_source(ROOT_TOKEN, self.previous[0])
            tokens = [next(source).token for _ in nodes]
        tasks = []
        for node, token in zip(nodes, tokens, strict=True):
            created = self.tick(0.01)
            owner = self.worker if node._owner is not None else None  # flows.opening_worker / previous_worker
            if owner not in generator.takers(draw.kind, draw.unit, node):
                owner = None
            if owner is not None:
                self.takes_part(owner, created)
            tasks.append(_Task(self.rows.next_id("viewflow_task"), node, created, token, owner))
            self.clock_start(tasks[-1])
        self.link([task.id for task in tasks])
        for number, task in enumerate(tasks):
            if task.owner is not None or not (done or (taken and number == 0)):
                continue
            task.owner = r.choice(generator.takers(draw.kind, draw.unit, task.node))
            self.audit(AuditAction.CLAIMED, task.node.name, task.owner, task_id=task.id, subject=task.owner)
            self.clock_claimed(task)
            self.takes_part(task.owner, self.clock)
            if stage.taken is not None and self.state == stage.taken.source:  # cases.services.claims
                self.move(stage.taken, task.owner)
        if not done:
            return tasks
        for number, task in enumerate(tasks):
            started = self.tick()
            if stage.by_step:
                self.move(stage.done, task.owner)
            elif number == len(tasks) - 1:  # the flow moves the case once the last one is done
                self.move(stage.done, None)
            self.last_done = self.clock_stop(task.id)
            self.audit(
                AuditAction.TASK_DONE,
                task.node.name,
                task.owner,
                task_id=task.id,
                on_time=on_time(self.last_done),
            )
            self.task(task, STATUS.DONE, started=started, finished=self.clock)
            if task.node.step.audience is Audience.WORKER:
                self.worker = task.owner
            if draw.kind == "dispute" and stage.done.name == "resolve":
                assert task.owner is not None
                self.agreed = (self.clock, task.owner)
            elif draw.kind == "dispute" and stage.done.name == "confirm":
                self.performed = self.clock
        return []

    def agreement_text(self) -> str:
        """The dispute's ``agreement_text``: the agreement's terms as one text, as the resolution writes it."""
        if self.agreed is None:
            return ""
        from django.utils import timezone

        from cases.models import AgreementTerm, Case
        from cases.services.agreements import agreement_summary
        from cases.steps import DISPUTE_RESOLVE

        example = DISPUTE_RESOLVE.example(Case(unit=self.draw.unit, created_by=self.draw.registrar))
        signed_on = timezone.localtime(self.agreed[0]).date()
        return agreement_summary(
            AgreementTerm(number=n, content=t["content"], method=t["method"], deadline=signed_on)
            for n, t in enumerate(example["terms"], start=1)
        )

    def agreement(self) -> None:
        """The resolution step's agreement as its example records it (``cases.steps``), with the applicant as the
        only party (the generated disputes have no respondent), and the reminder the engine arms."""
        from django.utils import timezone

        from cases.models import Case, Performance, TimerKind
        from cases.services.agreements import confirmation_reminder_at
        from cases.steps import DISPUTE_RESOLVE

        assert self.agreed is not None
        at, mediator = self.agreed
        signed_on = timezone.localtime(at).date()
        example = DISPUTE_RESOLVE.example(Case(unit=self.draw.unit, created_by=self.draw.registrar))
        self.rows.add(
            AgreementRow(
                self.case_id, example["facts"], example["dispute"], example["mediators"], example["committee"],
                signed_on, example["judicial_confirmation"], mediator.pk, at,
            )
        )  # fmt: skip
        applicant = _applicant(self.case_id)
        self.rows.add(AgreementPartyRow(self.case_id, 1, "applicant", *applicant, ""))
        performed_on = timezone.localtime(self.performed).date() if self.performed else None
        for number, term in enumerate(example["terms"], start=1):
            self.rows.add(
                AgreementTermRow(
                    self.case_id, number, term["content"], term["method"], signed_on,
                    Performance.PERFORMED if performed_on else "", performed_on, "",
                )
            )  # fmt: skip
        if example["judicial_confirmation"]:
            due = max(confirmation_reminder_at(signed_on), at)
            fired = due if due <= self.generator.now else None
            self.rows.add(AgreementTimerRow(self.case_id, TimerKind.CONFIRMATION, due, fired))
            if fired is not None:
                self.rows.add(
                    AuditRow(
                        self.rows.next_id("cases_auditentry"), "confirm_reminded", "resolution", "", "", "",
                        None, None, fired, None, None, self.case_id,
                    )
                )  # fmt: skip

    def write(self) -> None:
        from viewflow.workflow.status import PROCESS, STATUS

        from cases.deadlines import case_moments
        from cases.models import AuditAction, Brand, CaseKind, CaseState, Category, Channel
        from workflow.nodes import CaseTask

        generator, draw, r, line = self.generator, self.draw, self.random, self.line
        stop = draw.stop
        self.audit(AuditAction.REGISTERED, "register", draw.registrar, to_state=self.state)
        self.clock_start(None)
        stages = {each.passed: each.stage for each in line.stops if each.stage is not None}
        for index, hop in enumerate(line.hops[: stop.passed]):
            if isinstance(hop[0], CaseTask):
                self.stage(stages[index], done=True, taken=False)
            else:
                self.gateway(hop[0])
        waiting = [] if stop.stage is None else self.stage(stop.stage, done=False, taken=stop.taken)
        if draw.side_exit is not None:
            self.move(draw.side_exit, draw.registrar, reason=EXIT_REASON)
            for task in waiting:
                self.task(task, STATUS.CANCELED, finished=self.clock)
                self.clock_stop(task.id)
        else:
            for task in waiting:
                self.task(task, STATUS.ASSIGNED if task.owner else STATUS.NEW)
        ended = draw.side_exit is not None or stop.stage is None
        if ended:
            self.clock_stop(None)
        due, yellow, paused = case_moments(self.clocks.values())
        self.clock_rows()
        status = PROCESS.CANCELED if draw.side_exit is not None else (PROCESS.DONE if ended else PROCESS.NEW)
        finished = self.clock if ended else None
        self.rows.add(
            ProcessRow(
                self.process_id, generator.flow_ref[draw.kind], status, draw.created, finished,
                {"assignee_id": draw.registrar.pk},
            )
        )  # fmt: skip
        self.rows.add(CaseProcessRow(self.process_id, self.case_id))
        for person_id, since in self.participants.items():
            self.rows.add(ParticipantRow(self.case_id, person_id, since, draw.created))
        reference = f"TX-2026-{self.rows.next_id('reference'):06d}"
        dispute = draw.kind == CaseKind.DISPUTE
        self.rows.add(
            CaseRow(
                self.case_id, reference, draw.kind, Brand.TONGXIN_JIEFANG if dispute else Brand.XIANGTAI_NUANXIN,
                r.choice([Channel.VISIT, Channel.PHONE, Channel.ONLINE]),
                self.priority, self.state, f"批量案件 {reference}", draw.created,
                self.clock, due, yellow, paused, finished, EXIT_REASON if draw.side_exit else "",
                REFERRED_TO if self.state == CaseState.REFERRED else "", draw.registrar.pk, draw.unit.pk,
            )
        )  # fmt: skip
        if dispute:
            self.rows.add(
                DisputeRow(
                    self.case_id, r.choice([c for c in Category.values if c != Category.OTHER]), "",
                    *_applicant(self.case_id), "", "", "", False, self.agreement_text(), "", "", "",
                )
            )  # fmt: skip
            if self.agreed is not None:
                self.agreement()
        else:
            self.rows.add(
                HelpRequestRow(
                    self.case_id, f"泰兴市批量企业{self.case_id}有限公司", "91321283MA1NABCD0E", "刘经理",
                    f"139{self.case_id % 10**8:08d}", list(draw.specialties), "", False, None, "", None,
                )
            )  # fmt: skip


# ---- the server and the client -----------------------------------------------------------------------------


# The project on a real daphne, on the bench database, with Server-Timing on.
SERVER_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_LOG_LEVEL": "ERROR",
    # Persistent connections do not survive ASGI's thread per request (they pile up): one per request.
    "DJANGO_CONN_MAX_AGE": "0",
    "SERVER_TIMING": "1",
}


def credentials(people) -> dict[str, dict]:
    """Headers per person: a DRF token for the API, a session cookie for the pages."""
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    headers = {}
    for username in {who for _, who, _ in ENDPOINTS}:
        user = people[username]
        client = Client()
        client.force_login(user)
        headers[username] = {
            "api": {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"},
            "page": {
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
            },
        }
    return headers


class Samples:
    """The timed GETs of one endpoint on one server, over one keep-alive connection, bounded in time
    (``REQUEST_BUDGET_S`` in all)."""

    def __init__(self, server: str, path: str, headers: dict):
        self.connection = http.client.HTTPConnection(server, timeout=30)
        self.path = path
        self.headers = {**headers, "Connection": "keep-alive", "Accept-Language": "zh-hans"}
        self.seconds: list[float] = []
        self.queries: set[int] = set()
        self.db_ms: list[float] = []
        self.sizes: list[int] = []
        self.spent = 0.0

    def get(self, count: int, *, timed: bool = True) -> None:
        from config.server_timing import parse

        began_all = time.monotonic()
        for _ in range(count):
            if timed and self.spent + time.monotonic() - began_all > REQUEST_BUDGET_S:
                break
            began = time.perf_counter()
            self.connection.request("GET", self.path, headers=self.headers)
            response = self.connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - began
            if response.status != 200:
                raise RuntimeError(f"GET {self.path}: {response.status} {body[:300]!r}")
            if timed:
                timing = parse(response.getheader("Server-Timing", ""))
                self.seconds.append(elapsed)
                self.queries.add(timing["queries"])
                self.db_ms.append(timing["db_ms"])
                self.sizes.append(len(body))
        if timed:
            self.spent += time.monotonic() - began_all

    def summary(self) -> dict:
        self.connection.close()
        return {
            **summary_ms(self.seconds),
            "queries": sorted(self.queries),
            "db_p50_ms": round(sorted(self.db_ms)[len(self.db_ms) // 2], 2),
            "bytes": max(self.sizes),
        }


def measure(server: str, path: str, headers: dict) -> dict:
    """Warm up, then time up to ``REQUESTS`` GETs."""
    samples = Samples(server, path, headers)
    samples.get(WARMUP, timed=False)
    samples.get(REQUESTS)
    return samples.summary()


def measure_in_turns(targets: dict[int, tuple[str, str, dict]]) -> dict[int, dict]:
    """One endpoint at every size, each on its own server ``targets[size] = (server, path, headers)``: after
    the warm-up, ``REQUESTS`` GETs a size in ``TURNS`` turns, ordered small to large, large to small, …, so
    that what the machine does meanwhile falls on every size alike, and a ratio compares like with like."""
    samples = {size: Samples(*target) for size, target in targets.items()}
    for each in samples.values():
        each.get(WARMUP, timed=False)
    order = list(samples)
    for turn in range(TURNS):
        for size in order if turn % 2 == 0 else reversed(order):
            samples[size].get(-(-REQUESTS // TURNS))
    return {size: each.summary() for size, each in samples.items()}


def deep_cursor(people) -> str:
    """The cursor of the supervisor's case list halfway down (a page no one reaches by clicking)."""
    from cases.models import Case
    from cases.selectors import case_cursor, case_list_for_user

    cases = case_list_for_user(user=people["supervisor"])
    return case_cursor(cases[Case.objects.count() // 2])


def keyset_versus_offset(people) -> dict:
    """EXPLAIN ANALYZE of the halfway page of the supervisor's list: OFFSET (as before) against the cursor."""
    from django.db import connection

    from cases.models import Case
    from cases.selectors import case_list_for_user
    from cases.selectors.cases import _cursor_position

    total = Case.objects.count()
    cases = case_list_for_user(user=people["supervisor"])
    created_at, pk = _cursor_position(deep_cursor(people))
    offset_sql = cases[total // 2 : total // 2 + 50].query
    from django.db.models import Q

    keyset = cases.filter(created_at__lte=created_at).filter(Q(created_at__lt=created_at) | Q(pk__lt=pk))[:51]

    def execution_ms(query) -> float:
        sql, params = query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            return round(cursor.fetchone()[0][0]["Execution Time"], 2)

    return {"offset_ms": execution_ms(offset_sql), "keyset_ms": execution_ms(keyset.query)}


def size_database(size: int) -> tuple[str, float]:
    """The database of ``size`` cases, ``<database>_<size>``, generated afresh; with ``KEPT`` generated only when it
    is not there yet, and a kept one migrated (the code's new indexes and triggers) and analyzed. Switches this
    process's connection to it; ``(name, seconds spent generating)``."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from bench.common import bench_database, database_url, fresh_database
    from demo.org import build_org

    name = bench_database(f"{DATABASE}_{size}")
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        exists = KEPT and admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    connection.close()
    os.environ["DATABASE_URL"] = database_url(name) if exists else fresh_database(name)
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, interactive=False)
    began = time.monotonic()
    if exists:
        vacuum_analyze()
    else:
        Generator(build_org()).grow(size)
    return name, round(time.monotonic() - began, 1)


def measure_sizes() -> dict[str, dict]:
    """Every size served at once, each by a daphne of its own on its own database, and measured endpoint by
    endpoint in turns (``measure_in_turns``). The databases are dropped at the end unless ``KEPT``."""
    import psycopg
    from django.db import connection

    from bench.common import database_url
    from demo.org import build_org

    prepared = {}
    names = []
    try:
        with ExitStack() as servers:
            for size in SIZES:
                name, generated = size_database(size)
                names.append(name)
                print(f"  {size} cases in {name} (generated in {generated} s)", flush=True)
                people = build_org()
                server = servers.enter_context(
                    asgi_server({**SERVER_ENV, "DATABASE_URL": os.environ["DATABASE_URL"]})
                )
                prepared[size] = {
                    "server": server,
                    "headers": credentials(people),
                    "deep": deep_cursor(people),
                    "measured": {
                        "generated_s": generated,
                        "endpoints": {},
                        "deep_page": keyset_versus_offset(people),
                    },
                }
            for name, who, path in ENDPOINTS:
                kind = "api" if path.startswith("/api/") else "page"
                results = measure_in_turns(
                    {
                        size: (each["server"], path.format(deep=each["deep"]), each["headers"][who][kind])
                        for size, each in prepared.items()
                    }
                )
                for size, e in results.items():
                    prepared[size]["measured"]["endpoints"][name] = e
                    print(
                        f"    {name:30} {size:>8}: p50 {e['p50_ms']:7.2f}  p95 {e['p95_ms']:7.2f}  "
                        f"q {e['queries']}",
                        flush=True,
                    )
    finally:
        connection.close()
        if not KEPT:
            with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
                for name in names:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {str(size): each["measured"] for size, each in prepared.items()}


def main() -> None:
    started = time.monotonic()
    django_on(DATABASE, redis_db=REDIS_DB, fresh=False)  # not created: each size has a database of its own
    sizes = measure_sizes()
    write_result(
        "queues",
        {
            "requests_per_endpoint": REQUESTS,
            "warmup": WARMUP,
            "turns": TURNS,
            "sizes": sizes,
            "seconds": round(time.monotonic() - started, 1),
        },
    )


def table(result: dict) -> str:
    """Markdown: endpoint × size → p50 / p95 / queries, and the p95 ratio of the largest size to the smallest."""
    sizes = list(result["sizes"])
    first, last = sizes[0], sizes[-1]
    names = list(result["sizes"][first]["endpoints"])
    header = (
        ["endpoint"]
        + [f"{int(s):,} cases: p50 / p95 ms (queries; db ms p50)" for s in sizes]
        + [f"p95 {last}/{first}", f"db {last}/{first}"]
    )
    lines = [
        f"\n### Queues at scale ({result['requests_per_endpoint']} requests per endpoint and size, "
        f"after {result['warmup']} warm-up; real daphne, keep-alive"
        + (
            f"; the sizes side by side, each endpoint in {result['turns']} turns a size"
            if result.get("turns")
            else ""
        )
        + ")\n",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for name in names:
        cells = []
        for size in sizes:
            e = result["sizes"][size]["endpoints"][name]
            queries = "/".join(str(q) for q in e["queries"])
            cells.append(f"{e['p50_ms']:.1f} / {e['p95_ms']:.1f} ({queries}; {e['db_p50_ms']:.1f})")
        small, large = result["sizes"][first]["endpoints"][name], result["sizes"][last]["endpoints"][name]
        ratio = large["p95_ms"] / small["p95_ms"]
        db_ratio = large["db_p50_ms"] / max(small["db_p50_ms"], 0.01)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f}× | {db_ratio:.2f}× |")
    lines.append("")
    lines.append("Halfway page of the supervisor's case list, database execution time (EXPLAIN ANALYZE):")
    lines.append("")
    lines.append("| cases | OFFSET ms | keyset ms |")
    lines.append("|---|---|---|")
    for size in sizes:
        deep = result["sizes"][size]["deep_page"]
        lines.append(f"| {int(size):,} | {deep['offset_ms']} | {deep['keyset_ms']} |")
    lines.append(f"\nWhole part: {result['seconds']} s including data generation.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

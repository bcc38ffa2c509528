"""Queues at scale: the supervisor's board, the professional's queue and the case list at 1k, 10k and 100k cases.

Cases are written in bulk (PostgreSQL COPY) in the shapes the engine writes: the case and its detail row, a
``CaseProcess``, the flow's tasks (done steps with their owners, the open step as NEW in a queue or ASSIGNED
to its worker, CANCELED after a side exit) and the audit rows. Most old cases are finished, recent ones spread
over the open states, as in a year of real work. A real daphne serves the project (``SERVER_TIMING=1``);
each endpoint gets a bounded warm-up and a bounded number of requests over one keep-alive connection, and its
query count comes from the ``Server-Timing`` header, i.e. measured by the server on the real stack.

``python -m bench.queues`` (``make bench`` runs it); ``table(result)`` turns the JSON into Markdown.
"""

import http.client
import random
import time
from datetime import timedelta

from bench.common import asgi_server, django_on, summary_ms, vacuum_analyze, write_result

SIZES = (1_000, 10_000, 100_000)
WARMUP = 10
REQUESTS = 100
REQUEST_BUDGET_S = 20  # per endpoint and size: the loop stops early rather than run long
DATABASE = "tongxin_bench_queues"
REDIS_DB = 2
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
]


# ---- data -------------------------------------------------------------------------------------------------

# Main line of each kind: (state, steps done before it, the open step's node, who holds it).
DISPUTE_LINE = [
    ("registered", [], "triage"),
    ("triaged", ["triage"], "convene"),
    ("consulting", ["triage", "convene"], "consult"),
    ("resolving", ["triage", "convene", "consult"], "resolution"),
    ("follow_up", ["triage", "convene", "consult", "resolution"], "follow_up"),
    ("commending", ["triage", "convene", "consult", "resolution", "follow_up"], "assess"),
    ("closed", ["triage", "convene", "consult", "resolution", "follow_up", "assess"], None),
]
HELP_LINE = [
    ("submitted", [], "dispatch"),
    ("dispatched", ["dispatch"], "advise"),
    ("claimed", ["dispatch"], "advise"),
    ("consulting", ["dispatch", "advise"], "joint_session"),
    ("resolving", ["dispatch", "advise", "joint_session"], "resolution"),
    ("feedback", ["dispatch", "advise", "joint_session", "resolution"], "feedback"),
    ("commending", ["dispatch", "advise", "joint_session", "resolution", "feedback"], "assess"),
    ("closed", ["dispatch", "advise", "joint_session", "resolution", "feedback", "assess"], None),
]
# The transition each step makes when done (audit row), by node name.
STEP_TRANSITION = {
    "triage": ("triage", "triaged"),
    "convene": ("convene", "consulting"),
    "consult": ("conclude", "resolving"),
    "resolution": ("resolve", None),
    "follow_up": ("confirm", "commending"),
    "assess": ("commend", "closed"),
    "dispatch": ("dispatch", "dispatched"),
    "joint_session": ("conclude", "resolving"),
    "feedback": ("rate", "commending"),
}
SIDE_EXITS = {"dispute": ["rejected", "referred", "withdrawn"], "help_request": ["rejected", "withdrawn"]}
SPECIALTIES = ["legal", "accounting", "tax"]


class Generator:
    """Writes cases in bulk with ids of its own (then moves the sequences past them)."""

    def __init__(self, people):
        from django.conf import settings
        from django.db import connection
        from viewflow.workflow.fields import get_flow_ref, get_task_ref

        from cases.models import Unit
        from workflow.flows import DisputeFlow, HelpRequestFlow

        self.connection = connection
        self.random = random.Random(SEED)
        self.people = people
        self.deadlines = settings.CASE_STEP_DEADLINE_HOURS
        units = {unit.name: unit for unit in Unit.objects.all()}
        hailing = people["supervisor_hailing"]
        taixing = people["supervisor_taixing"]
        # Where disputes are registered, by whom, and who works the unit (None: nobody; the step waits unowned).
        self.dispute_units = [
            (units["祥泰社区"], [people["mediator"], people["mediator2"]], 5),
            (units["济川街道"], [people["mediator_street"]], 2),
            (units["成蹊新联之家"], [people["mediator_chengxi"]], 3),
            (units["城西街道"], [hailing], 1),
            (units["e呼百应工作室"], [hailing], 2),
            (units["泰兴城区工业园区"], [taixing], 1),
        ]
        self.help_units = [
            (units["泰兴城区工业园区三师助企工作站"], [people["liaison"]], 4),
            (units["e呼百应工作室"], [hailing], 1),
        ]
        self.professionals = {
            "legal": [people["lawyer"], people["lawyer2"]],
            "accounting": [people["accountant"]],
            "tax": [people["tax_advisor"]],
        }
        self.flow_ref = {"dispute": get_flow_ref(DisputeFlow), "help_request": get_flow_ref(HelpRequestFlow)}
        self.flows = {"dispute": DisputeFlow, "help_request": HelpRequestFlow}
        self.task_ref = lambda kind, name: get_task_ref(getattr(self.flows[kind], name))
        self.now = None

    def _next_ids(self) -> dict:
        with self.connection.cursor() as cursor:
            ids = {}
            for table in ("cases_case", "viewflow_process", "viewflow_task", "cases_auditentry"):
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
                ids[table] = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(MAX(last), 0) FROM cases_referencecounter WHERE year = 2026")
            ids["reference"] = cursor.fetchone()[0] + 1
        return ids

    def add(self, count: int) -> None:
        from django.db import transaction
        from django.utils import timezone

        self.now = timezone.now()
        ids = self._next_ids()
        rows = {name: [] for name in ("case", "dispute", "help", "process", "caseprocess", "task", "audit")}
        for offset in range(count):
            self._case(ids, rows, reference_number=ids["reference"] + offset)
        with transaction.atomic(), self.connection.cursor() as cursor:
            self._copy(cursor, rows)
            for table in ("cases_case", "viewflow_process", "viewflow_task", "cases_auditentry"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
            cursor.execute(
                "INSERT INTO cases_referencecounter (year, last) VALUES (2026, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
                [ids["reference"] + count - 1],
            )
        vacuum_analyze()  # steady state, as autovacuum leaves it (index-only scans need the visibility map)

    def _pick(self, choices):
        return self.random.choices([c[:2] for c in choices], weights=[c[2] for c in choices])[0]

    def _case(self, ids, rows, *, reference_number: int) -> None:
        r = self.random
        kind = "dispute" if r.random() < 0.6 else "help_request"
        unit, registrars = self._pick(self.dispute_units if kind == "dispute" else self.help_units)
        registrar = r.choice(registrars)
        # Most cases are months old and finished; the last 60 days hold the open ones.
        recent = r.random() < 0.15
        age = timedelta(days=r.uniform(0, 60) if recent else r.uniform(60, 730))
        created = self.now - age
        line = DISPUTE_LINE if kind == "dispute" else HELP_LINE
        if recent:
            state, done, open_node = r.choice(line)
        elif r.random() < 0.85:
            state, done, open_node = line[-1]
        else:
            state, done, open_node = r.choice(line[:2])
            state = r.choice(SIDE_EXITS[kind])
        case_id = ids["cases_case"]
        ids["cases_case"] += 1
        works_unit = registrar.has_role("mediator" if kind == "dispute" else "liaison")
        worker = registrar if works_unit else None
        specialties = sorted(r.sample(SPECIALTIES, r.randint(1, 2))) if kind == "help_request" else []
        terminal = state in ("closed", "rejected", "referred", "withdrawn")
        clock = created

        def tick(hours_max: float = 30):
            nonlocal clock
            clock = clock + timedelta(hours=r.uniform(0.2, hours_max))
            return min(clock, self.now)

        process_id = ids["viewflow_process"]
        ids["viewflow_process"] += 1
        audit = rows["audit"]

        def audit_row(action, name, from_state, to_state, actor, *, task=None, subject=None, on_time=None):
            audit.append(
                (ids["cases_auditentry"], action, name, from_state, to_state, "", task, on_time, tick(2), actor,
                 subject, case_id)
            )  # fmt: skip
            ids["cases_auditentry"] += 1

        def task_row(name, kind_, status, owner, *, started=None, finished=None, token="start"):
            task_id = ids["viewflow_task"]
            ids["viewflow_task"] += 1
            flow_task = self.task_ref(kind, name)
            created_at = tick(4)
            rows["task"].append(
                (task_id, flow_task, kind_, status, created_at, started, finished, token, owner, process_id,
                 created_at if owner else None, "{}")
            )  # fmt: skip
            return task_id, created_at

        first_state = "registered" if kind == "dispute" else "submitted"
        audit_row("registered", "register", "", first_state, registrar.pk)
        task_row("start", "START", "DONE", None, started=clock, finished=clock)
        current = first_state
        for step in done:
            if step == "advise":
                task_row("split", "PARALLEL_GATEWAY", "DONE", None, finished=clock)
                for specialty in specialties:
                    pro = r.choice(self.professionals[specialty])
                    task_id, at = task_row(
                        f"advise_{specialty}", "HUMAN", "DONE", pro.pk, started=clock, finished=tick()
                    )
                    audit_row("claimed", f"advise_{specialty}", "", "", pro.pk, task=task_id, subject=pro.pk)
                    audit_row("task_done", "advise", "", "", pro.pk, task=task_id, on_time=True)
                task_row("join", "PARALLEL_GATEWAY", "DONE", None, finished=clock)
                audit_row("transition", "consult", "claimed", "consulting", None)
                current = "consulting"
                continue
            owner = self.people["supervisor"] if step == "assess" else (worker or registrar)
            task_id, at = task_row(step, "HUMAN", "DONE", owner.pk, started=clock, finished=tick())
            name, target = STEP_TRANSITION[step]
            target = target or ("follow_up" if kind == "dispute" else "feedback")
            audit_row("transition", name, current, target, owner.pk)
            audit_row("task_done", step, "", "", owner.pk, task=task_id, on_time=r.random() < 0.9)
            current = target
        due_at = None
        if open_node is not None:
            cancelled = terminal
            status_of = (
                (lambda owner: "CANCELED") if cancelled else (lambda owner: "ASSIGNED" if owner else "NEW")
            )
            if open_node == "advise":
                if not cancelled:
                    task_row("split", "PARALLEL_GATEWAY", "DONE", None, finished=clock)
                claimer = None  # a claimed request: its first specialty's task was claimed, the others wait
                for specialty in specialties:
                    pro = None
                    if state == "claimed" and claimer is None:
                        pro = claimer = r.choice(self.professionals[specialty])
                    task_id, at = task_row(f"advise_{specialty}", "HUMAN", status_of(pro), pro and pro.pk)
                    if pro:
                        audit_row(
                            "claimed", f"advise_{specialty}", "", "", pro.pk, task=task_id, subject=pro.pk
                        )
                if claimer is not None:
                    audit_row("transition", "claim", "dispatched", "claimed", claimer.pk)
                step = "advise"
            else:
                owner = None if open_node == "assess" else worker
                task_id, at = task_row(open_node, "HUMAN", status_of(owner), owner and owner.pk)
                step = {"resolution": "resolve"}.get(open_node, open_node)
            due_at = at + timedelta(hours=self.deadlines.get(step, 72))
        if state in ("rejected", "referred", "withdrawn"):
            name = {"rejected": "reject", "referred": "refer", "withdrawn": "withdraw"}[state]
            audit_row("transition", name, current, state, registrar.pk)
        process_status = "DONE" if state == "closed" else ("CANCELED" if terminal else "NEW")
        if state == "closed":
            task_row("end", "END", "DONE", None, finished=clock)
        finished = clock if terminal else None
        reference = f"TX-2026-{reference_number:06d}"
        rows["case"].append(
            (case_id, reference, kind, "tongxin_jiefang" if kind == "dispute" else "xiangtai_nuanxin",
             r.choice(["visit", "phone", "online"]), r.choices([1, 2, 3], [8, 3, 1])[0], state,
             f"批量案件 {reference}", created, clock, None if terminal else due_at,
             finished if state == "closed" else None, "" if state not in SIDE_EXITS[kind] else "批量", "",
             registrar.pk, unit.pk)
        )  # fmt: skip
        if kind == "dispute":
            rows["dispute"].append(
                (case_id, r.choice(["neighbour", "property", "labour", "consumer", "family"]), "",
                 f"申请人{case_id}", f"138{case_id % 10**8:08d}", "", "", "", False, "", "", "", "")
            )  # fmt: skip
        else:
            rows["help"].append(
                (case_id, f"泰兴市批量企业{case_id}有限公司", "91321283MA1NABCD0E", "刘经理",
                 f"139{case_id % 10**8:08d}", specialties, "", False, None, "", None)
            )  # fmt: skip
        rows["process"].append(
            (
                process_id,
                self.flow_ref[kind],
                process_status,
                created,
                finished,
                {"assignee_id": registrar.pk},
            )
        )
        rows["caseprocess"].append((process_id, case_id))

    def _copy(self, cursor, rows) -> None:
        from psycopg.types.json import Jsonb

        tables = [
            ("cases_case", "id, reference, kind, brand, channel, priority, state, description, created_at, "
             "updated_at, due_at, closed_at, exit_reason, referred_to, created_by_id, unit_id", rows["case"]),
            ("cases_disputedetail", "case_id, category, grid, applicant_name, applicant_phone, applicant_id_number, "
             "respondent_name, respondent_phone, may_escalate, agreement_text, outcome, follow_up_answer, "
             "follow_up_note", rows["dispute"]),
            ("cases_helprequestdetail", "case_id, enterprise_name, credit_code, contact_name, contact_phone, "
             "specialties, solution, proxy_service_done, rating, rating_comment, card_id",
             [(*row[:5], Jsonb(row[5]), *row[6:]) for row in rows["help"]]),
            ("viewflow_process", "id, flow_class, status, created, finished, data",
             [(*row[:5], Jsonb(row[5])) for row in rows["process"]]),
            ("casework_flow_caseprocess", "process_ptr_id, case_id", rows["caseprocess"]),
            ("viewflow_task", "id, flow_task, flow_task_type, status, created, started, finished, token, owner_id, "
             "process_id, assigned, data", [(*row[:11], Jsonb({})) for row in rows["task"]]),
            ("cases_auditentry", "id, action, name, from_state, to_state, reason, task_id, on_time, created_at, "
             "actor_id, subject_id, case_id", rows["audit"]),
        ]  # fmt: skip
        for table, columns, table_rows in tables:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in table_rows:
                    copy.write_row(row)


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


def measure(server: str, path: str, headers: dict) -> dict:
    """Warm up, then time up to ``REQUESTS`` GETs over one keep-alive connection (bounded in time too)."""
    from config.server_timing import parse

    connection = http.client.HTTPConnection(server, timeout=30)
    headers = {**headers, "Connection": "keep-alive", "Accept-Language": "zh-hans"}
    seconds, queries, db_ms, sizes = [], set(), [], []
    started = time.monotonic()
    try:
        for number in range(WARMUP + REQUESTS):
            began = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - began
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
            if number < WARMUP:
                continue
            timing = parse(response.getheader("Server-Timing", ""))
            seconds.append(elapsed)
            queries.add(timing["queries"])
            db_ms.append(timing["db_ms"])
            sizes.append(len(body))
            if time.monotonic() - started > REQUEST_BUDGET_S:
                break
    finally:
        connection.close()
    return {
        **summary_ms(seconds),
        "queries": sorted(queries),
        "db_p50_ms": round(sorted(db_ms)[len(db_ms) // 2], 2),
        "bytes": max(sizes),
    }


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
    from cases.selectors import _cursor_position, case_list_for_user

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


def main() -> None:
    started = time.monotonic()
    django_on(DATABASE, redis_db=REDIS_DB)
    from cases.demo import build_org

    people = build_org()
    generator = Generator(people)
    headers = credentials(people)
    sizes = {}
    with asgi_server(SERVER_ENV) as server:
        have = 0
        for size in SIZES:
            began = time.monotonic()
            generator.add(size - have)
            have = size
            generated = round(time.monotonic() - began, 1)
            print(f"  {size} cases generated in {generated} s", flush=True)
            deep = deep_cursor(people)
            endpoints = {}
            for name, who, path in ENDPOINTS:
                kind = "api" if path.startswith("/api/") else "page"
                endpoints[name] = measure(server, path.format(deep=deep), headers[who][kind])
                e = endpoints[name]
                print(
                    f"    {name:26} p50 {e['p50_ms']:7.2f}  p95 {e['p95_ms']:7.2f}  q {e['queries']}",
                    flush=True,
                )
            sizes[str(size)] = {
                "generated_s": generated,
                "endpoints": endpoints,
                "deep_page": keyset_versus_offset(people),
            }
    write_result(
        "queues",
        {
            "requests_per_endpoint": REQUESTS,
            "warmup": WARMUP,
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
        f"after {result['warmup']} warm-up; real daphne, keep-alive)\n",
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

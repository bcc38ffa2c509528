"""Part 4: the deadline timers. How fast the real runner fires due reminders, with one and with two runner
processes, against a bare conditional UPDATE in the same run; and what keeping the due moments adds to the
steps of a lifecycle.

**Firing.** ``BENCH_TIMERS`` (5,000) due reminders, each of an open step of its own case: the yellow and the red
reminder of the triage of 40 % of them as many disputes (held by their mediator), and of the claim of the advice
of 10 % as many help requests (waiting in the tax advisors' queue), written in bulk in the engine's shapes
(``bench.queues.Generator``), then made due. Each run starts from the same armed set (untimed: the timers
unfired and due an hour ago, no notification, ``VACUUM ANALYZE``) and runs in fresh processes that start
together at a barrier; it is timed from the barrier until every process found nothing more to fire:
- the runner: one pass of ``manage.py run_timers`` (``workflow.services.timers.timers_serve``), batches of 100 in
  one transaction each, with the notifications of each reminder, its audit row (a board event) and its pushes;
- the baseline: the bare claim, ``UPDATE … SET fired_at … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT
  100)`` in a loop, one transaction per batch, nothing else.
- the same firing one timer at a time (``each``): the due rows read by index, each fired by its own conditional
  UPDATE committed on its own, as item 8 of issue 13 states the rule ("fired by one conditional update");
- the floor of the rows: the same claim and, in the same statement, the rows a reminder must write (its audit row
  and its notifications, ``FLOOR``): what the runner would cost with no Python between the rows.
After each run every timer has fired exactly once (and, for the runner, each reminder notified its people once).

**Keeping due moments.** ``BENCH_TIMER_LIFECYCLES`` (12, after 3 more to warm up) help requests through their
lifecycle (``bench.lifecycle``) with the clocks kept, then as many with ``clocks_keep`` and ``clock_taken``
patched out in this process (there is no switch for it: the clocks are part of every step), statements and
milliseconds per operation.

``python -m bench timers``; ``table(result)`` turns the JSON into Markdown.
"""

import multiprocessing
import os
import sys
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta

from bench.common import QueryCounter, django_on, vacuum_analyze, write_result

PART = "timers"
DATABASE = "tongxin_bench_timers"
REDIS_DB = 4
TIMERS = int(os.environ.get("BENCH_TIMERS", "5000"))
LIFECYCLES = int(os.environ.get("BENCH_TIMER_LIFECYCLES", "12"))
LIFECYCLE_WARM_UP = 3
BATCH = 100
RUN_TIMEOUT_S = 300
RUNS = [(kind, n) for n in (1, 2) for kind in ("baseline", "each", "floor", "runner")]
FIRE = {"baseline": "baseline_fire", "each": "each_fire", "floor": "floor_fire", "runner": "runner_fire"}


# ---- the timers ---------------------------------------------------------------------------------------------


def write_cases(people) -> dict[str, int]:
    """The cases whose steps' reminders are fired: disputes registered (triage with their mediator) and help
    requests dispatched (one advice each, in the tax queue), a day old."""
    from bench.queues import Draw, Generator
    from cases.models import CaseKind, Unit

    generator = Generator(people)
    units = {unit.name: unit for unit in Unit.objects.all()}
    registered = next(s for s in generator.lines[CaseKind.DISPUTE].stops if s.state == "registered")
    dispatched = next(s for s in generator.lines[CaseKind.HELP_REQUEST].stops if s.state == "dispatched")
    disputes, requests = TIMERS * 4 // 10, TIMERS // 10
    assert 2 * (disputes + requests) == TIMERS, "BENCH_TIMERS: a multiple of 10"
    since = generator.now - timedelta(days=1)
    generator.add(
        disputes,
        lambda: Draw(CaseKind.DISPUTE, units["祥泰社区"], people["mediator"], since, (), registered),
    )
    generator.add(
        requests,
        lambda: Draw(
            CaseKind.HELP_REQUEST,
            units["泰兴城区工业园区三师助企工作站"],
            people["liaison"],
            since,
            ("tax",),
            dispatched,
        ),
    )
    return {"disputes": disputes, "help_requests": requests}


def arm() -> tuple[int, datetime]:
    """Every reminder of an open step unfired and due (yellow two hours ago, red one), the 督办 not yet due; no
    notification and no audit row of a fired reminder left. Then what autovacuum would do. Untimed."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_notification")
        # The audit trail is append-only (a trigger, migration 0011): the bench's own database lifts it for this
        # reset only, as a replica applying changes would.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM cases_auditentry WHERE action IN ('due_soon', 'overdue')")
        cursor.execute(
            "UPDATE cases_timer t SET fired_at = NULL, "
            "due_at = CASE t.kind WHEN 'yellow' THEN %s ELSE %s END "
            "FROM cases_clock c WHERE t.clock_id = c.id AND c.stopped_at IS NULL "
            "AND c.task_id IS NOT NULL AND t.kind IN ('yellow', 'red')",
            [now - timedelta(hours=2), now - timedelta(hours=1)],
        )
        armed = cursor.rowcount
        cursor.execute(
            "UPDATE cases_timer SET fired_at = NULL, due_at = %s WHERE kind = 'supervise'",
            [now + timedelta(days=30)],
        )
    vacuum_analyze()
    return armed, now


def baseline_fire(batch: int = BATCH) -> int:
    """The floor: the runner's claim alone, a batch per transaction, until nothing is due."""
    from django.db import connection, transaction
    from django.utils import timezone

    fired = 0
    while True:
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_timer SET fired_at = %s WHERE id IN ("
                "SELECT id FROM cases_timer WHERE fired_at IS NULL AND due_at <= %s "
                "AND kind IN ('yellow', 'red', 'supervise') ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED"
                ") RETURNING id",
                [now, now, batch],
            )
            count = len(cursor.fetchall())
        fired += count
        if count < batch:
            return fired


def each_fire(batch: int = BATCH) -> int:
    """Item 8's firing alone, done the plain way: read the due rows by index, fire each by its own conditional
    UPDATE (``… WHERE id = %s AND fired_at IS NULL``), committed on its own; the process whose UPDATE changed a
    row fired it. Nothing else."""
    from django.db import connection
    from django.utils import timezone

    fired = 0
    with connection.cursor() as cursor:
        while True:
            now = timezone.now()
            cursor.execute(
                "SELECT id FROM cases_timer WHERE fired_at IS NULL AND due_at <= %s "
                "AND kind IN ('yellow', 'red', 'supervise') ORDER BY due_at LIMIT %s",
                [now, batch],
            )
            due = [row[0] for row in cursor.fetchall()]
            if not due:
                return fired
            for timer in due:
                cursor.execute(
                    "UPDATE cases_timer SET fired_at = %s WHERE id = %s AND fired_at IS NULL", [now, timer]
                )
                fired += cursor.rowcount


# The floor of what firing a reminder must write: the claim, the reminder's audit row (its board event) and its
# notifications (the step's holder, or each who may take it from its queue), in one statement per batch, with
# no Python between the rows. What the runner adds on top: deciding who hears (the rules), the texts, the
# pushes after commit, the 督办 of red steps.
FLOOR = """
WITH claimed AS (
    UPDATE cases_timer SET fired_at = %(now)s WHERE id IN (
        SELECT id FROM cases_timer WHERE fired_at IS NULL AND due_at <= %(now)s
        AND kind IN ('yellow', 'red', 'supervise') ORDER BY due_at LIMIT %(batch)s FOR UPDATE SKIP LOCKED
    ) RETURNING clock_id, kind
), reminders AS (
    SELECT claimed.kind, clock.case_id, clock.task_id, clock.step, clock.due_at, c.reference, task.owner_id
    FROM claimed
    JOIN cases_clock clock ON clock.id = claimed.clock_id
    JOIN cases_case c ON c.id = clock.case_id
    JOIN viewflow_task task ON task.id = clock.task_id AND task.status IN ('NEW', 'ASSIGNED', 'STARTED')
), audits AS (
    INSERT INTO cases_auditentry (action, name, from_state, to_state, reason, task_id, created_at, case_id)
    SELECT CASE kind WHEN 'yellow' THEN 'due_soon' ELSE 'overdue' END, step, '', '', '', task_id, %(now)s,
        case_id
    FROM reminders RETURNING id
), notes AS (
    INSERT INTO notifications_notification (recipient_id, type, case_id, payload, created_at)
    SELECT coalesce(r.owner_id, takers.id), CASE r.kind WHEN 'yellow' THEN 'deadline.near'
        ELSE 'deadline.passed' END, r.case_id, jsonb_build_object('reference', r.reference, 'task_id', r.task_id,
        'step', r.step, 'due', to_char(r.due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')), %(now)s
    FROM reminders r LEFT JOIN unnest(%(takers)s::integer[]) AS takers(id) ON r.owner_id IS NULL
    RETURNING id
)
SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM audits), (SELECT count(*) FROM notes)
"""


def floor_fire(batch: int = BATCH) -> int:
    """The claim and the rows of its reminders in one statement per batch (``FLOOR``), until nothing is due."""
    from django.db import connection, transaction
    from django.utils import timezone

    takers = queue_takers()
    fired = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FLOOR, {"now": timezone.now(), "batch": batch, "takers": takers})
            count = cursor.fetchone()[0]
        fired += count
        if count < batch:
            return fired


def queue_takers() -> list[int]:
    """Who hears of a help request's advice waiting in the tax queue (``write_cases``): the floor is handed the
    runner's answer, asked once before the run."""
    from viewflow.workflow.models import Task

    from workflow.services.announce import takers

    task = Task.objects.filter(flow_task_type="HUMAN", owner__isnull=True, status="NEW").first()
    assert task is not None
    return sorted(takers(task, task.process.caseprocess.case))


def runner_fire(batch: int = BATCH) -> int:
    """The runner, as ``manage.py run_timers`` runs it (``timers_serve``): one pass fires everything due."""
    from workflow.services.timers import timers_serve

    counts: list[int] = []
    timers_serve(batch=batch, once=True, fired=counts.append)
    return sum(counts)


def warm_up() -> None:
    """What a runner that has been running has: a connection, the flows, the channel layer."""
    from channels.layers import get_channel_layer
    from django.db import connection
    from viewflow.workflow.models import Task

    from workflow.services.timers import timers_serve  # noqa: F401

    connection.ensure_connection()
    task = Task.objects.filter(flow_task_type="HUMAN").first()
    assert task is not None and task.flow_task.step is not None
    get_channel_layer()


def worker(kind: str, start, results) -> None:
    """One runner (or baseline) process: its own connection; fires from the barrier until nothing is due."""
    django_on(DATABASE, redis_db=REDIS_DB, fresh=False)
    warm_up()
    fire = globals()[FIRE[kind]]
    counter = QueryCounter()
    start.wait()
    started = time.perf_counter()
    with counter.counting():
        fired = fire()
    results.put((fired, time.perf_counter() - started, counter.count))


def in_processes(kind: str, processes: int) -> dict:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    workers = [context.Process(target=worker, args=(kind, start, results)) for _ in range(processes)]
    for process in workers:
        process.start()
    start.wait(timeout=120)
    started = time.perf_counter()
    done = [results.get(timeout=RUN_TIMEOUT_S) for _ in workers]
    wall = time.perf_counter() - started
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0, f"a {kind} process failed"
    fired = sum(count for count, _seconds, _statements in done)
    statements = sum(statements for _count, _seconds, statements in done)
    return {
        "processes": processes,
        "fired": fired,
        "wall_s": round(wall, 3),
        "timers_per_s": round(fired / wall, 1),
        "fired_by_process": [count for count, _seconds, _statements in done],
        "statements": statements,
        "statements_per_batch": round(statements / (fired / BATCH), 1),
    }


def check(kind: str, armed: int, since: datetime) -> dict:
    """Every armed timer fired once; the runner's (and the floor's) reminders each told their people once, with
    one audit row."""
    from cases.models import AuditAction, AuditEntry, Timer
    from notifications.models import Notification

    fired = Timer.objects.filter(fired_at__gte=since).count()
    assert fired == armed, f"{kind}: {fired} of {armed} fired"
    notes = Notification.objects.filter(type__startswith="deadline.")
    audits = AuditEntry.objects.filter(action__in=[AuditAction.DUE_SOON, AuditAction.OVERDUE]).count()
    if kind in ("baseline", "each"):
        assert notes.count() == audits == 0
        return {"notifications": 0, "audit_rows": 0}
    assert audits == armed, f"{audits} audit rows for {armed} reminders"
    once = notes.values("recipient", "type", "payload__task_id").distinct().count()
    assert once == notes.count(), "a reminder notified someone twice"
    return {"notifications": notes.count(), "audit_rows": audits}


def fire_all() -> dict:
    runs = {}
    for kind, processes in RUNS:
        armed, since = arm()
        assert armed == TIMERS, f"{armed} reminders armed, not {TIMERS}"
        print(f"timers: {armed} due, {kind} in {processes} process(es) …", flush=True)
        run = in_processes(kind, processes)
        run |= check(kind, armed, since)
        runs[f"{kind}_{processes}"] = run
        print(f"  {run['timers_per_s']} timers/s ({run['wall_s']} s)", flush=True)
    return runs


# ---- the lifecycle with and without keeping the due moments ------------------------------------------------


@contextmanager
def clocks_not_kept():
    """No clock started, stopped or moved, no timer written, no due moment kept: the two calls the workflow makes
    (``clocks_keep`` after each step, ``clock_taken`` on a first claim) do nothing."""
    from unittest import mock

    with ExitStack() as stack:
        stack.enter_context(mock.patch("workflow.services.announce.clocks_keep", lambda **kwargs: {}))
        stack.enter_context(mock.patch("workflow.services.tasks.clock_taken", lambda **kwargs: None))
        yield


def lifecycles() -> dict:
    from bench.lifecycle import as_served, engine_lifecycle, measure

    vacuum_analyze()
    print(f"timers: {LIFECYCLES} lifecycles keeping due moments …", flush=True)
    kept = as_served(measure, engine_lifecycle, LIFECYCLES, LIFECYCLE_WARM_UP)
    vacuum_analyze()
    print(f"timers: {LIFECYCLES} lifecycles without …", flush=True)
    with clocks_not_kept():
        without = as_served(measure, engine_lifecycle, LIFECYCLES, LIFECYCLE_WARM_UP)
    assert without["rows_per_lifecycle"]["cases_clock"] == 0 and kept["rows_per_lifecycle"]["cases_clock"] > 0
    return {"kept": kept, "not_kept": without}


def main() -> None:
    began = time.monotonic()
    django_on(DATABASE, redis_db=REDIS_DB)
    from demo.org import build_org

    people = build_org()
    started = time.monotonic()
    cases = write_cases(people)
    generated = round(time.monotonic() - started, 1)
    print(f"timers: {sum(cases.values())} cases written in {generated} s", flush=True)
    result: dict = {"timers": TIMERS, "batch": BATCH, "cases": cases, "generated_s": generated}
    runs = result["runs"] = fire_all()
    result["ratio"] = {
        str(n): round(runs[f"runner_{n}"]["timers_per_s"] / runs[f"baseline_{n}"]["timers_per_s"], 3)
        for n in (1, 2)
    }
    result["ratio_to_each"] = {
        str(n): round(runs[f"runner_{n}"]["timers_per_s"] / runs[f"each_{n}"]["timers_per_s"], 3)
        for n in (1, 2)
    }
    result["ratio_to_floor"] = {
        str(n): round(runs[f"runner_{n}"]["timers_per_s"] / runs[f"floor_{n}"]["timers_per_s"], 3)
        for n in (1, 2)
    }
    result["lifecycle"] = lifecycles()
    result["seconds"] = round(time.monotonic() - began, 1)
    write_result(PART, result)
    print(table(result))


def table(result: dict) -> str:
    runs = result["runs"]
    lines = [
        f"### Timers ({result['timers']:,} due reminders, batches of {result['batch']}; "
        f"{result['cases']['disputes']:,} disputes and {result['cases']['help_requests']:,} help requests)",
        "",
        "| | one process: timers/s (s) | two processes: timers/s (s) | statements per batch |",
        "|---|---:|---:|---:|",
    ]
    labels = (
        ("runner", "runner (`run_timers`)"),
        ("baseline", "bare conditional UPDATE, a batch per statement"),
        ("each", "bare conditional UPDATE, one per timer"),
        ("floor", "the claim and its rows in one statement"),
    )
    for kind, label in labels:
        one, two = runs[f"{kind}_1"], runs[f"{kind}_2"]
        lines.append(
            f"| {label} | {one['timers_per_s']:,} ({one['wall_s']}) | {two['timers_per_s']:,} ({two['wall_s']}) "
            f"| {one['statements_per_batch']} |"
        )
    ratio = result["ratio"]
    lines += [
        f"| runner ÷ bare UPDATE, a batch per statement | **{ratio['1']}×** | **{ratio['2']}×** | |",
        f"| runner ÷ bare UPDATE, one per timer | **{result['ratio_to_each']['1']}×** | "
        f"**{result['ratio_to_each']['2']}×** | |",
        f"| runner ÷ the claim and its rows | **{result['ratio_to_floor']['1']}×** | "
        f"**{result['ratio_to_floor']['2']}×** | |",
        "",
        f"Each runner run: {runs['runner_1']['notifications']:,} notifications and "
        f"{runs['runner_1']['audit_rows']:,} audit rows (board events); the two processes fired "
        f"{' + '.join(str(n) for n in runs['runner_2']['fired_by_process'])}; every timer once.",
        "",
    ]
    kept, bare = result["lifecycle"]["kept"], result["lifecycle"]["not_kept"]
    steps = kept["operations_per_lifecycle"]
    lines += [
        f"Keeping due moments, {kept['lifecycles']} help-request lifecycles each ({steps} operations):",
        "",
        "| operation | statements, not kept | kept | ms, not kept | kept |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {bare['queries_per_operation'][name]} | {count} | {bare['ms_per_operation'][name]} | "
            f"{kept['ms_per_operation'][name]} |"
            for name, count in kept["queries_per_operation"].items()
        ),
        f"| **per lifecycle** | **{bare['queries_per_lifecycle']}** | **{kept['queries_per_lifecycle']}** | "
        f"{1000 / bare['lifecycles_per_s']:.1f} | {1000 / kept['lifecycles_per_s']:.1f} |",
        f"| per operation | {bare['queries_per_lifecycle'] / steps:.1f} | {kept['queries_per_lifecycle'] / steps:.1f}"
        f" | {1000 / bare['lifecycles_per_s'] / steps:.1f} | {1000 / kept['lifecycles_per_s'] / steps:.1f} |",
        "",
        f"Whole part: {result['seconds']} s.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    main()

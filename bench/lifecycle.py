"""Part 1: help requests through their whole lifecycle via the services the pages and the API call, against
the bare-ORM baseline (``bench.baseline``) writing the same rows, in the same run and in turns (one lifecycle of
each, then the next), so that the load of a shared machine falls on both alike; then each again with two worker
processes at once.

A lifecycle is nine operations: intake, dispatch, claim, advice, joint session, resolution, feedback, claim of
the assessment, assessment. Only the operations are timed and their SQL counted; finding the next task id
(what a page already shows its user) is the driver's and is left out of both.
"""

import multiprocessing
import os
import sys
import time

from bench.common import QueryCounter, django_on, scaled, vacuum_analyze, write_result

PART = "lifecycle"
DATABASE = "tongxin_bench_lifecycle"
REDIS_DB = 1
LIFECYCLES = int(os.environ.get("BENCH_LIFECYCLES", scaled("600", "2000")))
PARALLEL_LIFECYCLES = int(
    os.environ.get("BENCH_PARALLEL_LIFECYCLES", scaled("300", "1600"))
)  # over two workers
WARM_UP = 20
ROWS_SAMPLE = 10  # lifecycles of each whose rows are counted, before the timed turns
VACUUM_EVERY = 250  # lifecycles between the (untimed) VACUUM ANALYZE that autovacuum would do
TABLES = (
    "cases_case", "cases_helprequestdetail", "cases_auditentry", "cases_advice", "cases_meeting",
    "cases_assessment", "cases_pointaward", "viewflow_process", "casework_flow_caseprocess", "viewflow_task",
    "viewflow_task_previous", "notifications_notification", "cases_caseparticipant", "cases_clock", "cases_timer",
    "cases_trackingcode", "cases_satisfactionlink", "cases_smsmessage",
)  # fmt: skip


class Clock:
    """Sums the time and the SQL statements of the operations run through it, by operation name."""

    def __init__(self):
        self.seconds = 0.0
        self.seconds_by_name: dict[str, float] = {}
        self.queries: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.counter = QueryCounter()

    def __call__(self, name: str, operation, **kwargs):
        before = self.counter.count
        with self.counter.counting():
            started = time.perf_counter()
            result = operation(**kwargs)
            spent = time.perf_counter() - started
        self.seconds += spent
        self.seconds_by_name[name] = self.seconds_by_name.get(name, 0.0) + spent
        self.queries[name] = self.queries.get(name, 0) + self.counter.count - before
        self.calls[name] = self.calls.get(name, 0) + 1
        return result


def cast():
    """The people of a lifecycle, read once."""
    from cases.models import User

    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=["liaison", "tax_advisor", "supervisor", "supervisor_taixing"]
        )
    }
    for user in people.values():
        user.roles  # noqa: B018 - read the roles once, as a signed-in request has them
    return people


def intake_fields() -> dict:
    from demo.org import ENTERPRISES

    name, code = ENTERPRISES[0]
    return {
        "enterprise_name": name,
        "credit_code": code,
        "contact_name": "刘经理",
        "contact_phone": "13912345678",
        "specialties": ["tax"],
        "description": "研发费用加计扣除如何申报？",
        "channel": "visit",
    }


def engine_lifecycle(clock: Clock, people: dict, fields: dict) -> None:
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from demo.lifecycles import step_data
    from workflow import services

    liaison, advisor, supervisor = people["liaison"], people["tax_advisor"], people["supervisor"]
    case = clock("intake", services.help_request_intake, actor=liaison, **fields)

    def next_task() -> Task:
        return (
            Task.objects.filter(
                process__caseprocess__case_id=case.pk,
                status__in=[STATUS.NEW, STATUS.ASSIGNED],
                flow_task_type="HUMAN",
            )
            .order_by("pk")
            .first()
        )

    for step, user, claim in (
        ("dispatch", liaison, False),
        ("advise", advisor, True),
        ("joint_session", liaison, False),
        ("resolve", liaison, False),
        ("feedback", liaison, False),
        ("assess", supervisor, True),
    ):
        task = next_task()
        if claim:
            clock(f"claim ({step})", services.task_claim, task_id=task.pk, user=user)
        data = step_data(case, task)  # the step's catalogue example, read outside the timed operation
        clock(step, services.task_complete, task_id=task.pk, user=user, data=data)
    assert case.__class__.objects.get(pk=case.pk).state == "closed"


def baseline_lifecycle(clock: Clock, people: dict, fields: dict) -> None:
    from bench import baseline

    clock(
        "lifecycle",
        baseline.lifecycle,
        liaison=people["liaison"],
        advisor=people["tax_advisor"],
        supervisors=[people["supervisor"], people["supervisor_taixing"]],
        unit=people["liaison"].unit,
        fields=fields,
    )


def row_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def as_served(function, *args):
    """Run ``function`` the way the ASGI server runs a view: in its one sync thread, with an event loop
    outside, so the pushes after commit go out on that loop and its warm Redis connections (in a bare sync
    process each push would start an event loop and connect to Redis anew)."""
    import asyncio

    from asgiref.sync import sync_to_async

    from notifications.events import pushes_sent

    async def serve():
        try:
            return await sync_to_async(function, thread_sensitive=True)(*args)
        finally:
            await pushes_sent()

    return asyncio.run(serve())


def measure(run, count: int, warm_up: int = WARM_UP) -> dict:
    """Run ``count`` lifecycles (after ``warm_up`` more); time, queries and rows written per lifecycle."""
    people, fields = cast(), intake_fields()
    for _ in range(warm_up):
        run(Clock(), people, fields)
    clock = Clock()
    before = row_counts()
    for done in range(count):
        if done % VACUUM_EVERY == 0:
            vacuum_analyze()
        run(clock, people, fields)
    after = row_counts()
    return _result(clock, count, {t: (after[t] - before[t]) / count for t in TABLES})


def measure_side_by_side(runs: dict, count: int, warm_up: int = WARM_UP) -> dict[str, dict]:
    """``count`` lifecycles of each of ``runs``, in turns (one of each, then the next round), so that whatever
    else loads the machine falls on each alike; the rows each writes per lifecycle from a block of its own."""
    people, fields = cast(), intake_fields()
    for _ in range(warm_up):
        for run in runs.values():
            run(Clock(), people, fields)
    rows = {}
    for name, run in runs.items():
        before = row_counts()
        for _ in range(ROWS_SAMPLE):
            run(Clock(), people, fields)
        after = row_counts()
        rows[name] = {t: (after[t] - before[t]) / ROWS_SAMPLE for t in TABLES}
    clocks = {name: Clock() for name in runs}
    for done in range(count):
        if done % VACUUM_EVERY == 0:
            vacuum_analyze()
        for name, run in runs.items():
            run(clocks[name], people, fields)
    return {name: _result(clocks[name], count, rows[name]) for name in runs}


def _result(clock: Clock, count: int, rows: dict[str, float]) -> dict:
    operations = sum(clock.calls.values())
    return {
        "lifecycles": count,
        "seconds": round(clock.seconds, 3),
        "lifecycles_per_s": round(count / clock.seconds, 1),
        "queries_per_lifecycle": round(sum(clock.queries.values()) / count, 1),
        "savepoints_per_lifecycle": round(clock.counter.savepoints / count, 1),
        "operations_per_lifecycle": operations // count,
        "queries_per_operation": {
            name: round(clock.queries[name] / clock.calls[name], 1) for name in clock.queries
        },
        "ms_per_operation": {
            name: round(clock.seconds_by_name[name] / clock.calls[name] * 1000, 2) for name in clock.calls
        },
        "rows_per_lifecycle": {table: round(n, 2) for table, n in rows.items()},
    }


def worker(run_name: str, count: int, start, results) -> None:
    """One of the two worker processes: its own connections, the same services."""
    django_on(DATABASE, redis_db=REDIS_DB, fresh=False)
    as_served(work, globals()[run_name], count, start, results)


def work(run, count: int, start, results) -> None:
    people, fields = cast(), intake_fields()
    for _ in range(5):
        run(Clock(), people, fields)
    start.wait()
    started = time.perf_counter()
    for _ in range(count):
        run(Clock(), people, fields)
    results.put(time.perf_counter() - started)


def in_workers(run_name: str, count: int, processes: int = 2) -> dict:
    """Wall-clock throughput of ``processes`` worker processes running ``count`` lifecycles between them at once
    (start together, all finished), the driver's reads included; with ``processes=1`` the one worker it is
    compared with, measured the same way."""
    vacuum_analyze()
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    workers = [
        context.Process(target=worker, args=(run_name, count // processes, start, results))
        for _ in range(processes)
    ]
    for process in workers:
        process.start()
    start.wait(timeout=120)
    started = time.perf_counter()
    spans = [results.get(timeout=600) for _ in workers]
    wall = time.perf_counter() - started
    for process in workers:
        process.join(timeout=60)
    done = count // processes * processes
    return {
        "lifecycles": done,
        "wall_s": round(wall, 2),
        "lifecycles_per_s": round(done / wall, 1),
        "worker_s": [round(s, 2) for s in spans],
    }


def two_against_one(run_name: str, count: int) -> tuple[dict, dict]:
    """``count`` lifecycles in two workers and half as many in one, each in two halves in the order two, one,
    one, two: the database grows with every run, and so each side meets it as large on average (two workers
    first and one after, as before, counted the growth against the one; single pairs swung from 1.6 to 2.2×)."""
    half = {2: count // 2, 1: count // 4}  # a half of each side's lifecycles
    runs: dict[int, list[dict]] = {2: [], 1: []}
    for processes in (2, 1, 1, 2):
        runs[processes].append(in_workers(run_name, half[processes], processes=processes))
    return both_halves(runs[2]), both_halves(runs[1])


def both_halves(halves: list[dict]) -> dict:
    lifecycles, wall = sum(half["lifecycles"] for half in halves), sum(half["wall_s"] for half in halves)
    return {
        "lifecycles": lifecycles,
        "wall_s": round(wall, 2),
        "lifecycles_per_s": round(lifecycles / wall, 1),
        "halves_per_s": [half["lifecycles_per_s"] for half in halves],
    }


def main() -> None:
    django_on(DATABASE, redis_db=REDIS_DB)
    from demo.org import build_org

    build_org()
    print(f"lifecycle: {LIFECYCLES} through the engine and the bare-ORM baseline, in turns …", flush=True)
    both = as_served(
        measure_side_by_side, {"engine": engine_lifecycle, "baseline": baseline_lifecycle}, LIFECYCLES
    )
    engine, floor = both["engine"], both["baseline"]
    print(
        f"lifecycle: {PARALLEL_LIFECYCLES} through each in two worker processes, {PARALLEL_LIFECYCLES // 2} in "
        "one, in halves: two, one, one, two …",
        flush=True,
    )
    parallel, alone = two_against_one("engine_lifecycle", PARALLEL_LIFECYCLES)
    parallel_floor, alone_floor = two_against_one("baseline_lifecycle", PARALLEL_LIFECYCLES)
    result = {
        "engine": engine,
        "baseline": floor,
        "ratio": round(engine["seconds"] / floor["seconds"], 2),
        "two_workers": parallel,
        "two_workers_baseline": parallel_floor,
        "one_worker": alone,
        "one_worker_baseline": alone_floor,
        "two_workers_ratio": round(parallel["lifecycles_per_s"] / alone["lifecycles_per_s"], 2),
        "two_workers_ratio_baseline": round(
            parallel_floor["lifecycles_per_s"] / alone_floor["lifecycles_per_s"], 2
        ),
    }
    write_result(PART, result)
    print(table(result))


def table(result: dict) -> str:
    engine, floor, parallel = result["engine"], result["baseline"], result["two_workers"]
    steps = engine["operations_per_lifecycle"]
    lines = [
        f"### Lifecycle ({engine['lifecycles']} help requests, {steps} operations each)",
        "",
        "| | lifecycles/s | statements per lifecycle (of them savepoints) | statements per operation |",
        "|---|---:|---:|---:|",
        *(
            f"| {label} | {run['lifecycles_per_s']} | {run['queries_per_lifecycle']} ({run['savepoints_per_lifecycle']})"
            f" | {run['queries_per_lifecycle'] / steps:.1f} |"
            for label, run in (("engine (services)", engine), ("bare-ORM baseline", floor))
        ),
        f"| engine, two worker processes | {parallel['lifecycles_per_s']} | | |",
        f"| bare-ORM baseline, two worker processes | {result['two_workers_baseline']['lifecycles_per_s']} | | |",
        *(
            f"| {label}, one worker process, measured as the two | {result[key]['lifecycles_per_s']} | | |"
            for label, key in (("engine", "one_worker"), ("bare-ORM baseline", "one_worker_baseline"))
            if key in result
        ),
        "",
        *(
            [
                f"Two workers ÷ one: engine **{result['two_workers_ratio']}×**, baseline "
                f"{result['two_workers_ratio_baseline']}×.",
                "",
            ]
            if "two_workers_ratio" in result
            else []
        ),
        f"Engine time ÷ baseline time: **{result['ratio']}×**.",
        "",
        "| engine operation | statements | ms |",
        "|---|---:|---:|",
        *(
            f"| {name} | {count} | {engine['ms_per_operation'][name]} |"
            for name, count in engine["queries_per_operation"].items()
        ),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    main()

"""Part 3 of ``make bench``: websocket push latency (``python -m bench.push``).

A real daphne process serves the project on its own PostgreSQL database and Redis db 3. For each size N in
``SIZES``, N websocket clients (the ``websockets`` library, all on one asyncio loop in this process, loopback
only) open ``ws/board/`` with the token of one supervisor (泰州市, the root of the demo tree: every case is in
that board's subtree). The server's fan-out does not depend on who is behind a socket once it is open, so one
user with N sockets measures the same path as N supervisors.

The part runs ``ROUNDS`` rounds (three) of every size, one after the other in one invocation, and reports each
round apart: the target is "p99 ≤ 1.2× the baseline at every size in three consecutive runs". Each size of a
round opens its clients afresh, runs ``WARM_UP`` + its ``STEPS`` pairs of steps, an engine step then a baseline step,
alternating so that whatever else the machine does disturbs both alike:

- engine: a claim, then a release, then a claim… of one task through the real services (``workflow.services``),
  in a thread. Each is one transaction with two board events (the ``claimed``/``released`` audit row and the
  case's ``claim``/``release`` transition). t0 is the commit: a ``transaction.on_commit`` callback registered
  before the command's body, which runs in the bench's own durable ``atomic()`` (``command.within``, as a
  caller that adds to a command's transaction does), so it runs before the service's own push. t1 is the
  receipt of each event at each client.
- baseline: the same number of raw ``channel_layer.group_send`` of the message ``event_emit`` builds (same shape
  and size, seqs of their own) to the clients' board group (``board.<path of 泰州市>``, which the server's
  ``BoardRoom`` for that root joined on the sockets' behalf); t0 just before the first send of a step.

Spacing: a step starts ``GAP`` seconds after every client has received the previous step's events (or after
``STEP_TIMEOUT``), so what is measured is latency, not a queue. At the end of each size every client sends
``{"type": "resume", "after": <seq before the first step>}``; an engine event it then still lacks counts as lost.
With ``STEPS`` steps of two events, the p99 over N clients is about the slowest step's fan-out: one step disturbed
by another process moves it, which is why the target asks for three rounds and each is reported.
The clients stand in for browsers on other machines, so their own costs are kept out of the server's way: they
parse only event frames (the counts' refreshes are skipped unread), and this process's garbage collector runs
in the quiet gaps only, over what the step made (``gc.freeze`` after the clients are open).
Every loop is bounded by a count and a timeout; daphne and the sockets are closed on any exit.
"""

import asyncio
import gc
import json
import os
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.common import asgi_server, django_on, scaled, summary_ms, write_result

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "tongxin_bench_push"
REDIS_DB = 3
SIZES = tuple(int(n) for n in os.environ.get("BENCH_PUSH_SIZES", "1,100,500").split(","))
ROUNDS = int(os.environ.get("BENCH_PUSH_ROUNDS", "3"))
# BENCH_PUSH_PROFILE=<file>: run daphne under pyinstrument, its profile written there (text, or HTML for *.html).
PROFILE = os.environ.get("BENCH_PUSH_PROFILE", "")
# Transactions (engine) or sends (baseline) per size and round: one number for every size, or ``size:steps,…``
# (a size not named takes the nearest named size below it). A size's receipts come in steps, each step's at
# every client within one fan-out, so its p99 is about its slowest step's: at 24 steps one disturbed step of 24
# decides it. ``BENCH_SCALE=full`` (the goals' run) takes enough steps that the p99 rests on several: 200 at
# one client (cheap: a step is one receipt pair), fewer where a step reaches hundreds of sockets.
STEPS = os.environ.get("BENCH_PUSH_STEPS", scaled("24", "1:200,100:60,500:30"))
WARM_UP = 2  # unmeasured steps before each size's
GAP = 0.15  # seconds of quiet after every client got a step, before the next step
STEP_TIMEOUT = 10.0
CONNECT_TIMEOUT = 60.0
RESUME_TIMEOUT = 30.0
CONNECTING_AT_ONCE = 20  # each handshake reads the database in the worker's one database thread
BASELINE_SEQ = 2_000_000_000  # far above any audit id: the sockets' de-duplication must not drop them


def main() -> None:
    django_on(DATABASE, redis_db=REDIS_DB)
    setup = _setup()
    load_before = os.getloadavg()  # other work on the machine moves every number here: say how much there was
    started = time.monotonic()
    with _daphne() as base:
        rounds = asyncio.run(_measure_all(base, setup))
    result = {
        "load_average_1_5_15_min": {
            "before": [round(load, 2) for load in load_before],
            "after": [round(load, 2) for load in os.getloadavg()],
        },
        "server": "one daphne process, channels_redis core layer (Redis db 3), DJANGO_DEBUG=0",
        "clients": "N websocket clients (websockets library) on one asyncio loop, token of the 泰州市 supervisor",
        "transaction": "task_claim / task_release of one 法律 advice task, two board events each",
        "steps": {size: steps_at(size) for size in SIZES},
        "gap_s": GAP,
        "rounds": rounds,
        "seconds": round(time.monotonic() - started),
    }
    path = write_result("push", result)
    print(table(result))
    print(f"written: {path}")


def steps_at(size: int, steps: str = "") -> int:
    """The steps of a size by ``BENCH_PUSH_STEPS`` (``steps``): ``24``, or ``1:200,100:60,500:30``."""
    steps = steps or STEPS
    if ":" not in steps:
        return int(steps)
    named = sorted((int(at), int(count)) for at, count in (part.split(":") for part in steps.split(",")))
    below = [count for at, count in named if at <= size]
    return below[-1] if below else named[0][1]


def table(result: dict) -> str:
    """The Markdown table of a result (no Django needed)."""
    rounds = result.get("rounds") or [result["sizes"]]  # a result from before rounds: one
    lines = [
        "### Push latency (ws/board/, commit → receipt at each client)",
        "",
        f"{len(rounds)} rounds of every size; per size and round, `steps` transactions (two board events each), "
        f"{result['gap_s']} s apart after the last receipt; baseline: the same number of raw `group_send` to the same "
        "group, its steps alternating with the engine's.",
        "",
        "| round | clients | steps | engine p50 ms | engine p99 ms | baseline p50 ms | baseline p99 ms | p99 ratio | lost |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, sizes in enumerate(rounds, start=1):
        for size in sizes:
            engine, baseline = size["engine"], size["baseline"]
            steps = size.get("steps", result["steps"])  # a result from before steps per size: one number
            lines.append(
                f"| {number} | {size['clients']} | {steps} | {engine['p50_ms']} | {engine['p99_ms']} | "
                f"{baseline['p50_ms']} | {baseline['p99_ms']} | {size['p99_ratio']} | {size['lost']} |"
            )
    ratios = [size["p99_ratio"] for sizes in rounds for size in sizes]
    lines += [
        "",
        f"p99 ratio at most **{max(ratios)}** over {len(ratios)} measurements (goal ≤ 1.2 in every one).",
    ]
    return "\n".join(lines) + "\n"


# --- set-up (Django, in the main thread before the loop starts) ---------------------------------------------


def _setup() -> dict:
    from rest_framework.authtoken.models import Token

    from cases.selectors.board import board_case
    from demo.lifecycles import help_request_to, open_tasks
    from demo.org import build_org
    from notifications.events import board_group

    people = build_org()
    root = people["supervisor"].unit  # 泰州市: every case is in its board's subtree
    assert root is not None
    case = help_request_to("dispatched", people, specialties=["legal"])
    task = open_tasks(case).get()
    return {
        "people": people,
        "case_id": case.pk,
        "task_id": task.pk,
        "board_case": board_case(case),
        "token": Token.objects.get_or_create(user=people["supervisor"])[0].key,
        "group": board_group(root.path),
    }


class Engine:
    """Transactions through the real services, one at a time, in the one thread ``sync_to_async`` keeps for
    Django here: as in a view under daphne, the push after commit goes out on the loop that runs the clients."""

    def __init__(self, setup: dict):
        self.setup = setup
        self.claimed = False

    def _step(self) -> tuple[float, list[int]]:
        from django.db import transaction

        from cases.models import AuditEntry
        from workflow import services

        lawyer = self.setup["people"]["lawyer"]
        before = self._last_seq()
        committed: list[float] = []
        with transaction.atomic(durable=True):
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
            if self.claimed:
                services.task_release.within(
                    task_id=self.setup["task_id"], user=lawyer, code="other", reason="bench"
                )
            else:
                services.task_claim.within(task_id=self.setup["task_id"], user=lawyer)
            # read before the commit, so that nothing of the bench's own runs while the push goes out
            audit = AuditEntry.objects.filter(case_id=self.setup["case_id"], pk__gt=before)
            seqs = sorted(audit.values_list("pk", flat=True))
        self.claimed = not self.claimed
        return committed[0], seqs

    async def step(self) -> tuple[float, list[int]]:
        from asgiref.sync import sync_to_async

        return await sync_to_async(self._step)()

    def _last_seq(self) -> int:
        from cases.models import AuditEntry

        return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    async def last_seq(self) -> int:
        from asgiref.sync import sync_to_async

        return await sync_to_async(self._last_seq)()

    async def close(self) -> None:
        from asgiref.sync import sync_to_async

        def close_connection():
            from django.db import connection

            connection.close()

        await sync_to_async(close_connection)()


# --- the server -----------------------------------------------------------------------------------------------


@contextmanager
def _daphne():
    """The server of this part (under pyinstrument with ``BENCH_PUSH_PROFILE``), its output in a log file that
    is kept, and named, when the block fails. A SIGTERM to this process exits through the block's cleanup."""
    wrap = []
    if PROFILE:
        wrap = [
            sys.executable,
            "-m",
            "pyinstrument",
            "-r",
            "html" if PROFILE.endswith(".html") else "text",
            "-o",
            PROFILE,
        ]
    previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.NamedTemporaryFile(prefix="bench-push-daphne-", suffix=".log", delete=False) as log:
        try:
            with asgi_server(
                {"DJANGO_LOG_LEVEL": "ERROR"},
                wrap=wrap,
                output=log,
                stop=signal.SIGINT
                if PROFILE
                else signal.SIGTERM,  # pyinstrument writes its profile on SIGINT
                stop_timeout=120 if PROFILE else 10,
            ) as server:
                yield server
        except BaseException:
            print(f"daphne's log: {log.name}", file=sys.stderr)
            raise
        finally:
            signal.signal(signal.SIGTERM, previous_sigterm)
    os.unlink(log.name)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


# --- the clients ------------------------------------------------------------------------------------------------


EVENT = '{"type":"event","seq":'  # how ``notifications.events.client_text`` writes a board event
RESUMED = '"resumed"'  # in '{"type": "resumed", …' (``send_json``'s spacing)


class Client:
    """One board socket: records the first receipt time of every event seq."""

    def __init__(self, socket):
        self.socket = socket
        self.received: dict[int, float] = {}
        self.resumed = asyncio.Event()
        self.reader: asyncio.Task | None = None

    async def read(self, tally: "Tally") -> None:
        async for text in self.socket:
            now = time.perf_counter()
            if text.startswith(EVENT):  # '{"type":"event","seq":<seq>,…': the seq without parsing the rest
                seq = int(text[len(EVENT) : text.index(",", len(EVENT))])
                if seq not in self.received:
                    self.received[seq] = now
                    tally.count(seq)
            elif RESUMED in text[:24]:
                self.resumed.set()  # snapshots (the counts' refreshes) are not read at all


class Tally:
    """How many clients have each seq; ``wait`` returns when all of them have every seq of a step."""

    def __init__(self, clients: int):
        self.clients = clients
        self.counts: dict[int, int] = {}
        self.waiting: set[int] = set()
        self.done = asyncio.Event()

    def count(self, seq: int) -> None:
        self.counts[seq] = self.counts.get(seq, 0) + 1
        if seq in self.waiting and self.counts[seq] >= self.clients:
            self.waiting.discard(seq)
            if not self.waiting:
                self.done.set()

    async def wait(self, seqs: list[int], timeout: float) -> bool:
        self.waiting = {seq for seq in seqs if self.counts.get(seq, 0) < self.clients}
        if not self.waiting:
            return True
        self.done.clear()
        try:
            async with asyncio.timeout(timeout):
                await self.done.wait()
            return True
        except TimeoutError:
            return False


async def _connect(base: str, key: str, count: int) -> list[Client]:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def one() -> Client:
        from websockets.exceptions import InvalidMessage

        async with gate:
            for attempt in range(5):
                try:
                    ws = await connect(
                        f"ws://{base}/ws/board/",
                        additional_headers={"Authorization": f"Token {key}"},
                        open_timeout=CONNECT_TIMEOUT,
                        ping_interval=None,
                        max_size=2**22,
                    )
                    break
                except InvalidMessage:  # dropped by daphne's handshake timeout (5 s): a page retries too
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.5)
            first = json.loads(await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT))
            assert first["type"] == "snapshot", first
            return Client(ws)

    async with asyncio.timeout(CONNECT_TIMEOUT * 2):
        return list(await asyncio.gather(*(one() for _ in range(count))))


async def _close(clients: list[Client]) -> None:
    for client in clients:
        if client.reader:
            client.reader.cancel()
    await asyncio.gather(*(client.socket.close() for client in clients), return_exceptions=True)


# --- the measurement ---------------------------------------------------------------------------------------------


async def _measure_all(base: str, setup: dict) -> list[list[dict]]:
    from channels.layers import get_channel_layer

    engine = Engine(setup)
    layer = get_channel_layer()
    group = setup["group"]
    try:
        rounds = []
        for number in range(1, ROUNDS + 1):
            results = []
            for size in SIZES:
                started = time.monotonic()
                result = await _measure(base, setup, engine, layer, group, size)
                print(
                    f"round {number}, {size:>4} clients: engine p99 {result['engine']['p99_ms']} ms, baseline p99 "
                    f"{result['baseline']['p99_ms']} ms, ratio {result['p99_ratio']}, lost {result['lost']} "
                    f"({time.monotonic() - started:.0f} s, {result['connect_s']} s of it connecting)",
                    flush=True,
                )
                results.append(result)
            rounds.append(results)
        return rounds
    finally:
        await engine.close()
        if hasattr(layer, "close_pools"):
            await layer.close_pools()


async def _measure(base: str, setup: dict, engine: Engine, layer, group: str, size: int) -> dict:
    from notifications.events import board_message

    connecting = time.monotonic()
    clients = await _connect(base, setup["token"], size)
    connect_s = time.monotonic() - connecting
    tally = Tally(size)
    try:
        for client in clients:
            client.reader = asyncio.create_task(client.read(tally))

        # Engine and baseline steps alternate, so that whatever else the machine does disturbs both alike.
        before_round = await engine.last_seq()
        committed_at: dict[int, float] = {}
        sent_at: dict[int, float] = {}
        engine_seqs: set[int] = set()  # the warm-up's too: none may be lost
        next_baseline_seq = BASELINE_SEQ + size * 10_000  # new to these sockets, which are new themselves
        # This process stands in for browsers on other machines: its own garbage collection, set off by the
        # engine's ORM objects, would stall every client at once. It collects in the quiet gaps instead, and
        # only over what the steps made: everything alive now is frozen out of its scans.
        gc.collect()
        gc.freeze()
        gc.disable()
        for index in range(WARM_UP + steps_at(size)):
            measured = index >= WARM_UP
            t0, seqs = await engine.step()
            engine_seqs.update(seqs)
            if measured:
                committed_at.update(dict.fromkeys(seqs, t0))
            await tally.wait(seqs, STEP_TIMEOUT)
            gc.collect()
            await asyncio.sleep(GAP)

            # as many raw sends as the transaction made board events
            baseline_seqs = list(range(next_baseline_seq, next_baseline_seq + len(seqs)))
            next_baseline_seq += len(seqs)
            t0 = time.perf_counter()
            for seq in baseline_seqs:
                await layer.group_send(
                    group, board_message(seq=seq, event="case.claimed", case=setup["board_case"])
                )
            if measured:
                sent_at.update(dict.fromkeys(baseline_seqs, t0))
            await tally.wait(baseline_seqs, STEP_TIMEOUT)
            gc.collect()
            await asyncio.sleep(GAP)
        gc.enable()

        engine_latencies = [
            client.received[seq] - t0
            for client in clients
            for seq, t0 in committed_at.items()
            if seq in client.received
        ]
        baseline_latencies = [
            client.received[seq] - t0
            for client in clients
            for seq, t0 in sent_at.items()
            if seq in client.received
        ]
        baseline_missing = sum(len(sent_at.keys() - client.received.keys()) for client in clients)
        for client in clients:
            await client.socket.send(json.dumps({"type": "resume", "after": before_round}))
        async with asyncio.timeout(RESUME_TIMEOUT):
            await asyncio.gather(*(client.resumed.wait() for client in clients))
        lost = sum(len(engine_seqs - client.received.keys()) for client in clients)
    finally:
        gc.enable()
        gc.unfreeze()
        await _close(clients)

    engine_summary, baseline_summary = summary_ms(engine_latencies), summary_ms(baseline_latencies)
    return {
        "clients": size,
        "steps": steps_at(size),
        "engine": engine_summary,
        "baseline": baseline_summary,
        "p99_ratio": round(engine_summary["p99_ms"] / baseline_summary["p99_ms"], 2),
        "lost": lost,
        "events": len(committed_at),
        "connect_s": round(connect_s, 1),
        "baseline_not_received": baseline_missing,
    }


if __name__ == "__main__":
    main()

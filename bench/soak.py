"""The cluster part of ``make bench`` (``python -m bench cluster``): a soak of the production topology.

The same load twice in one run, on one PostgreSQL database of its own and Redis db 5: first on one ASGI worker
reached directly (no nginx), then on three workers behind nginx (``bench.cluster``), two timer runners beside
each. The load, for ``SECONDS`` (five minutes) each:

- ``SOCKETS`` websocket clients on one asyncio loop in this process: half notification streams (of the liaison
  who registers the cases and of the lawyer whose queue they reach), half boards (the 泰州市 supervisor's,
  the root of the demo tree: every event);
- a help request's whole lifecycle through the REST API (intake, dispatch, the lawyer's claim and advice, the
  joint session, the resolution, the feedback, the supervisor's claim and assessment: nine writes, each after a
  read of the case for its open task) started every ``EVERY`` seconds, each in a thread of its own.

Measured: the push latency at the clients (receipt at the client minus the write's own timestamp: the
notification's ``created_at``, the board event's audit row's ``created_at``; same machine, same clock), every
answer of the API (5xx counted apart), the notifications lost after a resume (at the end each stream resumes
from its cursor, as a page that reconnects does; what the database stored for its user that it still lacks is
lost; what came only by that resume had missed its push), the board events a board missed, and each worker's
resident memory after the first ``WARM_UP`` seconds of load, after ``WARM_POINT`` seconds (the warm point: the
worker's caches and pools filled) and at the end.

Board events are counted against what the database says a board of the root shows (the board audit rows written
during the phase, ``cases.selectors.board``), after the load has ended and the sockets have **drained**: the
soak waits until every board has every one of them, or until no board has received anything for ``DRAIN_QUIET``
seconds (at most ``DRAIN_TIMEOUT``). An event that arrived while draining was late, not missed; one that never
arrived is missed. (Counting right after the load, against the union of what any board had, took the boards of a
slower worker for boards that missed events.)

Beside the load, a monitor reads the channel layer every second: the messages waiting in each process's Redis
key and the age of the oldest. channels-redis drops a message silently when its key holds ``capacity`` of them
already (``CHANNEL_CAPACITY``, per process: every channel of a process shares one key) and drops messages older
than ``expiry`` (60 s); the maxima say whether either could have happened. The clients' own event loop is
watched too (the lag of a 0.1 s tick): a client that cannot keep up shows there, not in the server.
"""

import asyncio
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from bench.common import REDIS, bench_database, database_url, django_on, percentile, scaled, write_result

PART = "cluster"
DATABASE = "tongxin_bench_cluster"
REDIS_DB = 5
SECONDS = float(os.environ.get("BENCH_CLUSTER_SECONDS", scaled("60", "300")))
SOCKETS = int(os.environ.get("BENCH_CLUSTER_SOCKETS", scaled("300", "1000")))
EVERY = float(os.environ.get("BENCH_CLUSTER_EVERY", "2"))  # seconds between two lifecycles' starts
WARM_UP = 20.0  # seconds of load before the memory at start is read
WARM_POINT = float(
    os.environ.get("BENCH_CLUSTER_WARM_POINT", "60")
)  # seconds of load before the warm reading
DRAIN_QUIET = 10.0  # seconds with nothing received that end the wait for late events
DRAIN_TIMEOUT = 180.0
# Handshakes under way at once: each reads the database in the worker's one database thread, and daphne drops a
# handshake that is not accepted within 5 s.
CONNECTING_AT_ONCE = 10
RESUME_TIMEOUT = 120.0
GOALS = {"lost": 0, "5xx": 0, "memory_growth_pct": 10.0, "p99_ratio": 1.2}
EVENT = '{"type":"event","seq":'  # how ``notifications.events.client_text`` writes a board event

# The steps after intake: who works each, whether it must be claimed first, what completes it.
STEPS = (
    ("liaison", False, {"specialties": ["legal"], "priority": 2}),
    ("lawyer", True, {"text": "完善劳动合同"}),
    ("liaison", False, {"scheduled_at": "2026-12-01T14:00", "place": "工作站", "minutes": "会商", "decisions": "方案"}),
    ("liaison", False, {"solution": "出具方案", "proxy_service_done": True}),
    ("liaison", False, {"rating": 5, "comment": "满意"}),
    ("supervisor", True, {"quality_score": 5}),
)  # fmt: skip


def main() -> None:
    from bench.cluster import cluster

    django_on(DATABASE, redis_db=REDIS_DB)
    tokens = _setup()
    env = {
        "DATABASE_URL": database_url(bench_database(DATABASE)),
        "REDIS_URL": f"{REDIS}/{REDIS_DB}",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_SSL_REDIRECT": "0",  # plain HTTP on the loopback (TLS would end at nginx in production)
        "API_INTAKE_RATE": "1000000/min",  # one caller registers every case here
    }
    load_before = os.getloadavg()
    phases = {}
    for name, workers, through_nginx in (("single", 1, False), ("cluster", 3, True)):
        started = time.monotonic()
        with cluster(env, workers=workers, timers=2) as topology:
            base = topology.url if through_nginx else topology.workers[0]
            phases[name] = asyncio.run(_soak(base, topology.processes, tokens))
        phases[name]["workers"] = workers
        phases[name]["through_nginx"] = through_nginx
        print(f"{name}: {_line(phases[name])} ({time.monotonic() - started:.0f} s)", flush=True)
    single, three = phases["single"], phases["cluster"]
    result = {
        "load_average_1_5_15_min": {
            "before": [round(load, 2) for load in load_before],
            "after": [round(load, 2) for load in os.getloadavg()],
        },
        "seconds": SECONDS,
        "sockets": SOCKETS,
        "lifecycle_every_s": EVERY,
        "server": "daphne workers (DJANGO_DEBUG=0), channels_redis core layer, two timer runners; "
        "nginx (Debian's) in front of the three",
        "phases": phases,
        "p99_ratio": round(three["push"]["p99_ms"] / single["push"]["p99_ms"], 2),
        "goals": GOALS,
    }
    path = write_result(PART, result)
    print(table(result))
    print(f"written: {path}")


def _line(phase: dict) -> str:
    return (
        f"push p99 {phase['push']['p99_ms']} ms, {phase['lifecycles']} lifecycles, "
        f"{phase['answers']['5xx']} 5xx, {phase['lost']} lost"
    )


def table(result: dict) -> str:
    """The Markdown table of a result (no Django needed)."""
    lines = [
        "### Cluster soak (nginx + three workers against one worker, same load, same run)",
        "",
        f"{result['sockets']} sockets (half notification streams, half boards), a help request's lifecycle through "
        f"the API every {result['lifecycle_every_s']} s (nine writes), {result['seconds']:.0f} s per topology. "
        f"Goals: 0 lost, 0 5xx, memory growth ≤ {result['goals']['memory_growth_pct']} % per worker, push p99 "
        f"≤ {result['goals']['p99_ratio']}× the single worker's. p99 ratio: **{result['p99_ratio']}**.",
        "",
        "| topology | lifecycles | API answers | 5xx | push p50 ms | push p99 ms | notif. p99 ms | board p99 ms "
        "| lost after resume | arrived by resume | board events written | missed per board (late) "
        "| most waiting in a layer key (oldest s) | client loop lag p99 ms "
        "| worker memory MiB start → warm → end (growth %, from warm %) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, label in (("single", "one worker, direct"), ("cluster", "nginx + 3 workers")):
        phase = result["phases"][name]
        memory = ", ".join(
            f"{m['start_mib']} → {m.get('warm_mib', '?')} → {m['end_mib']} ({m['growth_pct']:+}, "
            f"{m.get('growth_from_warm_pct', float('nan')):+})"
            for m in phase["memory"]
        )
        layer = phase.get("channel_layer", {})
        boards = max(1, result["sockets"] - 2 * (result["sockets"] // 4))
        lines.append(
            f"| {label} | {phase['lifecycles']} | {phase['answers']['total']} | {phase['answers']['5xx']} | "
            f"{phase['push']['p50_ms']} | {phase['push']['p99_ms']} | {phase['notifications']['p99_ms']} | "
            f"{phase['boards']['p99_ms']} | {phase['lost']} | {phase['notifications_by_resume']} | "
            f"{phase.get('board_events_written', '?')} | {phase['board_events_missed'] / boards:.1f} "
            f"({phase.get('board_events_late', 0) / boards:.1f}) | {layer.get('most_waiting_in_a_process_key', '?')} "
            f"({layer.get('oldest_waiting_s', '?')}) | {phase.get('client_loop_lag_ms', {}).get('p99', '?')} | "
            f"{memory} |"
        )
    return "\n".join(lines) + "\n"


# --- set-up ------------------------------------------------------------------------------------------------------


def _setup() -> dict[str, str]:
    """The demo organisation; the API tokens of the people of a lifecycle."""
    from rest_framework.authtoken.models import Token

    from demo.org import build_cards, build_org

    people = build_org()
    build_cards()
    return {
        name: Token.objects.get_or_create(user=people[name])[0].key
        for name in ("liaison", "lawyer", "supervisor")
    }


def _intake(index: int) -> dict:
    from demo.org import ENTERPRISES

    enterprise_name, credit_code = ENTERPRISES[index % len(ENTERPRISES)]
    return {
        "enterprise_name": enterprise_name,
        "credit_code": credit_code,
        "contact_name": "刘经理",
        "contact_phone": "13912345678",
        "specialties": ["legal"],
        "description": f"劳动合同问题 {index}",
        "channel": "phone",
        "priority": 1,
    }


def _resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


# --- the API load ----------------------------------------------------------------------------------------------


class Answers:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self.failed_lifecycles = 0

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def summary(self) -> dict:
        return {
            "total": sum(self.statuses.values()),
            "5xx": sum(n for status, n in self.statuses.items() if status >= 500 or status == 0),
            "by_status": {str(status): n for status, n in sorted(self.statuses.items())},
            "failed_lifecycles": self.failed_lifecycles,
        }


def _call(base: str, token: str, method: str, path: str, answers: Answers, data: dict | None = None) -> dict:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(
        f"http://{base}{path}",
        data=body,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answers.count(response.status)
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        answers.count(error.code)
        raise
    except OSError:
        answers.count(0)  # no answer at all: counted with the 5xx
        raise


def _lifecycle(base: str, tokens: dict[str, str], answers: Answers, index: int) -> None:
    try:
        body = _intake(index)
        reference = _call(base, tokens["liaison"], "POST", "/api/v1/help-requests/", answers, body)[
            "reference"
        ]
        for who, claim, data in STEPS:
            case = _call(base, tokens[who], "GET", f"/api/v1/cases/{reference}/", answers)
            task = case["open_tasks"][0]["id"]
            if claim:
                _call(base, tokens[who], "POST", f"/api/v1/tasks/{task}/claim/", answers)
            _call(base, tokens[who], "POST", f"/api/v1/tasks/{task}/complete/", answers, data)
    except (OSError, KeyError, IndexError) as error:
        with answers.lock:
            answers.failed_lifecycles += 1
        print(f"lifecycle {index} failed: {error!r}", file=sys.stderr, flush=True)


# --- the sockets -------------------------------------------------------------------------------------------------


class Stream:
    """A notification socket: each notification's receipt (wall clock) and its ``created``."""

    path = "/ws/notifications/"

    def __init__(self, socket, first: dict):
        self.socket = socket
        self.cursor = {key: first[key] for key in ("after", "horizon", "seen")}
        self.live: dict[int, float] = {}  # id -> latency in seconds
        self.replayed: set[int] = set()
        self.resuming = False
        self.resumed = asyncio.Event()

    async def read(self) -> None:
        async for text in self.socket:
            now = time.time()
            message = json.loads(text)
            if message["type"] == "notification":
                note = message["notification"]
                if self.resuming:
                    self.replayed.add(note["id"])
                elif note["id"] not in self.live:
                    self.live[note["id"]] = now - datetime.fromisoformat(note["created"]).timestamp()
                    self.cursor["after"] = max(self.cursor["after"], note["id"])
                    self.cursor["seen"].append(note["id"])
            elif message["type"] == "horizon":
                self.cursor["horizon"] = message["horizon"]
            elif message["type"] == "resumed" and self.resuming:
                self.resumed.set()

    async def resume(self) -> None:
        self.resuming = True
        await self.socket.send(json.dumps({"type": "resume", **self.cursor}))


class Board:
    """A board socket: each event's receipt (wall clock) by seq."""

    path = "/ws/board/"

    def __init__(self, socket, first: dict):
        self.socket = socket
        self.live: dict[int, float] = {}  # seq -> receipt
        self.last = time.monotonic()  # the last receipt of an event

    async def read(self) -> None:
        async for text in self.socket:
            # Only events are read (their seq from the text's head): a board's counts arrive once a second from
            # every worker's room, and parsing each of those at every board made the client the bottleneck.
            if text.startswith(EVENT):
                self.live.setdefault(int(text[len(EVENT) : text.index(",", len(EVENT))]), time.time())
                self.last = time.monotonic()


async def _open(base: str, kind: "type[Stream | Board]", token: str, gate: asyncio.Semaphore):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidMessage

    first_type = "hello" if kind is Stream else "snapshot"
    async with gate:
        for attempt in range(5):
            try:
                socket = await connect(
                    f"ws://{base}{kind.path}",
                    additional_headers={"Authorization": f"Token {token}"},
                    open_timeout=60,
                    max_size=2**24,
                )
                break
            except InvalidMessage:  # dropped by daphne's handshake timeout: the page's script retries too
                if attempt == 4:
                    raise
                await asyncio.sleep(1)
        while True:
            first = json.loads(await asyncio.wait_for(socket.recv(), 60))
            if first["type"] == first_type:
                return kind(socket, first)


# --- one phase ---------------------------------------------------------------------------------------------------


async def _soak(base: str, processes: list, tokens: dict[str, str]) -> dict:
    from asgiref.sync import sync_to_async

    from cases.models import User
    from notifications.models import Notification

    users = {name: await sync_to_async(User.objects.get)(username=name) for name in ("liaison", "lawyer")}

    def stored_ids(user) -> set[int]:
        return set(Notification.objects.filter(recipient=user).values_list("pk", flat=True))

    before = {name: await sync_to_async(stored_ids)(user) for name, user in users.items()}
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    owners = ["liaison", "lawyer"] * (SOCKETS // 4) + ["supervisor"] * (SOCKETS - 2 * (SOCKETS // 4))
    clients = await asyncio.gather(
        *(_open(base, Board if owner == "supervisor" else Stream, tokens[owner], gate) for owner in owners)
    )
    readers = [asyncio.create_task(client.read()) for client in clients]
    seq_before = await sync_to_async(_last_audit_id)()
    monitor = LayerMonitor()
    lag = LoopLag()
    watchers = [asyncio.create_task(monitor.run()), asyncio.create_task(lag.run())]
    answers = Answers()
    pool = ThreadPoolExecutor(max_workers=32)
    loop = asyncio.get_running_loop()
    lifecycles = []
    started = time.monotonic()
    memory_start: list[float] = []
    memory_warm: list[float] = []
    index = 0
    while time.monotonic() - started < SECONDS:
        lifecycles.append(loop.run_in_executor(pool, _lifecycle, base, tokens, answers, index))
        index += 1
        if not memory_start and time.monotonic() - started >= min(WARM_UP, SECONDS / 2):
            memory_start = [_resident_mib(process.pid) for process in processes]
        if not memory_warm and time.monotonic() - started >= min(WARM_POINT, SECONDS / 2):
            memory_warm = [_resident_mib(process.pid) for process in processes]
        await asyncio.sleep(max(0.0, started + index * EVERY - time.monotonic()))
    await asyncio.gather(*lifecycles)
    pool.shutdown()
    load_ended = time.time()
    memory_end = [_resident_mib(process.pid) for process in processes]

    streams = [client for client in clients if isinstance(client, Stream)]
    boards = [client for client in clients if isinstance(client, Board)]
    # What a board of the root shows, by the database: every board event written during the phase.
    written = await sync_to_async(_board_events_since)(seq_before)
    drained_s = await _drain(boards, set(written))
    for watcher in watchers:
        watcher.cancel()
    for stream in streams:  # as a page that reconnects: from its cursor, only what it may have missed
        await stream.resume()
    async with asyncio.timeout(RESUME_TIMEOUT):
        await asyncio.gather(*(stream.resumed.wait() for stream in streams))
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*(client.socket.close() for client in clients), return_exceptions=True)

    stored = {name: await sync_to_async(stored_ids)(user) - before[name] for name, user in users.items()}
    lost = 0
    for stream, owner in zip(streams, [o for o in owners if o != "supervisor"], strict=True):
        lost += len(stored[owner] - stream.live.keys() - stream.replayed)
    note_latencies = [latency for stream in streams for latency in stream.live.values()]
    board_latencies = [
        received - written[seq] for board in boards for seq, received in board.live.items() if seq in written
    ]
    return {
        "lifecycles": index,
        "answers": answers.summary(),
        "push": _ms(note_latencies + board_latencies),
        "notifications": _ms(note_latencies),
        "boards": _ms(board_latencies),
        "notifications_stored": {name: len(ids) for name, ids in stored.items()},
        "lost": lost,
        "notifications_by_resume": sum(len(stream.replayed - stream.live.keys()) for stream in streams),
        "board_events_written": len(written),
        "board_events_missed": sum(len(written.keys() - board.live.keys()) for board in boards),
        "board_events_late": sum(
            1
            for board in boards
            for seq, received in board.live.items()
            if seq in written and received > load_ended
        ),
        "drain_s": round(drained_s, 1),
        "channel_layer": monitor.summary(),
        "client_loop_lag_ms": lag.summary(),
        "memory": [
            {
                "start_mib": start,
                "warm_mib": warm,
                "end_mib": end,
                "growth_pct": round(100 * (end - start) / start, 1),
                "growth_from_warm_pct": round(100 * (end - warm) / warm, 1),
            }
            for start, warm, end in zip(memory_start, memory_warm or memory_start, memory_end, strict=True)
        ],
    }


def _last_audit_id() -> int:
    from cases.models import AuditEntry

    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _board_events_since(seq: int) -> dict[int, float]:
    """The board events the root's board shows, written after audit id ``seq``, with their write times: the
    audit rows ``cases.selectors.board`` replays as events (every case is in the root's subtree)."""
    from cases.models import AuditEntry
    from cases.models.audit import BOARD_ACTIONS

    rows = AuditEntry.objects.filter(pk__gt=seq, action__in=BOARD_ACTIONS).values_list("pk", "created_at")
    return {pk: created.timestamp() for pk, created in rows}


async def _drain(boards: list["Board"], written: set[int]) -> float:
    """Wait until every board has every event written, or nothing arrived for ``DRAIN_QUIET`` s; the seconds
    waited."""
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_TIMEOUT:
        if all(written <= board.live.keys() for board in boards):
            break
        if time.monotonic() - max((board.last for board in boards), default=0) > DRAIN_QUIET:
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - started


def layer_config() -> dict:
    from django.conf import settings

    layer: dict = settings.CHANNEL_LAYERS["default"]  # a dict of any values, whichever layer it is
    return layer.get("CONFIG", {})


class LayerMonitor:
    """Every second, each process key of the channel layer (``asgispecific.<process>!``): how many messages
    wait in it and how old the oldest is (channels-redis scores a message with its send time)."""

    def __init__(self):

        config = layer_config()
        self.prefix = config.get("prefix", "asgi")
        self.most_waiting = 0
        self.oldest_s = 0.0
        self.samples = 0

    async def run(self) -> None:
        import redis.asyncio as redis
        from django.conf import settings

        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            while True:
                # channels-redis names a process's key ``<prefix>specific.<process>!`` (no separator)
                async for key in client.scan_iter(match=f"{self.prefix}specific.*!", count=1000):
                    waiting = await client.zcard(key)
                    oldest = await client.zrange(key, 0, 0, withscores=True)
                    self.most_waiting = max(self.most_waiting, waiting)
                    if oldest:
                        self.oldest_s = max(self.oldest_s, time.time() - float(oldest[0][1]))
                self.samples += 1
                await asyncio.sleep(1)
        finally:
            await client.aclose()

    def summary(self) -> dict:
        config = layer_config()
        return {
            "most_waiting_in_a_process_key": self.most_waiting,
            "oldest_waiting_s": round(self.oldest_s, 1),
            "capacity": config.get("capacity"),
            "expiry_s": config.get("expiry"),
            "samples": self.samples,
        }


class LoopLag:
    """How late a 0.1 s tick of the clients' loop runs: a client that cannot keep up shows here."""

    def __init__(self):
        self.lags: list[float] = []

    async def run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.1)
            self.lags.append(time.monotonic() - before - 0.1)

    def summary(self) -> dict:
        return {
            "p50": round(percentile(self.lags, 50) * 1000, 1),
            "p99": round(percentile(self.lags, 99) * 1000, 1),
            "max": round(max(self.lags, default=0) * 1000, 1),
        }


def _ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
    }


if __name__ == "__main__":
    main()

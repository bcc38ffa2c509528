"""The memory part of ``make bench`` (``python -m bench memory``): one worker holding 1,000 idle sockets.

One daphne process (``DJANGO_DEBUG=0``, the Redis layer on db 6) on a database of its own with the demo
organisation. Its resident memory (``VmRSS`` of ``/proc/<pid>/status``) is read after a warm-up (a page, and one
socket of each kind opened and closed, so that the code every socket runs is loaded), then again after
``SOCKETS`` websocket clients (one asyncio loop in this process) opened and sat idle for ``IDLE`` seconds: half
notification streams (``ws/notifications/``, the demo's people in turn), half boards (``ws/board/`` of the
泰州市 supervisor, the root of the tree). Goal: under 300 MB with every socket open. Then the sockets close
and the memory is read once more (what a worker gives back, or keeps for the next ones).

``BENCH_MEMORY_TRACE=1`` runs the worker under tracemalloc (``bench.traced_worker``) and writes the lines whose
allocations grew most while the sockets opened to ``bench/results/memory-trace.txt``; its RSS figures then
include tracing's own and are not the record.
"""

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

from bench.common import RESULTS, asgi_process, django_on, free_port, stop_process, write_result

PART = "memory"
DATABASE = "tongxin_bench_memory"
REDIS_DB = 6
SOCKETS = int(os.environ.get("BENCH_MEMORY_SOCKETS", "1000"))
TRACE = os.environ.get("BENCH_MEMORY_TRACE") == "1"
IDLE = 5.0  # seconds every socket is open before the memory is read
# Handshakes under way at once: daphne drops one not accepted within 5 s, and a traced worker is slow.
CONNECTING_AT_ONCE = 2 if TRACE else 10
GOAL_MIB = 300 * 10**6 / 2**20  # 300 MB


def main() -> None:
    django_on(DATABASE, redis_db=REDIS_DB)
    tokens = _setup()
    load_before = os.getloadavg()
    port = free_port()
    wrap = (sys.executable, "-m", "bench.traced_worker") if TRACE else ()
    env = {
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_SSL_REDIRECT": "0",  # plain HTTP on the loopback
        "BENCH_MEMORY_TRACE_OUT": str(RESULTS / "memory-trace.txt"),
    }
    RESULTS.mkdir(exist_ok=True)
    process = asgi_process(env, port=port, wrap=wrap)
    try:
        figures = asyncio.run(_measure(f"127.0.0.1:{port}", process.pid, tokens))
    finally:
        stop_process(process)
    result = {
        "load_average_1_5_15_min": {
            "before": [round(load, 2) for load in load_before],
            "after": [round(load, 2) for load in os.getloadavg()],
        },
        "server": "one daphne process, channels_redis core layer, DJANGO_DEBUG=0"
        + (" (under tracemalloc: not the record)" if TRACE else ""),
        "sockets": SOCKETS,
        "idle_s": IDLE,
        "goal_mib": round(GOAL_MIB, 1),
        **figures,
    }
    path = write_result(PART, result)
    print(table(result))
    print(f"written: {path}")


def table(result: dict) -> str:
    """The Markdown table of a result (no Django needed)."""
    return "\n".join(
        [
            "### Memory of one worker holding idle sockets",
            "",
            f"One daphne process; {result['sockets']} sockets (half `ws/notifications/`, half `ws/board/`) open and "
            f"idle for {result['idle_s']:.0f} s; resident memory (VmRSS). Goal: under {result['goal_mib']} MiB "
            "(300 MB) with every socket open.",
            "",
            "| warm, no socket MiB | sockets open MiB | per socket KiB | after they closed MiB | goal met |",
            "|---:|---:|---:|---:|---|",
            f"| {result['before_mib']} | {result['open_mib']} | {result['per_socket_kib']} | "
            f"{result['closed_mib']} | {'yes' if result['open_mib'] < result['goal_mib'] else '**no**'} |",
            "",
        ]
    )


def _setup() -> dict[str, list[str]]:
    """The demo organisation; tokens: the supervisor's (boards) and every demo person's (streams)."""
    from rest_framework.authtoken.models import Token

    from demo.org import build_org

    people = build_org()
    return {
        "board": [Token.objects.get_or_create(user=people["supervisor"])[0].key],
        "stream": [Token.objects.get_or_create(user=person)[0].key for person in people.values()],
    }


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def _open(base: str, path: str, first: str, token: str, gate: asyncio.Semaphore):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidMessage

    async with gate:
        for attempt in range(10):
            try:
                socket = await connect(
                    f"ws://{base}{path}",
                    additional_headers={"Authorization": f"Token {token}"},
                    open_timeout=60,
                    max_size=2**24,
                )
                break
            except InvalidMessage:  # dropped by daphne's handshake timeout: a page retries too
                if attempt == 9:
                    raise
                await asyncio.sleep(1)
        async with asyncio.timeout(60):
            while json.loads(await socket.recv())["type"] != first:
                pass
        return socket


async def _measure(base: str, pid: int, tokens: dict[str, list[str]]) -> dict:
    import urllib.request

    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    kinds = [("/ws/notifications/", "hello"), ("/ws/board/", "snapshot")]

    def token(kind: int, index: int) -> str:
        chosen = tokens["stream" if kind == 0 else "board"]
        return chosen[index % len(chosen)]

    await asyncio.to_thread(
        lambda: urllib.request.urlopen(f"http://{base}/accounts/login/", timeout=60).read()
    )
    warm = [await _open(base, path, first, token(kind, 0), gate) for kind, (path, first) in enumerate(kinds)]
    await asyncio.gather(*(socket.close() for socket in warm))
    await asyncio.sleep(IDLE)
    before = resident_mib(pid)
    if TRACE:
        os.kill(pid, signal.SIGUSR1)
    started = time.monotonic()
    sockets = await asyncio.gather(
        *(_open(base, *kinds[index % 2], token(index % 2, index // 2), gate) for index in range(SOCKETS))
    )
    connected_s = time.monotonic() - started
    await asyncio.sleep(IDLE)
    opened = resident_mib(pid)
    if TRACE:
        os.kill(pid, signal.SIGUSR1)
        await asyncio.sleep(IDLE * 4)  # the second snapshot and its comparison take a while
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
    await asyncio.sleep(IDLE)
    closed = resident_mib(pid)
    return {
        "before_mib": before,
        "open_mib": opened,
        "closed_mib": closed,
        "per_socket_kib": round((opened - before) * 1024 / SOCKETS, 1),
        "connect_s": round(connected_s, 1),
    }


if __name__ == "__main__":
    main()

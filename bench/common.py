"""What every benchmark part shares: a fresh PostgreSQL database of its own, Django set up on it, results as
JSON, percentiles, a query counter and a description of the machine."""

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
DATABASE_PREFIX = "tongxin_bench_"
# How big a run is: "" (the default: every part at sizes that keep ``make bench`` under 15 minutes on two cores),
# "full" (the sizes the issues set their goals at: 100,000 cases, five-minute soak) or "1m" (full, and a million
# cases where a part grows a database). A part's own variables (BENCH_LIFECYCLES, …) still win.
SCALE = os.environ.get("BENCH_SCALE", "").lower()
if SCALE not in ("", "full", "1m"):
    raise SystemExit(f"BENCH_SCALE is full, 1m or unset, not {SCALE!r}")


def scaled(default: str, full: str, million: str | None = None) -> str:
    """The value of a size for this run's ``BENCH_SCALE``."""
    if SCALE == "1m" and million is not None:
        return million
    return default if SCALE == "" else full


def database_url(name: str) -> str:
    return f"{POSTGRES}/{name}"


def fresh_database(name: str) -> str:
    """Drop and create the part's own database; returns its URL. Never touches the suite's or the demo's."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def bench_database(name: str) -> str:
    """The part's database name: ``tongxin_bench_<part>``, or ``BENCH_DATABASE_PREFIX<part>`` when several runs
    share one PostgreSQL server (each its own databases)."""
    prefix = os.environ.get("BENCH_DATABASE_PREFIX")
    if prefix and name.startswith(DATABASE_PREFIX):
        return prefix + name.removeprefix(DATABASE_PREFIX)
    return name


def django_on(name: str, *, redis_db: int, fresh: bool = True) -> None:
    """Point this process at the part's database and Redis db, set Django up and migrate (when fresh)."""
    name = bench_database(name)
    url = fresh_database(name) if fresh else database_url(name)
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = f"{REDIS}/{redis_db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("SMS_BACKEND", "cases.sms_backends.DatabaseBackend")  # the outbox: no line per SMS
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def asgi_process(
    env: dict[str, str], *, port: int, wrap=(), options=(), output=subprocess.DEVNULL
) -> subprocess.Popen:
    """daphne serving the project on 127.0.0.1:``port`` with ``env`` over this process's environment, returned
    once it listens. ``wrap`` goes before the command (a profiler), ``options`` after daphne's own, ``output``
    takes its output. The caller stops it (``stop_process``)."""
    daphne = Path(sys.executable).with_name("daphne")
    process = subprocess.Popen(
        [*wrap, str(daphne), "-b", "127.0.0.1", "-p", str(port), *options, "config.asgi:application"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not listening(port):
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("daphne did not listen within 30 s")
            time.sleep(0.1)
    except BaseException:
        stop_process(process, signal.SIGKILL, 0)
        raise
    return process


def stop_process(process: subprocess.Popen, stop=signal.SIGTERM, timeout: float = 10.0) -> None:
    """``stop`` first, a kill after ``timeout`` seconds; nothing if it has ended already."""
    if process.poll() is None:
        process.send_signal(stop)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def asgi_server(
    env: dict[str, str],
    *,
    wrap=(),
    options=(),
    output=subprocess.DEVNULL,
    stop=signal.SIGTERM,
    stop_timeout=10.0,
):
    """The project on a real daphne subprocess (``asgi_process``) on a free port; yields ``127.0.0.1:<port>``
    once it listens and stops it on any exit of the block (``stop`` first, then a kill).
    Used by the benches, the cluster and the suite's live tests."""
    port = free_port()
    process = asgi_process(env, port=port, wrap=wrap, options=options, output=output)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop_process(process, stop, stop_timeout)


def listening(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def vacuum_analyze() -> None:
    """What autovacuum does on a production server, done here untimed: statistics and the visibility map.
    The CI machine's PostgreSQL runs with ``autovacuum = off``: without this, a table grown from empty keeps
    the statistics of an empty one and its updated rows' dead versions, and plans degrade as a run goes on.
    Then a ``CHECKPOINT``: the pages the vacuum dirtied (hint bits, the visibility map: much of a kept million
    cases' database) are written now, not by the checkpointer while the next timed requests read."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100), nearest rank on sorted values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }


class QueryCounter:
    """Counts the SQL statements this process's default connection runs (``with counter.counting(): …``)."""

    def __init__(self):
        self.count = 0
        self.savepoints = 0  # of them SAVEPOINT / RELEASE SAVEPOINT: round trips, but no reading or writing

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            self.savepoints += 1
        return execute(sql, params, many, context)

    @contextmanager
    def counting(self):
        from django.db import connection

        with connection.execute_wrapper(self):
            yield self


def write_result(part: str, result: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{part}.json"
    result = {
        "part": part,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        **result,
    }
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return path


def read_result(part: str) -> dict | None:
    path = RESULTS / f"{part}.json"
    return json.loads(path.read_text()) if path.exists() else None


def machine() -> dict:
    def cpu_model() -> str:
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor()

    def server_version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "unknown"

    def redis_version() -> str:
        info = server_version(["redis-cli", "-u", REDIS, "info", "server"])
        return info.split("redis_version:")[1].split()[0] if "redis_version:" in info else "unknown"

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": server_version(["psql", database_url("postgres"), "-Atc", "show server_version"]),
        "redis": redis_version(),
    }

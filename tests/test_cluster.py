"""Through nginx (Debian's) in front of three ASGI workers and two timer runners, on PostgreSQL + Redis: the
topology of ``make cluster`` (``bench/cluster.py``), started once for this module, on a Redis of the module's own
(one test kills and restarts it; this process's channel layer is pointed at it too). Faults: a worker killed
with SIGKILL under 50 sockets and a stream of claims, Redis killed and started again under the same, a worker
killed while a POST waits in it; after each, the topology is whole again for the next test.

Client addresses: Linux answers the whole of 127.0.0.0/8 on the loopback, so a client bound to 127.0.0.2 or
127.0.0.3 is another address to nginx and to the workers; the workers trust 127.0.0.1 (nginx) only.
"""

import asyncio
import copy
import http.client
import json
import os
import signal
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone
from websockets.asyncio.client import connect

from bench.cluster import LOCATIONS, Cluster, cluster
from bench.common import free_port
from cases.models import AuditEntry, Timer, TimerKind, User
from demo import org as demo
from demo.lifecycles import help_request_to
from notifications.models import Notification
from tests import live
from tests.helpers import dispute_body, open_tasks
from tests.live import CSRF, post, redis_server, require_services, session_cookie
from tests.test_live_servers import next_of, token
from workflow import services

pytestmark = pytest.mark.django_db(transaction=True)

# A hasher the workers know, with few iterations: a login check costs little on a loaded machine.
WORKER_HASH = PBKDF2PasswordHasher().encode(demo.DEMO_PASSWORD, "clustertestsalt", iterations=1000)
READ_TIMEOUT = 5  # nginx's, in seconds: an idle socket must outlive it (daphne pings every second here)
# A socket that outlived a Redis restart without noticing it hears pushes again at its next catch-up; longer
# than the tests of a push wait, so that what they receive was pushed.
CATCH_UP_SECONDS = 10
PUSH_TIMEOUT = 5


@dataclass
class Topology:
    """The running cluster (``bench.cluster.Cluster``) and its Redis, which a test may kill and start."""

    cluster: Cluster
    stop_redis: Callable[[], None]
    start_redis: Callable[[], None]

    def __getattr__(self, name):
        return getattr(self.cluster, name)


@pytest.fixture(scope="module")
def topology(django_db_setup, django_db_blocker):
    require_services()
    with redis_server() as (redis_url, stop_redis, start_redis):
        env = {
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": live.test_database_url(),
            "REDIS_URL": redis_url,
            "DJANGO_LOG_LEVEL": "ERROR",
            "NOTIFICATION_CATCH_UP_SECONDS": str(CATCH_UP_SECONDS),
        }
        layers = copy.deepcopy(settings.CHANNEL_LAYERS)
        layers["default"]["CONFIG"]["hosts"][0]["address"] = redis_url
        with (
            override_settings(
                CHANNEL_LAYERS=layers
            ),  # this process's pushes (cases made here) reach the workers
            cluster(
                env,
                workers=3,
                timers=2,
                read_timeout=READ_TIMEOUT,
                tls_port=free_port(),
                ping_interval=1,
                timer_every=1,
            ) as running,
        ):
            yield Topology(running, stop_redis, start_redis)


@pytest.fixture
def people(committed_people):
    """The demo people, their passwords hashed as the workers hash them (the suite's own settings use a fast
    hasher that the workers do not know)."""
    User.objects.filter(pk__in=[person.pk for person in committed_people.values()]).update(
        password=WORKER_HASH
    )
    for person in committed_people.values():
        person.password = WORKER_HASH  # a session's hash is of the password it was opened with
    return committed_people


def request(base, method, path, *, source="127.0.0.1", headers=None, body=None, tls=False):
    """One HTTP request (HTTPS with ``tls``, the certificate unchecked) from the client address ``source``;
    returns (status, headers, body)."""
    host, port = base.split(":")
    if tls:
        connection = http.client.HTTPSConnection(
            host,
            int(port),
            timeout=30,
            source_address=(source, 0),
            context=ssl._create_unverified_context(),  # nginx's self-signed certificate of this run
        )
    else:
        connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def log_in(base, username, password, *, source, headers=None, tls=False):
    """The login form as a browser sends it; returns the status (302 in, 200 refused, 429 locked)."""
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": CSRF, "username": username, "password": password})
    status, _headers, _body = request(
        base,
        "POST",
        "/accounts/login/",
        source=source,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={CSRF}",
            **(headers or {}),
        },
        tls=tls,
    )
    return status


def test_plain_requests_reach_all_three_workers(topology, people):
    served = {request(topology.url, "GET", "/accounts/login/")[1].get("X-Served-By") for _ in range(30)}
    assert served == {"worker-1", "worker-2", "worker-3"}


def test_five_failed_logins_from_one_address_lock_that_address_only(topology, people):
    # the failure that reaches the limit is answered with the lockout already
    statuses = [log_in(topology.url, "mediator", "wrong", source="127.0.0.2") for _ in range(5)]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # the address that failed is locked out, even with the right password
    assert log_in(topology.url, "mediator", demo.DEMO_PASSWORD, source="127.0.0.2") == 429
    # everyone else behind nginx still signs in
    assert log_in(topology.url, "mediator", demo.DEMO_PASSWORD, source="127.0.0.3") == 302


def test_a_forwarded_for_sent_by_a_client_is_not_believed_through_nginx_or_at_a_worker(topology, people):
    # through nginx: the header is overwritten with the address nginx saw
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(topology.url, "mediator2", "wrong", source="127.0.0.2", headers=spoofed)
    assert log_in(topology.url, "mediator2", demo.DEMO_PASSWORD, source="127.0.0.2") == 429
    # straight at a worker, from a peer that is not the proxy: the header is ignored
    worker = topology.workers[0]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(worker, "lawyer", "wrong", source="127.0.0.3", headers={"X-Forwarded-For": "203.0.113.10"})
    assert log_in(worker, "lawyer", demo.DEMO_PASSWORD, source="127.0.0.3") == 429
    assert log_in(worker, "lawyer", demo.DEMO_PASSWORD, source="127.0.0.4") == 302


def test_https_is_seen_through_the_proxy_only(topology, people):
    """Over HTTPS Django's CSRF check demands a Referer: a login form without one is refused (403) when the
    request is taken for HTTPS, and merely wrong (200) over plain HTTP."""
    https = {"X-Forwarded-Proto": "https"}
    worker = topology.workers[0]
    # the proxy (127.0.0.1) saying https is believed
    assert log_in(worker, "accountant", "wrong", source="127.0.0.1", headers=https) == 403
    # a client saying it, straight at a worker or through nginx (which says what it was reached by), is not
    assert log_in(worker, "accountant", "wrong", source="127.0.0.3", headers=https) == 200
    assert log_in(topology.url, "accountant", "wrong", source="127.0.0.3", headers=https) == 200


def test_the_proxy_forwards_the_scheme_it_was_reached_by(topology, people):
    """The same login form without a Referer: through nginx reached over HTTPS the worker takes it for HTTPS
    (403); through nginx reached over plain HTTP, plain (200), whatever the client says."""
    assert log_in(topology.tls_url, "accountant", "wrong", source="127.0.0.3", tls=True) == 403
    plain = {"X-Forwarded-Proto": "https"}
    assert log_in(topology.url, "accountant", "wrong", source="127.0.0.3", headers=plain) == 200
    # and HTTPS through nginx is what the browser's login is, with its Referer: signed in
    referer = {"Referer": f"https://{topology.tls_url}/accounts/login/"}
    assert (
        log_in(
            topology.tls_url, "accountant", demo.DEMO_PASSWORD, source="127.0.0.3", tls=True, headers=referer
        )
        == 302
    )


def test_a_change_through_nginx_reaches_a_page_socket_opened_through_nginx(topology, people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    liaison_cookie = session_cookie(people["liaison"])
    lawyer_session = session_cookie(people["lawyer"])

    async def scenario():
        # a page's socket: the session cookie, from the site's own Origin as the browser sends it
        socket = await connect(
            f"ws://{topology.url}/ws/notifications/",
            additional_headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={liaison_cookie}",
                "Origin": f"http://{topology.url}",
            },
            open_timeout=10,
        )
        await next_of(socket, "hello")
        status = await asyncio.to_thread(post, topology.url, f"/tasks/{task.pk}/claim/", lawyer_session)
        message = await next_of(socket, "notification", timeout=PUSH_TIMEOUT)
        await socket.close()
        return status, message

    status, message = asyncio.run(scenario())
    assert status == 302
    assert message["notification"]["type"] == "case.claimed"
    assert message["notification"]["case"] == case.reference


def test_a_change_through_one_worker_reaches_a_socket_on_each_other_worker(topology, people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    key = token(people["liaison"])
    lawyer_session = session_cookie(people["lawyer"])

    async def scenario():
        sockets = [
            await connect(
                f"ws://{worker}/ws/notifications/",
                additional_headers={"Authorization": f"Token {key}"},
                open_timeout=10,
            )
            for worker in topology.workers[1:]
        ]
        for socket in sockets:
            await next_of(socket, "hello")
        status = await asyncio.to_thread(
            post, topology.workers[0], f"/tasks/{task.pk}/claim/", lawyer_session
        )
        messages = [await next_of(socket, "notification", timeout=PUSH_TIMEOUT) for socket in sockets]
        for socket in sockets:
            await socket.close()
        return status, messages

    status, messages = asyncio.run(scenario())
    assert status == 302
    assert [m["notification"]["case"] for m in messages] == [case.reference, case.reference]


def test_an_idle_socket_through_nginx_outlives_twice_its_read_timeout(topology, people):
    key = token(people["lawyer"])

    async def scenario():
        socket = await connect(
            f"ws://{topology.url}/ws/notifications/",
            additional_headers={"Authorization": f"Token {key}"},
            open_timeout=10,
        )
        await next_of(socket, "hello")
        await asyncio.sleep(2 * READ_TIMEOUT + 1)  # idle: only daphne's pings cross nginx
        case = await asyncio.to_thread(help_request_to, "dispatched", people, specialties=["legal"])
        message = await next_of(socket, "notification")
        await socket.close()
        return case, message

    case, message = asyncio.run(scenario())
    assert (message["notification"]["type"], message["notification"]["case"]) == ("queue.new", case.reference)


# ---- faults under load ----------------------------------------------------------------------------------------


class Reader:
    """A page's notification socket through nginx, as the page's script is (``static/js/live.js``): on every
    (re)connect it resumes from its cursor (the last id, the horizon, the ids it received), and backs off."""

    def __init__(self, base: str, key: str):
        self.base, self.key = base, key
        self.received: list[int] = []
        self.connections = 0
        self.cursor: dict = {}
        self.greeted = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        delay = 0.2
        while not stop.is_set():
            try:
                socket = await connect(
                    f"ws://{self.base}/ws/notifications/",
                    additional_headers={"Authorization": f"Token {self.key}"},
                    open_timeout=10,
                )
            except Exception:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2)
                continue
            self.connections += 1
            delay = 0.2
            try:
                while not stop.is_set():
                    try:
                        async with asyncio.timeout(0.5):
                            message = json.loads(await socket.recv())
                    except TimeoutError:
                        continue
                    self.take(message)
                    if message["type"] == "hello" and self.connections > 1:
                        await socket.send(json.dumps({"type": "resume", **self.cursor}))
            except Exception:
                await asyncio.sleep(delay)
            finally:
                await socket.close()

    def take(self, message: dict) -> None:
        if message["type"] == "hello" and not self.cursor:
            self.cursor = {key: message[key] for key in ("after", "horizon", "seen")}
            self.greeted.set()
        elif message["type"] in ("resumed", "horizon"):
            self.cursor["horizon"] = message["horizon"]
        elif message["type"] == "notification":
            key = message["notification"]["id"]
            self.received.append(key)
            self.cursor["after"] = max(self.cursor["after"], key)
            self.cursor["seen"].append(key)


def claim(base: str, task_id: int, session: str) -> list[int]:
    """POST a claim through nginx; after an answer that says its worker went away (502, 504) or none at all, POST
    it again, as a person would: a claim is safe to send twice (the second is told the task is theirs: 409)."""
    answers = []
    for _ in range(5):
        try:
            status = post(base, f"/tasks/{task_id}/claim/", session)
        except OSError:
            status = 0
        answers.append(status)
        if status not in (0, 502, 504):
            break
        time.sleep(0.5)
    return answers


def readers_through_a_fault(topology, people, cases, fault, *, fault_at: int, readers: int = 50):
    """``readers`` sockets of the liaison through nginx; the lawyer claims each case's task through nginx, four at
    a time, and ``fault`` runs (in a thread) as claim ``fault_at`` is sent. Returns each task's answers, the
    readers, and the notification ids stored for the liaison meanwhile."""
    liaison = people["liaison"]
    before = set(Notification.objects.filter(recipient=liaison).values_list("pk", flat=True))
    key = token(liaison)
    session = session_cookie(people["lawyer"])
    task_ids = [open_tasks(case)["advise_legal"].pk for case in cases]

    async def scenario():
        stop = asyncio.Event()
        group = [Reader(topology.url, key) for _ in range(readers)]
        running = [asyncio.create_task(reader.run(stop)) for reader in group]
        async with asyncio.timeout(60):
            for reader in group:
                await reader.greeted.wait()
        answers: dict[int, list[int]] = {}
        gate = asyncio.Semaphore(4)
        sent = 0
        faulting: list[asyncio.Task] = []

        async def one(task_id):
            nonlocal sent
            async with gate:
                sent += 1
                if sent == fault_at:
                    faulting.append(asyncio.create_task(asyncio.to_thread(fault)))
                answers[task_id] = await asyncio.to_thread(claim, topology.url, task_id, session)

        await asyncio.gather(*(one(task_id) for task_id in task_ids))
        await asyncio.gather(*faulting)
        stored = await asyncio.to_thread(
            lambda: set(Notification.objects.filter(recipient=liaison).values_list("pk", flat=True)) - before
        )
        async with asyncio.timeout(60):
            while any(len(set(reader.received)) < len(stored) for reader in group):
                await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # anything late and doubled would arrive now
        stop.set()
        await asyncio.gather(*running)
        return answers, group, stored

    return asyncio.run(scenario())


def claimed_once_each(cases) -> list[int]:
    counts = dict(
        AuditEntry.objects.filter(case__in=cases, action="claimed")
        .values_list("case")
        .annotate(n=Count("pk"))
        .values_list("case", "n")
    )
    return [counts.get(case.pk, 0) for case in cases]


def test_a_worker_killed_under_50_sockets_and_claims_loses_nothing_and_sends_nothing_twice(topology, people):
    cases = [help_request_to("dispatched", people, specialties=["legal"]) for _ in range(16)]
    try:
        answers, readers, stored = readers_through_a_fault(
            topology, people, cases, lambda: topology.kill(1), fault_at=6
        )
    finally:
        topology.revive(1)

    # every claim has an answer, the last of each says the task is the lawyer's (302, or 409 on a second try
    # of one the dead worker had committed), and each task was claimed exactly once
    assert all(task_answers[-1] in (302, 409) for task_answers in answers.values()), answers
    assert all(set(task_answers[:-1]) <= {0, 502, 504} for task_answers in answers.values()), answers
    assert claimed_once_each(cases) == [1] * len(cases)
    # one notification per claim for the liaison, and every socket holds each exactly once
    assert len(stored) == len(cases)
    assert Notification.objects.filter(pk__in=stored, type="case.claimed").count() == len(cases)
    for reader in readers:
        assert sorted(reader.received) == sorted(stored)
    # the sockets the dead worker held came back through nginx to the others
    assert sum(reader.connections - 1 for reader in readers) >= 1


def test_redis_killed_and_started_again_under_50_sockets_and_claims_loses_nothing(topology, people):
    cases = [help_request_to("dispatched", people, specialties=["legal"]) for _ in range(12)]

    def restart_redis():
        topology.stop_redis()
        time.sleep(2)  # claims go on against workers without Redis
        topology.start_redis()

    answers, readers, stored = readers_through_a_fault(topology, people, cases, restart_redis, fault_at=3)

    # the workers committed every write, with Redis or without
    assert list(answers.values()) == [[302]] * len(cases)
    assert claimed_once_each(cases) == [1] * len(cases)
    assert len(stored) == len(cases)
    for reader in readers:
        assert sorted(reader.received) == sorted(stored)


def test_two_timer_runners_behind_the_cluster_fire_each_due_timer_once(topology, people):
    assert len(topology.timers) == 2 and all(runner.poll() is None for runner in topology.timers)
    mediator = people["mediator"]
    for _ in range(20):
        services.dispute_intake(actor=mediator, **dispute_body())
    Timer.objects.filter(kind=TimerKind.SUPERVISE).delete()
    due = list(Timer.objects.filter(fired_at__isnull=True).values_list("pk", flat=True))
    assert len(due) == 40  # a yellow and a red reminder of each triage
    before = set(Notification.objects.filter(recipient=mediator).values_list("pk", flat=True))
    key = token(mediator)

    async def scenario():
        stop = asyncio.Event()
        reader = Reader(topology.url, key)
        running = asyncio.create_task(reader.run(stop))
        async with asyncio.timeout(30):
            await reader.greeted.wait()
        # all due now: both runners (every second) race for them
        await asyncio.to_thread(
            lambda: Timer.objects.filter(pk__in=due).update(
                due_at=timezone.now() - timezone.timedelta(hours=1)
            )
        )
        async with asyncio.timeout(60):
            while len(set(reader.received)) < len(due):
                await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # a timer fired twice would be told now
        stop.set()
        await running
        return reader

    reader = asyncio.run(scenario())
    assert Timer.objects.filter(pk__in=due, fired_at__isnull=True).count() == 0
    told = Notification.objects.filter(recipient=mediator).exclude(pk__in=before)
    assert told.count() == len(due)
    assert told.filter(type__startswith="deadline.").values(
        "type", "payload__task_id"
    ).distinct().count() == len(due)
    assert sorted(reader.received) == sorted(told.values_list("pk", flat=True))


def test_nginx_is_told_never_to_send_a_request_that_is_not_idempotent_to_a_second_worker():
    retries = [line.strip() for line in LOCATIONS.read_text().splitlines() if "proxy_next_upstream " in line]
    assert retries and all("non_idempotent" not in line for line in retries)


def worker_holding(topology, database_port: int) -> int:
    """The index of the worker whose process owns the TCP connection from local port ``database_port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == database_port:
                inodes.add(fields[9])
    for index, process in enumerate(topology.processes):
        for fd in os.listdir(f"/proc/{process.pid}/fd"):
            try:
                target = os.readlink(f"/proc/{process.pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return index
    raise LookupError(f"no worker holds the connection from port {database_port}")


def test_a_post_whose_worker_dies_mid_request_is_answered_502_and_never_sent_to_another_worker(
    topology, people
):
    case = help_request_to("dispatched", people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    session = session_cookie(people["lawyer"])
    url = live.test_database_url()
    watcher = psycopg.connect(url, autocommit=True)
    blocker = psycopg.connect(url)
    answer: list[int] = []
    sender = threading.Thread(
        target=lambda: answer.append(post(topology.url, f"/tasks/{task.pk}/claim/", session))
    )
    killed = None
    try:
        # the task's row is held: the claim waits inside its worker's transaction
        blocker.execute(f"SELECT id FROM {type(task)._meta.db_table} WHERE id = %s FOR UPDATE", [task.pk])
        sender.start()
        waiting = None
        deadline = time.monotonic() + 30
        while waiting is None and time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> %s",
                [blocker.info.backend_pid],
            ).fetchone()
            waiting = row[0] if row else None
            time.sleep(0.05)
        assert waiting is not None, "the claim never reached the held row"
        # when the worker that has it dies
        killed = worker_holding(topology, waiting)
        topology.processes[killed].send_signal(signal.SIGKILL)
        # then nginx answers at once; were the POST sent to another worker, it would wait on the row instead
        sender.join(timeout=15)
        assert answer == [502]
    finally:
        blocker.rollback()
        blocker.close()
        watcher.close()
        if killed is not None:
            topology.kill(killed)  # reaped
            topology.revive(killed)
        if sender.is_alive() or answer:
            sender.join(timeout=30)

    # nothing was claimed: the dead worker's transaction rolled back and no other worker ran the POST
    time.sleep(1)
    assert claimed_once_each([case]) == [0]
    # and sending it again is safe: claimed, once
    assert post(topology.url, f"/tasks/{task.pk}/claim/", session) == 302
    assert claimed_once_each([case]) == [1]

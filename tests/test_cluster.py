"""Through nginx (Debian's) in front of three ASGI workers and two timer runners, on PostgreSQL + Redis: the
topology of ``make cluster`` (``bench/cluster.py``), started once for this module.

Client addresses: Linux answers the whole of 127.0.0.0/8 on the loopback, so a client bound to 127.0.0.2 or
127.0.0.3 is another address to nginx and to the workers; the workers trust 127.0.0.1 (nginx) only.
"""

import asyncio
import http.client
import urllib.parse

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from websockets.asyncio.client import connect

from bench.cluster import cluster
from cases.models import User
from demo import org as demo
from demo.lifecycles import help_request_to
from tests import live
from tests.helpers import open_tasks
from tests.live import CSRF, post, require_services, session_cookie
from tests.test_live_servers import next_of, token

pytestmark = pytest.mark.django_db(transaction=True)

# A hasher the workers know, with few iterations: a login check costs little on a loaded machine.
WORKER_HASH = PBKDF2PasswordHasher().encode(demo.DEMO_PASSWORD, "clustertestsalt", iterations=1000)
READ_TIMEOUT = 5  # nginx's, in seconds: an idle socket must outlive it (daphne pings every second here)


@pytest.fixture(scope="module")
def topology(django_db_setup, django_db_blocker):
    require_services()
    env = {
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": live.test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    with cluster(
        env, workers=3, timers=2, read_timeout=READ_TIMEOUT, ping_interval=1, timer_every=1
    ) as running:
        yield running


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


def request(base, method, path, *, source="127.0.0.1", headers=None, body=None):
    """One HTTP request from the client address ``source``; returns (status, headers, body)."""
    host, port = base.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def log_in(base, username, password, *, source, headers=None):
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
        message = await next_of(socket, "notification")
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
        messages = [await next_of(socket, "notification") for socket in sockets]
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

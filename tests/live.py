"""Real ASGI server processes (daphne) on 127.0.0.1 for tests that cross process boundaries.

The servers use the test database (committed data: ``transactional_db``) and the Redis URL they are given.
"""

import os
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from bench.common import asgi_server as bench_asgi_server
from bench.common import free_port, listening

CSRF = "t" * 32  # a CSRF secret of our choosing, sent as cookie and form field


def require_services() -> None:
    """For a fixture wider than one test (which cannot use ``postgres_only`` and ``live``): PostgreSQL and
    Redis are needed, and a run that promised them (``TONGXIN_REQUIRE_SERVICES=1``) fails instead of skipping."""
    required = os.environ.get("TONGXIN_REQUIRE_SERVICES") == "1"
    if connection.vendor != "postgresql":
        if required:
            pytest.fail(
                "PostgreSQL is required on this run (DATABASE_URL) but the suite is on " + connection.vendor
            )
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    if not settings.REDIS_URL:
        if required:
            pytest.fail("Redis is required on this run (REDIS_URL)")
        pytest.skip("needs Redis: set REDIS_URL")


def test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if listening(port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


@contextmanager
def asgi_server(*, redis_url: str, **more: str):
    """A daphne process serving the project on the test database (``more``: further environment); yields its
    address."""
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": test_database_url(), "REDIS_URL": redis_url, **more}
    with bench_asgi_server({**env, "DJANGO_LOG_LEVEL": "ERROR"}) as server:
        yield server


@contextmanager
def redis_server():
    """A redis-server of the test's own on a spare port; yields (url, stop, start)."""
    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    state = {"process": None}

    def start():
        state["process"] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port)

    def stop():
        state["process"].kill()
        state["process"].wait(timeout=10)

    start()
    try:
        yield f"redis://127.0.0.1:{port}/0", stop, start
    finally:
        if state["process"].poll() is None:
            stop()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def post(base: str, path: str, user_session: str, data: dict | None = None) -> int:
    """POST a form as a signed-in user through the server; returns the status (redirects not followed)."""
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": CSRF, **(data or {})}, doseq=True).encode()
    request = urllib.request.Request(
        f"http://{base}{path}",
        data=body,
        headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={user_session}; csrftoken={CSRF}",
            "Referer": f"http://{base}/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code

"""Writes never wait for Redis: with the server's Redis killed, every write endpoint of the API and the pages,
through a real daphne on PostgreSQL, as the role that does it, answers 2xx (the pages 302), commits and stores
its notifications; logins work. When Redis is back, a socket resumes and gets what was stored meanwhile.

One Redis of the module's own and one server for the whole module (heavy fixtures once); Redis is down at
the start of every test that needs it down."""

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.sessions.models import Session
from rest_framework.authtoken.models import Token
from viewflow.workflow.status import STATUS
from websockets.exceptions import ConnectionClosed, InvalidStatus

from api.models import IdempotencyKey
from cases.models import AuditEntry, Case, User
from demo import org as demo
from demo.lifecycles import dispute_to, help_request_to, step_data
from notifications.models import Notification
from tests.helpers import dispute_body, help_request_body, open_tasks
from tests.live import asgi_server, post, redis_server, require_services, session_cookie
from tests.test_live_servers import live, next_of, open_socket, token  # noqa: F401  (live: the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Outage:
    """The module's server and its Redis, which each test puts down (or up) as it needs."""

    server: str
    stop: Callable[[], None]
    start: Callable[[], None]
    up: bool = True

    def redis_down(self) -> None:
        if self.up:
            self.stop()
            self.up = False

    def redis_back(self) -> None:
        if not self.up:
            self.start()
            self.up = True


@pytest.fixture(scope="module")
def outage(django_db_setup):
    require_services()
    with redis_server() as (url, stop, start), asgi_server(redis_url=url) as server:
        yield Outage(server, stop, start)


@pytest.fixture
def down(outage, live):  # noqa: F811
    """The demo organisation committed, and the server's Redis down."""
    outage.redis_down()
    return outage


def api(base: str, path: str, user: User | None, data: Any = None, **headers: str) -> tuple[int, Any]:
    """POST JSON to the API through the server, with the user's token; returns the status and the answer."""
    if user is not None:
        headers["Authorization"] = f"Token {token(user)}"
    request = urllib.request.Request(
        f"http://{base}{path}",
        data=json.dumps(data or {}).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, json.loads(text) if "json" in error.headers.get("Content-Type", "") else text[:300]


def newest_notification() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def heard_since(mark: int) -> list[tuple[str, str]]:
    """(type, recipient) of every notification stored after ``mark``, sorted."""
    return sorted(
        Notification.objects.filter(pk__gt=mark).values_list("type", "recipient__username").order_by()
    )


def registered(case: Case) -> tuple[str, str, list[tuple[str, str]]]:
    """A new case's state, registrant and open tasks with their owners, once its registration is audited."""
    assert AuditEntry.objects.filter(case=case, action="registered").count() == 1
    tasks = sorted((task.flow_task.name, task.owner.username) for task in open_tasks(case).values())
    return case.state, case.created_by.username, tasks


def expected_side_exit(action: str) -> list[tuple[str, str]]:
    """Who hears of a side exit the supervisor takes on a case the mediator registered (and holds the triage
    of): the mediator; an escalation also puts the triage in the street's queue."""
    heard = [(f"case.{action}", "mediator")]
    return [*heard, ("queue.new", "mediator_street")] if action == "escalate" else heard


def task_of(case: Case, name: str):
    return open_tasks(case)[name]


def task_state(task) -> tuple[str, str | None]:
    task.refresh_from_db()
    return task.status, task.owner.username if task.owner else None


def test_every_api_write_commits_and_stores_its_notifications_while_redis_is_down(down, live):  # noqa: F811
    server = down.server
    mediator, liaison, lawyer, supervisor = (live[n] for n in ("mediator", "liaison", "lawyer", "supervisor"))

    # intake: a dispute, and a help request sent twice with one Idempotency-Key
    mark = newest_notification()
    status, answer = api(server, "/api/v1/disputes/", mediator, dispute_body())
    assert status == 201, answer
    dispute = Case.objects.get(reference=answer["reference"])
    assert registered(dispute) == ("registered", "mediator", [("triage", "mediator")])
    assert heard_since(mark) == []  # the triage is the registrant's; the boards replay the audit row

    mark = newest_notification()
    first = api(server, "/api/v1/help-requests/", liaison, help_request_body(), **{"Idempotency-Key": "k-1"})
    again = api(server, "/api/v1/help-requests/", liaison, help_request_body(), **{"Idempotency-Key": "k-1"})
    assert first[0] == again[0] == 201, first
    assert again[1] == {**first[1], "tracking_code": None}  # the tracking code is shown once
    request = Case.objects.get(reference=first[1]["reference"])
    assert registered(request) == ("submitted", "liaison", [("dispatch", "liaison")])
    assert Case.objects.filter(kind="help_request").count() == 1
    assert IdempotencyKey.objects.get(user=liaison, key="k-1").status == 201
    assert heard_since(mark) == []

    # a task claimed, released, reassigned, completed
    case = help_request_to("dispatched", live, specialties=["legal"])
    legal = task_of(case, "advise_legal")
    mark = newest_notification()
    status, answer = api(server, f"/api/v1/tasks/{legal.pk}/claim/", lawyer)
    assert (status, answer["owner"]) == (200, "lawyer"), answer
    assert task_state(legal) == (STATUS.ASSIGNED, "lawyer")
    assert heard_since(mark) == [("case.claimed", "liaison")]

    mark = newest_notification()
    status, answer = api(
        server, f"/api/v1/tasks/{legal.pk}/release/", lawyer, {"code": "other", "reason": "出差"}
    )
    assert status == 200, answer
    assert task_state(legal) == (STATUS.NEW, None)
    assert heard_since(mark) == [("queue.new", "lawyer2"), ("return.received", "liaison")]

    mark = newest_notification()
    status, answer = api(server, f"/api/v1/tasks/{legal.pk}/reassign/", supervisor, {"to_user": "lawyer"})
    assert status == 200, answer
    assert task_state(legal) == (STATUS.ASSIGNED, "lawyer")
    assert heard_since(mark) == [("task.assigned", "lawyer")]

    mark = newest_notification()
    status, answer = api(server, f"/api/v1/tasks/{legal.pk}/complete/", lawyer, step_data(case, legal))
    assert status == 200, answer
    assert task_state(legal)[0] == STATUS.DONE
    assert Case.objects.get(pk=case.pk).state == "consulting"
    assert heard_since(mark) == [("task.assigned", "liaison")]  # the request's next step

    waiting = help_request_to("dispatched", live, specialties=["legal"])
    legal = task_of(waiting, "advise_legal")
    mark = newest_notification()
    status, answer = api(
        server,
        f"/api/v1/cases/{waiting.reference}/actions/reassign/",
        supervisor,
        {"task": legal.pk, "to_user": "lawyer2"},
    )
    assert status == 200, answer
    assert task_state(legal) == (STATUS.ASSIGNED, "lawyer2")
    assert heard_since(mark) == [("task.assigned", "lawyer2")]

    # the side exits, each on a dispute registered by the mediator, taken by the supervisor
    for action, to, state in (
        ("reject", "", "rejected"),
        ("refer", "市劳动仲裁委", "referred"),
        ("escalate", "", "escalated"),
        ("withdraw", "", "withdrawn"),
    ):
        case = dispute_to("registered", live)
        mark = newest_notification()
        path = f"/api/v1/cases/{case.reference}/actions/{action}/"
        status, answer = api(server, path, supervisor, {"reason": "停电演练", "to": to})
        assert (status, answer["state"]) == (200, state), answer
        case.refresh_from_db()
        assert case.state == state
        assert AuditEntry.objects.filter(case=case, name=action, actor=supervisor).count() == 1
        assert heard_since(mark) == expected_side_exit(action)

    # the supervisor unmasks a case (audited), the liaison marks everything read
    status, answer = api(server, f"/api/v1/cases/{dispute.reference}/unmask/", supervisor, {"reason": "核实"})
    assert (status, answer["fields"]["applicant_phone"]) == (200, "13812341234"), answer
    assert AuditEntry.objects.filter(case=dispute, action="unmasked", actor=supervisor).count() == 1

    assert Notification.objects.filter(recipient=liaison, read_at__isnull=True).exists()
    status, answer = api(server, "/api/v1/notifications/read/", liaison)
    assert (status, answer) == (200, {"unread": 0})
    assert not Notification.objects.filter(recipient=liaison, read_at__isnull=True).exists()


def test_every_page_write_commits_and_stores_its_notifications_while_redis_is_down(down, live):  # noqa: F811
    server = down.server
    sessions = {name: session_cookie(live[name]) for name in ("mediator", "liaison", "lawyer", "supervisor")}

    # intake forms
    mark = newest_notification()
    assert post(server, "/cases/new/dispute/", sessions["mediator"], dispute_body()) == 302
    dispute = Case.objects.get(kind="dispute")
    assert registered(dispute) == ("registered", "mediator", [("triage", "mediator")])
    assert heard_since(mark) == []

    mark = newest_notification()
    assert post(server, "/cases/new/help-request/", sessions["liaison"], help_request_body()) == 302
    request = Case.objects.get(kind="help_request")
    assert registered(request) == ("submitted", "liaison", [("dispatch", "liaison")])
    assert heard_since(mark) == []

    # a task claimed, released, reassigned, completed on the task page
    case = help_request_to("dispatched", live, specialties=["legal"])
    legal = task_of(case, "advise_legal")
    mark = newest_notification()
    assert post(server, f"/tasks/{legal.pk}/claim/", sessions["lawyer"]) == 302
    assert task_state(legal) == (STATUS.ASSIGNED, "lawyer")
    assert heard_since(mark) == [("case.claimed", "liaison")]

    mark = newest_notification()
    assert (
        post(server, f"/tasks/{legal.pk}/release/", sessions["lawyer"], {"code": "other", "reason": "出差"})
        == 302
    )
    assert task_state(legal) == (STATUS.NEW, None)
    assert heard_since(mark) == [("queue.new", "lawyer2"), ("return.received", "liaison")]

    mark = newest_notification()
    data = {"to_user": live["lawyer"].pk, "reason": "回原律师"}
    assert post(server, f"/tasks/{legal.pk}/reassign/", sessions["supervisor"], data) == 302
    assert task_state(legal) == (STATUS.ASSIGNED, "lawyer")
    assert heard_since(mark) == [("task.assigned", "lawyer")]

    mark = newest_notification()
    assert post(server, f"/tasks/{legal.pk}/", sessions["lawyer"], step_data(case, legal)) == 302
    assert task_state(legal)[0] == STATUS.DONE
    assert Case.objects.get(pk=case.pk).state == "consulting"
    assert heard_since(mark) == [("task.assigned", "liaison")]  # the request's next step

    # the side exits
    for action, to, state in (
        ("reject", "", "rejected"),
        ("refer", "市劳动仲裁委", "referred"),
        ("escalate", "", "escalated"),
        ("withdraw", "", "withdrawn"),
    ):
        case = dispute_to("registered", live)
        mark = newest_notification()
        path = f"/cases/{case.reference}/actions/{action}/"
        assert post(server, path, sessions["supervisor"], {"reason": "停电演练", "to": to}) == 302, action
        case.refresh_from_db()
        assert case.state == state
        assert AuditEntry.objects.filter(case=case, name=action, actor=live["supervisor"]).count() == 1
        assert heard_since(mark) == expected_side_exit(action)

    # mark read
    assert Notification.objects.filter(recipient=live["liaison"], read_at__isnull=True).exists()
    assert post(server, "/notifications/read/", sessions["liaison"]) == 302
    assert not Notification.objects.filter(recipient=live["liaison"], read_at__isnull=True).exists()


def test_logins_work_while_redis_is_down(down, live):  # noqa: F811
    server = down.server
    # the server checks passwords with the production hashers, not the tests' fast one
    hasher = PBKDF2PasswordHasher()
    for name in ("liaison", "lawyer"):
        live[name].password = hasher.encode(demo.DEMO_PASSWORD, hasher.salt())
        live[name].save(update_fields=["password"])

    credentials = {"username": "liaison", "password": demo.DEMO_PASSWORD}
    status, answer = api(server, "/api/v1/auth/token/", None, credentials)
    assert (status, answer) == (200, {"token": Token.objects.get(user=live["liaison"]).key})

    credentials = {"username": "lawyer", "password": demo.DEMO_PASSWORD}
    assert post(server, "/accounts/login/", "", credentials) == 302
    sessions = [session.get_decoded().get("_auth_user_id") for session in Session.objects.all()]
    assert sessions == [str(live["lawyer"].pk)]
    assert AccessLog.objects.filter(username="lawyer").count() == 1

    # a wrong password is refused as always: the form again, and the failure counted for the lockout
    credentials = {"username": "lawyer", "password": "wrong"}
    assert post(server, "/accounts/login/", "", credentials) == 200
    assert AccessAttempt.objects.get(username="lawyer").failures_since_start == 1


def test_after_the_outage_a_socket_resumes_with_what_was_stored_during_it(down, live):  # noqa: F811
    server = down.server
    case = help_request_to("dispatched", live, specialties=["legal"])
    legal = task_of(case, "advise_legal")
    mark = newest_notification()
    assert post(server, f"/tasks/{legal.pk}/claim/", session_cookie(live["lawyer"])) == 302
    stored = Notification.objects.get(pk__gt=mark, recipient=live["liaison"])

    down.redis_back()
    key = token(live["liaison"])

    async def resume():
        # as the page does: reconnect with a pause (the first try may meet a pooled connection of the old Redis)
        for _attempt in range(20):
            try:
                socket = await open_socket(server, "/ws/notifications/", key)
                await next_of(socket, "hello")
                break
            except (InvalidStatus, ConnectionClosed, OSError):
                await asyncio.sleep(0.5)
        else:
            pytest.fail("the socket did not open within 10 s of Redis coming back")
        await socket.send(json.dumps({"type": "resume", "after": mark}))
        replayed = []
        async with asyncio.timeout(20):
            while (message := json.loads(await socket.recv()))["type"] != "resumed":
                if message["type"] == "notification":
                    replayed.append(message["notification"])
        await socket.close()
        return replayed

    replayed = asyncio.run(resume())
    assert [(n["id"], n["type"], n["case"]) for n in replayed] == [
        (stored.pk, "case.claimed", case.reference)
    ]

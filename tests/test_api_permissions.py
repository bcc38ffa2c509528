"""The permission matrix: every role × the API's endpoints × a case of their own unit and one of another unit.
Each cell has its expected status, and no body carries another unit's case."""

import json
from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token

from cases.models import Clock, ExtensionRequest
from demo.lifecycles import dispute_to, help_request_to
from tests.factories import MediatorFactory
from tests.helpers import dispute_body, help_request_body, open_tasks
from workflow import services

ROLES = ["mediator", "liaison", "lawyer", "accountant", "supervisor_taixing", "supervisor_hailing", "admin"]

# For each role: the status of (GET taixing dispute, GET hailing dispute, GET taixing help request,
# claim the request's legal task, reject the taixing dispute without a reason, reject the hailing dispute).
EXPECTED = {
    "mediator": (200, 404, 404, 404, 400, 404),
    "liaison": (404, 404, 200, 404, 404, 404),
    "lawyer": (404, 404, 200, 200, 404, 404),
    "accountant": (404, 404, 404, 404, 404, 404),
    "supervisor_taixing": (200, 404, 200, 403, 400, 404),  # sees the task, may not claim it
    "supervisor_hailing": (404, 200, 404, 404, 404, 400),
    "admin": (200, 200, 200, 403, 400, 400),
}
# Reassigning a task (``POST /api/v1/tasks/{id}/reassign/``) to someone who may work it: (the request's legal
# task, claimed by the lawyer in the row above when the role is the lawyer, to lawyer2; the taixing dispute's
# task, with its mediator, to mediator2; the hailing dispute's task, with mediator_chengxi, to a second
# mediator of that unit). Only a supervisor of the case reassigns; whoever else sees the task gets a 403.
EXPECTED_REASSIGN = {
    "mediator": (404, 403, 404),
    "liaison": (404, 404, 404),
    "lawyer": (403, 404, 404),
    "accountant": (404, 404, 404),
    "supervisor_taixing": (200, 200, 404),
    "supervisor_hailing": (404, 404, 200),
    "admin": (403, 403, 403),
}
# Pausing a step while waiting for a party (``POST /api/v1/tasks/{id}/pause/``), then resuming it: (the taixing
# dispute's convene task, which its mediator holds). Only its holder pauses it; whoever else sees it gets a 403.
EXPECTED_PAUSE = {
    "mediator": (200, 200),
    "liaison": (404, 404),
    "lawyer": (404, 404),
    "accountant": (404, 404),
    "supervisor_taixing": (403, 403),
    "supervisor_hailing": (404, 404),
    "admin": (403, 403),
}
# Extension requests (延期申请): (the holder of the taixing dispute's convene task asks for a later due moment,
# ``POST /api/v1/tasks/{id}/extensions/``; a request on that step is approved and one on the hailing dispute's
# convene step is refused, ``POST /api/v1/extensions/{id}/decide/``). Only the holder asks and only a supervisor
# of the case decides; whoever else sees the task or the case gets a 403.
EXPECTED_EXTENSIONS = {
    "mediator": (201, 403, 404),
    "liaison": (404, 404, 404),
    "lawyer": (404, 404, 404),
    "accountant": (404, 404, 404),
    "supervisor_taixing": (403, 200, 404),
    "supervisor_hailing": (404, 404, 200),
    "admin": (403, 403, 403),
}
# (register a dispute, register a help request, read notifications, unmask the taixing dispute)
EXPECTED_MORE = {
    "mediator": (201, 403, 200, 403),
    "liaison": (403, 201, 200, 404),
    "lawyer": (403, 403, 200, 404),
    "accountant": (403, 403, 200, 404),
    "supervisor_taixing": (201, 201, 200, 200),
    "supervisor_hailing": (201, 201, 200, 404),
    "admin": (403, 403, 200, 200),
}
DISPUTE = dispute_body()
HELP = help_request_body(specialties=["tax"])
SEES = {
    "mediator": {"taixing"},
    "liaison": {"help"},
    "lawyer": {"help"},
    "accountant": set(),
    "supervisor_taixing": {"taixing", "help"},
    "supervisor_hailing": {"hailing"},
    "admin": {"taixing", "hailing", "help"},
}


@pytest.fixture
def world(people):
    return {
        "taixing": dispute_to("triaged", people),
        "hailing": dispute_to("triaged", people, actor=people["mediator_chengxi"]),
        "help": help_request_to("dispatched", people, specialties=["legal"]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_endpoint(client, people, world, role):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=people[role])[0].key}"
    taixing, hailing, help_case = world["taixing"], world["hailing"], world["help"]
    legal = open_tasks(help_case)["advise_legal"]

    def post(url, data):
        return client.post(url, json.dumps(data), content_type="application/json")

    responses = [
        client.get(f"/api/v1/cases/{taixing.reference}/"),
        client.get(f"/api/v1/cases/{hailing.reference}/"),
        client.get(f"/api/v1/cases/{help_case.reference}/"),
        client.post(f"/api/v1/tasks/{legal.pk}/claim/"),
        post(f"/api/v1/cases/{taixing.reference}/actions/reject/", {"reason": ""}),
        post(f"/api/v1/cases/{hailing.reference}/actions/reject/", {"reason": ""}),
    ]
    assert tuple(r.status_code for r in responses) == EXPECTED[role]

    # reassigning a task of each case
    second_chengxi_mediator = MediatorFactory()
    reassignments = [
        post(f"/api/v1/tasks/{legal.pk}/reassign/", {"to_user": "lawyer2"}),
        post(f"/api/v1/tasks/{open_tasks(taixing)['convene'].pk}/reassign/", {"to_user": "mediator2"}),
        post(
            f"/api/v1/tasks/{open_tasks(hailing)['convene'].pk}/reassign/",
            {"to_user": second_chengxi_mediator.username, "reason": "均衡工作量"},
        ),
    ]
    assert tuple(r.status_code for r in reassignments) == EXPECTED_REASSIGN[role]

    # pausing and resuming a step held by someone (taixing's convene, back with its mediator)
    convene = open_tasks(taixing)["convene"]
    if convene.owner != people["mediator"]:
        services.task_reassign(task_id=convene.pk, user=people["supervisor"], to_user=people["mediator"])
    pauses = [
        post(f"/api/v1/tasks/{convene.pk}/pause/", {"reason": "等待当事人"}),
        post(f"/api/v1/tasks/{convene.pk}/resume/", {}),
    ]
    assert tuple(r.status_code for r in pauses) == EXPECTED_PAUSE[role]

    # asking for an extension of that step, and deciding on a request of each dispute
    later = Clock.objects.get(task_id=convene.pk).due_at + timedelta(days=1)
    asked = post(
        f"/api/v1/tasks/{convene.pk}/extensions/", {"due_at": later.isoformat(), "reason": "当事人出差"}
    )
    pending = [
        ExtensionRequest.objects.filter(case=case, state="pending").first()
        or services.task_extension_ask(task_id=task.pk, user=task.owner, due_at=later, reason="当事人出差")
        for case in (taixing, hailing)
        for task in [open_tasks(case)["convene"]]  # read afresh: its holder now
    ]
    extensions = [
        asked,
        post(f"/api/v1/extensions/{pending[0].pk}/decide/", {"decision": "approve"}),
        post(f"/api/v1/extensions/{pending[1].pk}/decide/", {"decision": "refuse", "reason": "不同意"}),
    ]
    assert tuple(r.status_code for r in extensions) == EXPECTED_EXTENSIONS[role]

    # registering, reading one's own notifications and showing personal data
    statuses = (
        post("/api/v1/disputes/", DISPUTE).status_code,
        post("/api/v1/help-requests/", HELP).status_code,
        client.get("/api/v1/notifications/").status_code,
        post(f"/api/v1/cases/{taixing.reference}/unmask/", {"reason": "核实"}).status_code,
    )
    assert statuses == EXPECTED_MORE[role]

    listing = client.get("/api/v1/cases/?page_size=200")
    queue = client.get("/api/v1/tasks/?scope=queue&page_size=200")
    assert listing.status_code == queue.status_code == 200
    listed = {name for name, case in world.items() if case.reference in listing.content.decode()}
    assert listed == SEES[role]
    hidden = [case.reference for name, case in world.items() if name not in SEES[role]]
    for response in [*responses, *reassignments, *pauses, *extensions, listing, queue]:
        for reference in hidden:
            assert reference not in response.content.decode(), (role, reference)

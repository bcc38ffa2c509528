"""The OpenAPI schema is valid, the docs work offline, every answer of both lifecycles is what the schema
says, and Schemathesis finds no 5xx and no answer that breaks the schema, for several roles, against a real
server."""

import io
import json
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from itertools import zip_longest
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client, override_settings
from jsonschema import Draft202012Validator
from rest_framework.authtoken.models import Token
from viewflow.workflow.models import Task

from api.request_bodies import serializer_field
from cases.models import Case, CaseKind, Clock
from cases.services.attachments import attachment_add
from cases.steps import STEPS
from demo.lifecycles import dispute_to, help_request_to, step_data
from tests.helpers import dispute_body, help_request_body, open_tasks
from tests.live import asgi_server
from tests.test_live_servers import live  # noqa: F401  (the fixture)
from workflow import services

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_the_schema_is_valid_without_a_warning(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/help-requests/" in (tmp_path / "schema.yaml").read_text()


def test_the_docs_page_needs_nothing_from_the_network(client):
    page = client.get("/api/docs/").content.decode()
    assert (
        "swagger-ui" in page
        and "http://" not in page.replace("http://testserver", "")
        and "https://" not in page
    )
    assert client.get("/api/schema/").status_code == 200


# ---- Schemathesis against a real server, as every role ----------------------------------------------------------

# What an attacker sent (issue "Hostile input"), given to Schemathesis as dictionaries: it mixes these values
# into what it generates for the parameters named below, next to the real ids and references of the cases it
# is given. Each was a 500 or an accepted wrong value once: NUL bytes (PostgreSQL refuses them), digits
# Python's int() cannot read ("²", "¹") or should not ("١"), texts past a column's limit.
HOSTILE_TEXT = ["\x00", "a\x00b", "理" * 101, "x" * 1001, "²", "١"]
HOSTILE_REASONS = ["\x00", "原因\x00", "理" * 1001]  # a reason is written only when all else is right: often
HOSTILE_DIGITS = ["²", "¹", "١", "1²", "٣٤", "\x00", "-1", "1.5", "9" * 20]
HOSTILE_REFERENCES = ["TX-2026-00000²", "TX-2026-\x00", "\x00"]
TEXT_PARAMETERS = ["query.q", "query.state", "query.kind", "query.scope"] + [
    f"body.{name}" for name in ("to", "to_user", "description", "category", "username")
]
DIGIT_PARAMETERS = ["query.unit", "query.page_size", "query.page", "query.after"] + [
    f"body.{name}" for name in ("task", "up_to", "ids[*]", "unit")
]
# Every role fuzzes every operation. The supervisor, who reaches the most operations, also runs the coverage
# phase (the boundary values of every parameter, the same whoever sends them: the longest phase); the others
# run the stateful phase (a case registered, then acted on) meanwhile.
PHASES = {"supervisor": "examples,coverage,fuzzing"}
ROLES = ["supervisor", "mediator", "liaison", "lawyer", "admin"]
EXAMPLES = 10  # per operation and role (10 since the API has 27 operations, to keep the run near 3 minutes); the POSTs, where a bad value reaches a service, get twice as many


def interleaved(first: list, second: list) -> list:
    """Hostile values first, each followed by a real one: Hypothesis draws early entries more often."""
    return [item for pair in zip_longest(first, second) for item in pair if item is not None]


def schemathesis_config(
    *, task_ids: list[int], references: list[str], extension_ids: list[int], attachment_ids: list[int]
) -> str:
    """The run's ``schemathesis.toml``: the dictionaries, which parameters take them, the examples."""

    def values(items: list) -> str:
        return json.dumps(items, ensure_ascii=True)

    lines = [
        f"[dictionaries.text]\nvalues = {values(HOSTILE_TEXT)}",
        f"[dictionaries.digits]\nvalues = {values(HOSTILE_DIGITS)}",
        f"[dictionaries.reasons]\nvalues = {values(HOSTILE_REASONS)}",
        f"[dictionaries.tasks]\nvalues = {values(interleaved(HOSTILE_DIGITS, [str(pk) for pk in task_ids]))}",
        f"[dictionaries.references]\nvalues = {values(interleaved(HOSTILE_REFERENCES, references))}",
        f"[dictionaries.extensions]\nvalues = {values(interleaved(HOSTILE_DIGITS, [str(pk) for pk in extension_ids]))}",
        f"[dictionaries.attachments]\nvalues = {values(interleaved(HOSTILE_DIGITS, [str(pk) for pk in attachment_ids]))}",
        '[dictionaries.actions]\nvalues = ["reject", "refer", "escalate", "withdraw", "reassign"]',
        "[parameters]",
        '"path.task_id" = { dictionary = "tasks", probability = 0.9 }',
        '"path.reference" = { dictionary = "references", probability = 0.9 }',
        '"path.extension_id" = { dictionary = "extensions", probability = 0.9 }',
        '"path.attachment_id" = { dictionary = "attachments", probability = 0.9 }',
        '"path.action" = { dictionary = "actions", probability = 0.9 }',
        '"body.reason" = { dictionary = "reasons", probability = 0.5 }',
        *(f'"{name}" = {{ dictionary = "text", probability = 0.3 }}' for name in TEXT_PARAMETERS),
        *(f'"{name}" = {{ dictionary = "digits", probability = 0.3 }}' for name in DIGIT_PARAMETERS),
        f'[[operations]]\ninclude-method = "POST"\ngeneration.max-examples = {2 * EXAMPLES}',
        # the case list has six filters to get wrong, and is cheap
        f'[[operations]]\ninclude-name = "GET /api/v1/cases/"\ngeneration.max-examples = {3 * EXAMPLES}',
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(840)  # the whole run's own limit is the wait above; the suite's default is 300 s
def test_schemathesis_finds_no_server_error_and_only_documented_answers_as_any_role(
    live,  # noqa: F811
    monkeypatch,
    tmp_path,
):
    # given cases in every unit and state a side exit, a claim, a release or a reassignment can act on
    disputes = [dispute_to("triaged", live) for _ in range(8)]  # a side exit uses one up
    dispute_to("triaged", live, actor=live["mediator_chengxi"])
    for _ in range(2):
        help_request_to("dispatched", live, specialties=["legal", "tax"])
        help_request_to("claimed", live, specialties=["legal"])
    open_ids = list(Task.objects.filter(status__in=["NEW", "ASSIGNED"]).values_list("pk", flat=True))
    references = list(Case.objects.values_list("reference", flat=True))
    # and extension requests awaiting a decision on some of the disputes' steps
    extension_ids = []
    for case in disputes[:4]:
        task = open_tasks(case)["convene"]
        later = Clock.objects.get(task_id=task.pk).due_at + timedelta(days=1)
        asked = services.task_extension_ask(
            task_id=task.pk, user=task.owner, due_at=later, reason="当事人出差"
        )
        extension_ids.append(asked.pk)
    # and evidence files on some of them, kept in a folder of the test's own (the server's too)
    evidence = tmp_path / "evidence"
    monkeypatch.setenv("EVIDENCE_ROOT", str(evidence))
    storages = {
        **settings.STORAGES,
        "evidence": {**settings.STORAGES["evidence"], "OPTIONS": {"location": evidence}},
    }
    with override_settings(STORAGES=storages):
        attachment_ids = [
            attachment_add(case=case, actor=case.created_by, upload=io.BytesIO(PDF), name="证据.pdf").pk
            for case in Case.objects.select_related("unit", "created_by").order_by("pk")[:6]
        ]
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        schemathesis_config(
            task_ids=open_ids,
            references=references,
            extension_ids=extension_ids,
            attachment_ids=attachment_ids,
        )
    )
    monkeypatch.setenv("API_INTAKE_RATE", "100000/min")  # fuzzing is not flooding
    with asgi_server(redis_url=settings.REDIS_URL) as server:
        # the first schemas a fresh server makes, at once (drf-spectacular's lazy loading once raced: a 500)
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: get_status(f"http://{server}/api/schema/"), range(4)))
        assert statuses == [200] * 4
        # read by each run from a file: five runs loading it from a busy server at once timed out (10 s)
        schema = tmp_path / "schema.json"
        schema.write_bytes(get_body(f"http://{server}/api/schema/?format=json"))
        # when Schemathesis runs as each role, the roles side by side (its requests mostly wait on the server)
        runs = {}
        try:
            for username in ROLES:
                key = Token.objects.get_or_create(user=live[username])[0].key
                phases = PHASES.get(username, "fuzzing,stateful")
                command = [
                    SCHEMATHESIS, "--config-file", str(config), "run", str(schema), "--url", f"http://{server}",
                    "-H", f"Authorization: Token {key}", "-n", str(EXAMPLES), "--phases", phases,
                    "--checks", CHECKS, "--request-timeout", "20", "--generation-deterministic",
                    "--continue-on-failure", "--no-color",
                ]  # fmt: skip
                with (tmp_path / f"{username}.txt").open("w") as output:
                    runs[username] = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
            for process in runs.values():
                process.wait(timeout=720)
        finally:
            for process in runs.values():
                if process.poll() is None:
                    process.kill()
    # then no role met a 5xx, an undocumented status or an answer the schema does not describe (every error is
    # the error shape, the schema's Error)
    generated = 0
    for username in ROLES:
        text = (tmp_path / f"{username}.txt").read_text()
        assert runs[username].returncode == 0, f"{username}:\n{text[-6000:]}"
        generated += int(re.search(r"(\d+) generated", text).group(1))
    print(f"Schemathesis: {generated} test cases as {len(ROLES)} roles, no failure")


def get_body(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def get_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status


# ---- every answer as the schema says it: the views' serializers are the schema's -------------------------------


def as_json_schema(node):
    """OpenAPI 3.0 to JSON Schema, made strict: ``nullable`` becomes a null alternative, and an object with
    properties admits no other key (an undocumented key in an answer fails)."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_json_schema(value) for key, value in node.items()}
    if isinstance(node.get("properties"), dict):
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False) is True:
        return {"anyOf": [node, {"type": "null"}]}
    return node


class Answers:
    """Checks answers against the schema of their operation and status, and counts what it checked."""

    def __init__(self, client: Client):
        self.schema = as_json_schema(json.loads(client.get("/api/schema/?format=json").content))
        self.checked: set[tuple[str, str, int]] = set()

    def check(self, response, path: str, method: str = "get") -> dict:
        responses = self.schema["paths"][path][method]["responses"]
        schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": self.schema["components"]})
        body = response.json()
        errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)]
        assert errors == [], (method, path, response.status_code, errors)
        self.checked.add((method, path, response.status_code))
        return body


def api_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def test_every_answer_of_both_lifecycles_is_what_the_schema_says(client, people):
    answers = Answers(client)

    def post(user, path, url, data=None, status=200):
        body = json.dumps(data or {}, cls=DjangoJSONEncoder)
        response = api_client(user).post(url, body, content_type="application/json")
        assert response.status_code == status, response.content.decode()
        return answers.check(response, path, "post")

    def get(user, path, url=None):
        response = api_client(user).get(url or path)
        assert response.status_code == 200, response.content.decode()
        return answers.check(response, path)

    # given a dispute and a help request registered through the API
    references = [
        post(people["mediator"], "/api/v1/disputes/", "/api/v1/disputes/", dispute_body(), status=201),
        post(people["liaison"], "/api/v1/help-requests/", "/api/v1/help-requests/", help_request_body(), 201),
    ]
    # when each is worked to its end through the API, every step with its catalogue example
    for case in (Case.objects.get(reference=answer["reference"]) for answer in references):
        while case.is_open:
            tasks = list(open_tasks(case).values())
            for task in (task for task in tasks if task.owner_id is None):
                taker = next(user for user in people.values() if task.flow_task.may_take(user, case))
                post(taker, "/api/v1/tasks/{task_id}/claim/", f"/api/v1/tasks/{task.pk}/claim/")
            task = tasks[0]
            task.refresh_from_db()
            get(task.owner, "/api/v1/tasks/", "/api/v1/tasks/?scope=inbox")
            url = f"/api/v1/tasks/{task.pk}/complete/"
            post(task.owner, "/api/v1/tasks/{task_id}/complete/", url, step_data(case, task))
            case.refresh_from_db()
        get(people["supervisor"], "/api/v1/cases/{reference}/", f"/api/v1/cases/{case.reference}/")
        get(people["lawyer"], "/api/v1/tasks/", "/api/v1/tasks/?scope=archive")
    # then the lists, the board, the notifications, an unmasking, a release, a reassignment and the errors
    # are what the schema says too
    supervisor, lawyer = people["supervisor"], people["lawyer"]
    get(supervisor, "/api/v1/cases/", "/api/v1/cases/?page_size=1")
    get(supervisor, "/api/v1/board/")
    get(people["liaison"], "/api/v1/notifications/")
    post(people["liaison"], "/api/v1/notifications/read/", "/api/v1/notifications/read/", {"up_to": 10**9})
    url = f"/api/v1/cases/{references[0]['reference']}/unmask/"
    post(supervisor, "/api/v1/cases/{reference}/unmask/", url, {"reason": "核实当事人身份"})
    waiting = help_request_to("dispatched", people, specialties=["legal"])
    legal = open_tasks(waiting)["advise_legal"]
    post(lawyer, "/api/v1/tasks/{task_id}/claim/", f"/api/v1/tasks/{legal.pk}/claim/")
    url = f"/api/v1/tasks/{legal.pk}/release/"
    post(lawyer, "/api/v1/tasks/{task_id}/release/", url, {"code": "other", "reason": "出差"})
    action = "/api/v1/cases/{reference}/actions/{action}/"
    url = f"/api/v1/cases/{waiting.reference}/actions/reassign/"
    post(supervisor, action, url, {"task": legal.pk, "to_user": "lawyer2"})
    url = f"/api/v1/tasks/{legal.pk}/reassign/"
    post(supervisor, "/api/v1/tasks/{task_id}/reassign/", url, {"to_user": "lawyer", "reason": "回原律师"})
    url = f"/api/v1/cases/{waiting.reference}/actions/withdraw/"
    post(people["liaison"], action, url, {"reason": ""}, status=400)
    post(lawyer, "/api/v1/tasks/{task_id}/claim/", "/api/v1/tasks/999999/claim/", status=404)
    triage = open_tasks(dispute_to("registered", people))["triage"]
    pause, resume = "/api/v1/tasks/{task_id}/pause/", "/api/v1/tasks/{task_id}/resume/"
    post(
        people["mediator"],
        pause,
        f"/api/v1/tasks/{triage.pk}/pause/",
        {"reason": "等待申请人补充材料", "days": 2},
    )
    post(people["mediator"], resume, f"/api/v1/tasks/{triage.pk}/resume/")
    post(people["mediator"], resume, f"/api/v1/tasks/{triage.pk}/resume/", status=409)
    assert len(answers.checked) == 19, sorted(answers.checked)


# ---- the body of a step completion: one component per step, made from the step's form --------------------------

# The component of each step, in the catalogue's order: (kind, step name).
COMPLETIONS = {
    "DisputeTriageCompletion": (CaseKind.DISPUTE, "triage"),
    "DisputeConveneCompletion": (CaseKind.DISPUTE, "convene"),
    "DisputeConsultCompletion": (CaseKind.DISPUTE, "consult"),
    "DisputeResolutionCompletion": (CaseKind.DISPUTE, "resolution"),
    "DisputeFollowUpCompletion": (CaseKind.DISPUTE, "follow_up"),
    "DisputeAssessCompletion": (CaseKind.DISPUTE, "assess"),
    "HelpRequestDispatchCompletion": (CaseKind.HELP_REQUEST, "dispatch"),
    "HelpRequestAdviseLegalCompletion": (CaseKind.HELP_REQUEST, "advise_legal"),
    "HelpRequestAdviseAccountingCompletion": (CaseKind.HELP_REQUEST, "advise_accounting"),
    "HelpRequestAdviseTaxCompletion": (CaseKind.HELP_REQUEST, "advise_tax"),
    "HelpRequestJointSessionCompletion": (CaseKind.HELP_REQUEST, "joint_session"),
    "HelpRequestResolutionCompletion": (CaseKind.HELP_REQUEST, "resolution"),
    "HelpRequestFeedbackCompletion": (CaseKind.HELP_REQUEST, "feedback"),
    "HelpRequestAssessCompletion": (CaseKind.HELP_REQUEST, "assess"),
}


def resolved(schema: dict, node: dict) -> dict:
    """A property's schema with its ``$ref`` / single ``allOf`` followed."""
    if "allOf" in node:
        node = node["allOf"][0]
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_complete_takes_any_of_one_completion_per_step_with_its_forms_fields_and_choices(client):
    schema = json.loads(client.get("/api/schema/?format=json").content)
    components = schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/tasks/{task_id}/complete/"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/StepCompletion"}
    names = [ref["$ref"].rsplit("/", 1)[1] for ref in components["StepCompletion"]["anyOf"]]
    assert names == list(COMPLETIONS)
    for name, step in zip(names, STEPS, strict=True):
        assert COMPLETIONS[name] == (step.kind, step.name)
        form = step.form()
        component = components[name]
        assert list(component["properties"]) == list(form.fields), name
        assert component.get("required", []) == sorted(n for n, f in form.fields.items() if f.required), name
        for field_name, field in form.fields.items():
            documented = component["properties"][field_name]
            values = [value for value, _label in getattr(field, "choices", [])]
            if isinstance(field, forms.ModelMultipleChoiceField):
                assert documented["type"] == "array" and documented["items"] == {"type": "integer"}
            elif isinstance(field, forms.MultipleChoiceField):
                assert resolved(schema, documented["items"])["enum"] == values, (name, field_name)
            elif isinstance(field, forms.ChoiceField):
                assert resolved(schema, documented)["enum"] == values, (name, field_name)
            elif isinstance(field, forms.CharField) and field.max_length:
                assert documented["maxLength"] == field.max_length, (name, field_name)
    consult = components["DisputeConsultCompletion"]
    assert consult["required"] == ["decisions", "minutes"]  # a reopened consultation may keep its meeting
    priority = resolved(schema, components["DisputeTriageCompletion"]["properties"]["priority"])
    assert (priority["type"], priority["enum"]) == ("integer", [1, 2, 3])


def test_each_steps_example_completion_is_a_body_its_component_admits(client, people):
    schema = as_json_schema(json.loads(client.get("/api/schema/?format=json").content))
    cases = {
        CaseKind.DISPUTE: dispute_to("registered", people),
        CaseKind.HELP_REQUEST: help_request_to("submitted", people),
    }
    for name, step in zip(COMPLETIONS, STEPS, strict=True):
        example = json.loads(json.dumps(step.example(cases[step.kind]), cls=DjangoJSONEncoder))
        for component, admits in ((name, True), ("StepCompletion", True), (name, False)):
            body = example if admits else {**example, "not_a_field": 1}
            validator = Draft202012Validator(
                {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
            )
            assert validator.is_valid(body) is admits, (component, body)


def test_a_form_field_without_a_request_schema_is_refused_at_import_not_guessed():
    with pytest.raises(TypeError, match="No request schema for a FileField"):
        serializer_field(forms.FileField())

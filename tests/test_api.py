"""The JSON API through the real URLs: tokens, intake with idempotency, reads with masking and 404s, claims,
the one error shape, refusals that change nothing."""

import json

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from viewflow.workflow.models import Task

from cases.models import AuditEntry, Case, Clock, ExperienceCard
from demo.lifecycles import dispute_to, help_request_to
from demo.org import ENTERPRISES
from notifications.models import Notification
from tests.helpers import case_snapshot, dispute_body, help_request_body, open_tasks
from tests.test_concurrency import race

HELP = help_request_body()


def api(user=None, language="zh-hans"):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return Client(**headers)


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_a_token_for_good_credentials_and_one_error_shape_for_bad(people):
    people["liaison"].set_password("s3cret-pass")
    people["liaison"].save()
    response = post(api(), "/api/v1/auth/token/", {"username": "liaison", "password": "s3cret-pass"})
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=people["liaison"]).key}
    response = post(api(), "/api/v1/auth/token/", {"username": "liaison", "password": "wrong"})
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_without_credentials_every_endpoint_is_a_401(db):
    response = api().get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_intake_with_an_idempotency_key_makes_one_case(people):
    client = api(people["liaison"])
    first = post(client, "/api/v1/help-requests/", HELP, HTTP_IDEMPOTENCY_KEY="kiosk-0001")
    again = post(client, "/api/v1/help-requests/", HELP, HTTP_IDEMPOTENCY_KEY="kiosk-0001")
    assert first.status_code == again.status_code == 201
    # the repeat answers as the first did, but for the tracking code: it is shown once (only its hash is kept)
    assert len(first.json()["tracking_code"]) == 14 and again.json()["tracking_code"] is None
    assert {**first.json(), "tracking_code": None} == again.json()
    assert Case.objects.count() == 1
    body = first.json()
    assert (body["kind"], body["state"], body["unit"]["name"]) == (
        "help_request",
        "submitted",
        "泰兴城区工业园区三师助企工作站",
    )
    assert body["fields"]["contact_phone"] == "13912345678"  # the liaison works the case
    other = post(client, "/api/v1/help-requests/", HELP, HTTP_IDEMPOTENCY_KEY="kiosk-0002")
    assert other.json()["reference"] != body["reference"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "credit_code",
            ENTERPRISES[0][1][:-1] + ("1" if ENTERPRISES[0][1][-1] != "1" else "2"),
            "统一社会信用代码有误",
        ),
        ("contact_phone", "1391234567", "手机号"),
        ("card_code", "TXK-EXPIRED", "已于"),
        ("specialties", ["astrology"], "请从列出的选项中选择。"),  # a refused choice is never repeated
    ],
)
def test_invalid_intake_is_a_400_in_chinese_and_writes_nothing(people, field, value, message):
    response = post(api(people["liaison"]), "/api/v1/help-requests/", {**HELP, field: value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert message in error["fields"][field][0]
    assert Case.objects.count() == 0 and AuditEntry.objects.count() == 0
    assert ExperienceCard.objects.get(code="TXK-EXPIRED").services_left == 3


def test_a_case_of_another_unit_is_a_404_that_reveals_nothing(people):
    case = dispute_to("registered", people)
    response = api(people["supervisor_hailing"]).get(f"/api/v1/cases/{case.reference}/")
    assert response.status_code == 404
    assert case.reference not in response.content.decode()
    assert api(people["supervisor_hailing"]).get("/api/v1/cases/").json() == {"next": None, "results": []}


def test_a_professional_sees_contact_data_only_after_claiming_through_the_api(people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    lawyer = api(people["lawyer"])
    detail = lawyer.get(f"/api/v1/cases/{case.reference}/").json()
    assert detail["fields"]["contact_phone"] == "139****5678"
    queue = lawyer.get("/api/v1/tasks/?scope=queue").json()["results"]
    assert [(t["reference"], t["step"], t["status"]) for t in queue] == [
        (case.reference, "advise_legal", "NEW")
    ]
    response = lawyer.post(f"/api/v1/tasks/{queue[0]['id']}/claim/")
    assert response.status_code == 200 and response.json()["owner"] == "lawyer"
    assert lawyer.get(f"/api/v1/cases/{case.reference}/").json()["fields"]["contact_phone"] == "13912345678"
    response = api(people["lawyer2"]).post(f"/api/v1/tasks/{queue[0]['id']}/claim/")
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "conflict", "message": "此任务已被他人认领。", "fields": {}}


def test_a_side_exit_without_reason_is_a_400_and_changes_nothing(people):
    case = dispute_to("triaged", people)
    before = AuditEntry.objects.count()
    response = post(
        api(people["mediator"]), f"/api/v1/cases/{case.reference}/actions/reject/", {"reason": ""}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": ["请填写原因。"]}
    assert AuditEntry.objects.count() == before and Case.objects.get(pk=case.pk).state == "triaged"


def test_a_help_request_from_intake_to_closing_through_the_api(people):
    liaison, lawyer, tax, supervisor = (
        api(people[n]) for n in ("liaison", "lawyer", "tax_advisor", "supervisor")
    )
    reference = post(liaison, "/api/v1/help-requests/", HELP).json()["reference"]

    def complete(client, data):
        task = client.get("/api/v1/tasks/?scope=inbox").json()["results"][0]
        response = post(client, f"/api/v1/tasks/{task['id']}/complete/", data)
        assert response.status_code == 200, response.json()

    def claim_and_complete(client, data):
        task = next(
            t
            for t in client.get("/api/v1/tasks/?scope=queue").json()["results"]
            if t["reference"] == reference
        )
        assert client.post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 200
        complete(client, data)

    complete(liaison, {"specialties": ["legal", "tax"], "priority": 2})
    claim_and_complete(lawyer, {"text": "完善劳动合同"})
    claim_and_complete(tax, {"text": "研发费用加计扣除"})
    complete(
        liaison,
        {"scheduled_at": "2026-12-01T14:00", "place": "工作站", "minutes": "会商", "decisions": "方案"},
    )
    complete(liaison, {"solution": "出具方案", "proxy_service_done": True})
    complete(liaison, {"rating": 5, "comment": "满意"})
    claim_and_complete(supervisor, {"quality_score": 5})
    detail = supervisor.get(f"/api/v1/cases/{reference}/").json()
    assert detail["state"] == "closed" and detail["open_tasks"] == []
    assert [e["name"] for e in detail["timeline"] if e["action"] == "transition"] == [
        "dispatch",
        "claim",
        "consult",
        "conclude",
        "resolve",
        "rate",
        "commend",
    ]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_claims_through_the_api_give_one_200_and_nineteen_409(
    postgres_only, committed_people
):
    from tests.factories import ProfessionalFactory

    lawyers = [committed_people["lawyer"], committed_people["lawyer2"], *ProfessionalFactory.create_batch(18)]
    tokens = [Token.objects.get_or_create(user=lawyer)[0].key for lawyer in lawyers]
    case = help_request_to("dispatched", committed_people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]

    def claim(key):
        def call():
            try:
                return (
                    Client(HTTP_AUTHORIZATION=f"Token {key}")
                    .post(f"/api/v1/tasks/{task.pk}/claim/")
                    .status_code
                )
            finally:
                connection.close()

        return call

    statuses = race([claim(key) for key in tokens])
    assert sorted(statuses) == [200] + [409] * 19
    assert AuditEntry.objects.filter(case=case, action="claimed").count() == 1


def test_a_supervisor_reassigns_through_the_case_actions_and_a_task_of_another_case_is_a_404(people):
    case = help_request_to("claimed", people, specialties=["legal"])
    other = help_request_to("dispatched", people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    supervisor = api(people["supervisor"])
    url = f"/api/v1/cases/{other.reference}/actions/reassign/"
    assert post(supervisor, url, {"task": task.pk, "to_user": "lawyer2"}).status_code == 404
    url = f"/api/v1/cases/{case.reference}/actions/reassign/"
    response = post(supervisor, url, {"task": task.pk, "to_user": "lawyer2", "reason": "均衡"})
    assert response.status_code == 200
    assert [t["owner"] for t in response.json()["open_tasks"]] == ["lawyer2"]


def test_a_supervisor_reassigns_a_task_through_its_own_endpoint_and_gets_the_task(people):
    # given a help request whose legal advice the lawyer claimed
    case = help_request_to("claimed", people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    before = AuditEntry.objects.filter(case=case).count()
    due = Clock.objects.get(task_id=task.pk).due_at  # 5 working days from the lawyer's claim
    # when the supervisor gives it to the other lawyer
    response = post(
        api(people["supervisor"]),
        f"/api/v1/tasks/{task.pk}/reassign/",
        {"to_user": "lawyer2", "reason": "均衡"},
    )
    # then the answer is the task, now the other lawyer's, as claim and complete answer it
    assert response.status_code == 200
    task.refresh_from_db()
    assert response.json() == {
        "id": task.pk,
        "reference": case.reference,
        "step": "advise_legal",
        "title": "法律意见",
        "status": "ASSIGNED",
        "owner": "lawyer2",
        "created": task.created.isoformat(),
        "sla": {"due_at": due.isoformat(), "light": "green", "paused": False},  # its clock goes on as it was
        "extensions": [],
    }
    assert Clock.objects.get(task_id=task.pk).due_at == due
    entry = AuditEntry.objects.filter(case=case).latest("id")
    assert AuditEntry.objects.filter(case=case).count() == before + 1
    assert (entry.action, entry.name, entry.actor, entry.subject, entry.reason) == (
        "reassigned",
        "advise_legal",
        people["supervisor"],
        people["lawyer2"],
        "均衡",
    )


CLAIMED = "the claimed legal task"
DONE = "the finished dispatch task"
NAME_THE_PERSON = {"to_user": ["请指明改派对象（登录名）。"]}
NAME_THE_TASK_AND_PERSON = {
    "to_user": ["请指明要改派的任务（编号）和改派对象（登录名）。"]
}  # v1: the body names the task


@pytest.mark.parametrize(
    ("who", "which", "data", "status", "error"),
    [
        ("supervisor", CLAIMED, {}, 400, NAME_THE_PERSON),
        ("supervisor", CLAIMED, {"to_user": "nobody"}, 400, NAME_THE_PERSON),
        ("supervisor", CLAIMED, {"to_user": "lawyer"}, 400, {"to_user": ["此任务已由周律师承办。"]}),
        ("supervisor", CLAIMED, {"to_user": "mediator"}, 400, {"to_user": ["王调解无权办理此任务。"]}),
        ("supervisor", DONE, {"to_user": "liaison"}, 409, {}),
        ("lawyer", CLAIMED, {"to_user": "lawyer2"}, 403, {}),
        ("supervisor_taixing", "an unknown id", {"to_user": "lawyer2"}, 404, {}),
        ("supervisor_hailing", CLAIMED, {"to_user": "lawyer2"}, 404, {}),
        ("liaison", CLAIMED, {"to_user": "lawyer2"}, 404, {}),
    ],
)
def test_a_refused_reassignment_changes_nothing_on_either_endpoint(people, who, which, data, status, error):
    # given a help request whose legal advice the lawyer claimed
    case = help_request_to("claimed", people, specialties=["legal"])
    task = {CLAIMED: open_tasks(case)["advise_legal"].pk, "an unknown id": 999999}.get(which)
    if which == DONE:
        task = Task.objects.get(process__caseprocess__case=case, flow_task_type="HUMAN", status="DONE").pk
    before, notifications = case_snapshot(case), Notification.objects.count()
    # when the reassignment is asked on the task's endpoint and on v1's case action
    client = api(people[who])
    answers = [
        post(client, f"/api/v1/tasks/{task}/reassign/", data),
        post(client, f"/api/v1/cases/{case.reference}/actions/reassign/", {**data, "task": task}),
    ]
    # then both refuse it alike and nothing changed: no task, audit row, state or notification
    v1_error = NAME_THE_TASK_AND_PERSON if error == NAME_THE_PERSON else error
    assert [(a.status_code, a.json()["error"]["fields"]) for a in answers] == [
        (status, error),
        (status, v1_error),
    ]
    assert answers[0].json()["error"]["code"] == answers[1].json()["error"]["code"]
    assert case_snapshot(case) == before
    assert Notification.objects.count() == notifications


def test_bad_parameters_are_refused_clearly(people):
    supervisor = api(people["supervisor"])
    response = supervisor.get("/api/v1/tasks/?scope=everything")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"scope": ["scope 只能是 queue、inbox 或 archive。"]}
    response = post(supervisor, "/api/v1/help-requests/", {**HELP, "unit": 999999})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"unit": ["没有这个单位。"]}
    assert Case.objects.count() == 0
    case = dispute_to("registered", people)
    assert post(supervisor, f"/api/v1/cases/{case.reference}/actions/explode/", {}).status_code == 404


def test_a_supervisor_registers_in_a_unit_below_them_but_not_elsewhere(people):
    from cases.models import Unit

    station = Unit.objects.get(name="泰兴城区工业园区三师助企工作站")
    response = post(api(people["supervisor_taixing"]), "/api/v1/help-requests/", {**HELP, "unit": station.pk})
    assert response.status_code == 201 and response.json()["unit"]["name"] == station.name
    response = post(api(people["supervisor_hailing"]), "/api/v1/help-requests/", {**HELP, "unit": station.pk})
    assert response.status_code == 403
    assert Case.objects.count() == 1


def test_a_body_that_is_not_a_json_object_is_a_400_and_an_unknown_task_a_json_404(people):
    client = api(people["lawyer"])
    response = client.post("/api/v1/notifications/read/", "622859", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请求体须为 JSON 对象。"
    response = client.post("/api/v1/tasks/null,null/claim/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = client.post(
        "/api/v1/notifications/read/", "--x--", content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"


def test_a_supervisor_unmasks_with_a_reason_and_it_is_audited(people):
    case = dispute_to("registered", people)
    url = f"/api/v1/cases/{case.reference}/unmask/"
    supervisor = api(people["supervisor_taixing"])
    assert (
        supervisor.get(f"/api/v1/cases/{case.reference}/").json()["fields"]["applicant_phone"]
        == "138****1234"
    )

    before = AuditEntry.objects.filter(case=case).count()
    response = post(supervisor, url, {"reason": ""})
    assert response.status_code == 400 and response.json()["error"]["fields"] == {
        "reason": ["请说明查看个人信息的理由。"]
    }
    response = post(api(people["lawyer"]), url, {"reason": "好奇"})
    assert response.status_code == 404
    assert AuditEntry.objects.filter(case=case).count() == before

    response = post(supervisor, url, {"reason": "核实当事人身份"})
    assert response.status_code == 200
    assert response.json()["fields"]["applicant_phone"] == "13812341234"
    entry = AuditEntry.objects.filter(case=case).latest("id")
    assert (entry.action, entry.actor, entry.reason) == (
        "unmasked",
        people["supervisor_taixing"],
        "核实当事人身份",
    )


def test_a_bad_id_number_or_a_used_up_card_is_a_400_and_writes_nothing(people):
    dispute = dispute_body(applicant_id_number="110105194912310021")
    response = post(api(people["mediator"]), "/api/v1/disputes/", dispute)
    assert response.status_code == 400
    assert "校验码" in response.json()["error"]["fields"]["applicant_id_number"][0]
    ExperienceCard.objects.filter(code="TXK-0003").update(services_left=0)
    response = post(api(people["liaison"]), "/api/v1/help-requests/", {**HELP, "card_code": "TXK-0003"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["card_code"] == ["体验卡 TXK-0003 的免费服务次数已用完。"]
    assert Case.objects.count() == 0 and AuditEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_idempotency_key_make_one_case(postgres_only, committed_people):
    key = Token.objects.get_or_create(user=committed_people["liaison"])[0].key

    def intake():
        try:
            response = Client(HTTP_AUTHORIZATION=f"Token {key}").post(
                "/api/v1/help-requests/",
                json.dumps(HELP),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="k-1",
            )
            return response.status_code, response.json()["reference"]
        finally:
            connection.close()

    outcomes = race([intake, intake])
    assert outcomes[0] == outcomes[1] and outcomes[0][0] == 201
    assert Case.objects.count() == 1

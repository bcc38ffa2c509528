"""Returns (退回) with reason codes: a professional's release of a claimed task, an escalated dispute sent back by
the unit it went to, a referred dispute back from its department; each with a code from one list (其他 needs a
text), decided once by the unit that receives it (re-dispatched or upheld), counted per unit, and none of them
restarts a clock. Services, the pages and the API as each role; every refusal changes nothing. Time is frozen
with time-machine."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from viewflow.workflow.status import STATUS

from cases import rules
from cases.errors import Conflict
from cases.models import AuditEntry, Case, CaseReturn, CaseState, Clock, Unit, User
from cases.selectors.returns import returns_by_unit
from demo.lifecycles import dispute_to, help_request_to, work_open_task
from notifications.models import Notification
from tests.helpers import audit_trail, case_snapshot, open_task, open_tasks, visible_text
from tests.test_api_schema import Answers
from tests.test_clocks import at, case_clock, clock_of, clock_state, local, timers
from tests.test_concurrency import race
from tests.test_pages_language import english_words
from workflow import services

DEPARTMENT = "泰兴市劳动人事争议仲裁委员会"
STATION = "泰兴城区工业园区三师助企工作站"
NOT_RETURNABLE = "只有上报至本单位且尚未研判的纠纷，或已转办的纠纷，才能退回。"
CHOOSE_A_CODE = "请选择退回原因。"
UNLISTED = "请从列出的选项中选择。"
OTHER_NEEDS_TEXT = "选择“其他”时，请写明退回原因。"


def api(user: User, language: str = "zh-hans") -> Client:
    token = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)


def send(user: User, url: str, body: dict | None = None):
    return api(user).post(url, json.dumps(body or {}), content_type="application/json")


def page(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def error(response) -> tuple[int, str, dict]:
    body = response.json()["error"]
    return response.status_code, body["message"], body["fields"]


def inbox(user: User) -> list[tuple[str, str]]:
    return [(n.type, n.text) for n in Notification.objects.filter(recipient=user).order_by("pk")]


def described(returned: CaseReturn) -> dict:
    returned = CaseReturn.objects.select_related("from_unit", "to_unit", "created_by", "decided_by").get(
        pk=returned.pk
    )
    return {
        "kind": returned.kind,
        "code": returned.code,
        "reason": returned.reason,
        "from": returned.from_unit.name if returned.from_unit else returned.from_name,
        "to": returned.to_unit.name,
        "step": returned.step,
        "by": returned.created_by.username,
        "decision": returned.decision,
        "decided_by": returned.decided_by.username if returned.decided_by else None,
        "note": returned.decision_note,
    }


def world(case: Case) -> dict:
    """Everything a refused return or decision must leave alone."""
    return {
        **case_snapshot(case),
        **clock_state(case),  # clocks, timers, audit rows, notifications
        "escalated_from": Case.objects.get(pk=case.pk).escalated_from_id,
        "returns": list(
            CaseReturn.objects.order_by("pk").values_list("pk", "code", "reason", "decision", "decided_by")
        ),
    }


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def unit_ref(name: str) -> dict:
    found = unit(name)
    return {"id": found.pk, "name": found.name}


@pytest.fixture
def frozen(time_machine):
    """Freeze time at a moment given as local Asia/Shanghai text: ``frozen("2026-11-02 09:00")``."""

    def move(text: str) -> None:
        time_machine.move_to(at(text), tick=False)

    return move


# ---- a professional's release ----------------------------------------------------------------------------------


@pytest.fixture
def claimed(people, frozen):
    """A legal request dispatched on Monday 2 November at 09:00, claimed by the lawyer at 10:00."""
    frozen("2026-11-02 09:00")
    case = help_request_to("dispatched", people, specialties=["legal"])
    legal = open_tasks(case)["advise_legal"]
    frozen("2026-11-02 10:00")
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    return case, legal


def test_a_lawyer_releases_with_a_code_the_station_is_asked_to_decide_and_the_clock_runs_on(
    people, frozen, claimed
):
    case, legal = claimed
    clock = clock_of(legal)
    assert (local(clock.started_at), local(clock.due_at)) == ("2026-11-02 10:00:00", "2026-11-09 10:00:00")
    moments = (clock.started_at, clock.due_at, clock.yellow_at, timers(clock))

    # when the lawyer gives it back on Tuesday: not a question for a lawyer
    frozen("2026-11-03 09:30")
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="function")

    # then it is a return from his unit to the request's, waiting for the station's decision
    returned = CaseReturn.objects.get(case=case)
    assert described(returned) == {
        "kind": "release",
        "code": "function",
        "reason": "",
        "from": "三师服务分团",
        "to": STATION,
        "step": "advise_legal",
        "by": "lawyer",
        "decision": "",
        "decided_by": None,
        "note": "",
    }
    assert returned.task_id == legal.pk
    # and the task is back in the queue with its clock as it was: a release never restarts it
    legal.refresh_from_db()
    assert (legal.status, legal.owner) == (STATUS.NEW, None)
    fresh = clock_of(legal)
    assert (fresh.started_at, fresh.due_at, fresh.yellow_at, timers(fresh)) == moments
    # and the liaison officer is asked to decide; the other lawyer finds it in his queue again
    assert inbox(people["liaison"])[-1] == (
        "return.received",
        f"{case.reference} 已退回{STATION}（职能不符），请重新派发或认定退回成立",
    )
    assert inbox(people["lawyer2"])[-1] == ("queue.new", f"待认领任务：{case.reference} · 法律意见")
    assert audit_trail(case)[-2:] == [
        ("released", "advise_legal", "", "", "lawyer"),
        ("transition", "release", "claimed", "dispatched", "lawyer"),
    ]


def test_the_api_release_takes_a_code_and_keeps_reason_as_its_text(people, claimed):
    case, legal = claimed

    response = send(
        people["lawyer"], f"/api/v1/tasks/{legal.pk}/release/", {"code": "other", "reason": "出差"}
    )

    assert (response.status_code, response.json()) == (200, {"id": legal.pk, "status": "NEW"})
    assert (described(CaseReturn.objects.get(case=case))["code"], CaseReturn.objects.get().reason) == (
        "other",
        "出差",
    )
    assert AuditEntry.objects.get(case=case, action="released").reason == "出差"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"reason": "出差"}, {"code": [CHOOSE_A_CODE]}),  # a v1 client's body: a reason, no code
        ({"code": "holiday", "reason": "出差"}, {"code": [UNLISTED]}),
        ({"code": "other"}, {"reason": [OTHER_NEEDS_TEXT]}),
        ({"code": "other", "reason": "   "}, {"reason": [OTHER_NEEDS_TEXT]}),
        ({"code": ["function"]}, {"code": ["此处请填写单个值，而不是列表或对象。"]}),
    ],
)
def test_a_release_without_a_code_with_an_unknown_one_or_other_without_text_is_refused(
    people, claimed, body, fields
):
    case, legal = claimed
    before = world(case)

    response = send(people["lawyer"], f"/api/v1/tasks/{legal.pk}/release/", body)

    assert error(response) == (400, next(iter(fields.values()))[0], fields)
    assert world(case) == before


def test_the_task_page_releases_with_a_code_and_refuses_without_one(people, claimed):
    case, legal = claimed
    lawyer = page(people["lawyer"])
    before = world(case)

    refused = lawyer.post(reverse("task_release", args=[legal.pk]), {"reason": "出差"})

    assert refused.status_code == 400
    assert CHOOSE_A_CODE in visible_text(refused.content.decode())
    assert world(case) == before
    form = lawyer.get(reverse("task", args=[legal.pk])).content.decode()
    assert all(label in form for label in ("职能不符", "属地不符", "权属不清", "信息不全", "其他（请说明）"))

    done = lawyer.post(reverse("task_release", args=[legal.pk]), {"code": "incomplete", "reason": ""})

    assert (done.status_code, done["Location"]) == (302, reverse("queue"))
    assert described(CaseReturn.objects.get(case=case))["code"] == "incomplete"


# ---- the station decides ----------------------------------------------------------------------------------------


def test_the_station_re_dispatches_a_release_and_the_queue_hears_of_it_again_but_not_who_gave_it_back(
    people, frozen, claimed
):
    case, legal = claimed
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="ownership")
    returned = CaseReturn.objects.get(case=case)
    url = f"/api/v1/returns/{returned.pk}/decide/"
    lawyers_queue_news = [t for t, _ in inbox(people["lawyer2"])].count("queue.new")
    own_queue_news = [t for t, _ in inbox(people["lawyer"])].count("queue.new")
    before = world(case)

    # refused: someone who sees the return but is not of the station; people who do not see it
    response = send(people["lawyer"], url, {"decision": "redispatched"})
    assert error(response) == (403, f"只有{STATION}（其工作人员或统战部人员）可以处理这次退回。", {})
    for outsider in ("accountant", "mediator", "supervisor_hailing"):
        assert error(send(people[outsider], url, {"decision": "upheld"}))[0] == 404, outsider
    assert error(send(people["liaison"], url, {"decision": "maybe"})) == (
        400,
        UNLISTED,
        {"decision": [UNLISTED]},
    )
    assert error(send(people["liaison"], url, {})) == (
        400,
        "请选择重新派发或认定退回成立。",
        {"decision": ["请选择重新派发或认定退回成立。"]},
    )
    assert world(case) == before

    # when the liaison officer re-dispatches it
    frozen("2026-11-03 11:00")
    response = send(people["liaison"], url, {"decision": "redispatched", "note": "属法律问题，请律师认领"})

    assert response.status_code == 200
    answer = response.json()
    assert answer == {
        "id": returned.pk,
        "reference": case.reference,
        "kind": "release",
        "code": "ownership",
        "reason": "",
        "from_unit": unit_ref("三师服务分团"),
        "from_name": "",
        "to_unit": unit_ref(STATION),
        "step": "advise_legal",
        "task": legal.pk,
        "by": "lawyer",
        "created_at": answer["created_at"],
        "decision": "redispatched",
        "decided_by": "liaison",
        "decided_at": "2026-11-03T03:00:00+00:00",
        "decision_note": "属法律问题，请律师认领",
    }
    # then the other lawyer hears of the task again, the lawyer who gave it back hears the decision
    assert [t for t, _ in inbox(people["lawyer2"])].count("queue.new") == lawyers_queue_news + 1
    assert inbox(people["lawyer"])[-1] == (
        "return.decided",
        f"您退回的 {case.reference} 已由{STATION}处理：重新派发",
    )
    assert [t for t, _ in inbox(people["lawyer"])].count("queue.new") == own_queue_news
    assert audit_trail(case)[-1] == ("return_decided", "redispatched", "", "", "liaison")

    # and a second decision is refused, changing nothing
    before = world(case)
    response = send(people["supervisor_taixing"], url, {"decision": "upheld"})
    assert error(response) == (409, "这次退回已经处理过了。", {})
    assert world(case) == before


def test_a_supervisor_upholds_a_release_on_the_case_page(people, claimed):
    case, legal = claimed
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="territory")
    returned = CaseReturn.objects.get(case=case)
    supervisor = page(people["supervisor_taixing"])
    case_page = supervisor.get(reverse("case", args=[case.reference])).content.decode()
    assert reverse("return_decide", args=[returned.pk]) in case_page

    response = supervisor.post(reverse("return_decide", args=[returned.pk]), {"decision": "upheld"})

    assert (response.status_code, response["Location"]) == (302, reverse("case", args=[case.reference]))
    assert described(returned)["decision"] == "upheld"
    assert described(returned)["decided_by"] == "supervisor_taixing"
    # the task waits in the queue as it was: upholding only records that the return held
    legal.refresh_from_db()
    assert (legal.status, legal.owner) == (STATUS.NEW, None)
    # and the liaison officer's page no longer offers a decision
    liaison_page = page(people["liaison"]).get(reverse("case", args=[case.reference])).content.decode()
    assert reverse("return_decide", args=[returned.pk]) not in liaison_page
    assert "退回成立" in visible_text(liaison_page)


# ---- an escalated dispute sent back ------------------------------------------------------------------------------


@pytest.fixture
def escalated(people, frozen):
    """A dispute of 祥泰社区 registered on Monday 2 November at 09:00, escalated to 济川街道 on Wednesday at 15:00:
    triage there is due on Thursday at 15:00."""
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    frozen("2026-11-04 15:00")
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    return Case.objects.get(pk=case.pk)


def test_the_street_sends_an_escalated_dispute_back_and_triage_at_home_keeps_the_clock(
    people, frozen, escalated
):
    case = escalated
    assert (case.state, case.unit.name, case.escalated_from.name) == ("escalated", "济川街道", "祥泰社区")
    street_triage = clock_of(open_task(case, "triage"))
    assert local(street_triage.due_at) == "2026-11-05 15:00:00"
    whole_due = case_clock(case).due_at

    # when the street's mediator sends it back on Thursday morning: it is the community's to settle
    frozen("2026-11-05 10:00")
    response = send(
        people["mediator_street"],
        f"/api/v1/cases/{case.reference}/return/",
        {"code": "territory", "reason": "属祥泰社区辖区"},
    )

    assert response.status_code == 201
    answer = response.json()
    returned = CaseReturn.objects.get(case=case)
    assert answer == {
        "id": returned.pk,
        "reference": case.reference,
        "kind": "escalation",
        "code": "territory",
        "reason": "属祥泰社区辖区",
        "from_unit": unit_ref("济川街道"),
        "from_name": "",
        "to_unit": unit_ref("祥泰社区"),
        "step": "triage",
        "task": None,
        "by": "mediator_street",
        "created_at": "2026-11-05T02:00:00+00:00",
        "decision": "",
        "decided_by": None,
        "decided_at": None,
        "decision_note": "",
    }
    # then the dispute waits for triage at 祥泰社区 again, in its mediators' queue
    case.refresh_from_db()
    assert (case.state, case.unit.name, case.escalated_from, case.exit_reason) == (
        "registered",
        "祥泰社区",
        None,
        "",
    )
    triage = open_task(case, "triage")
    assert triage.owner is None
    # and no clock restarted: the triage goes on with the window it had at the street, the case with its own
    home = clock_of(triage)
    assert (home.started_at, home.due_at, home.yellow_at) == (
        street_triage.started_at,
        street_triage.due_at,
        street_triage.yellow_at,
    )
    assert timers(home) == {
        "yellow": local(street_triage.yellow_at),
        "red": "2026-11-05 15:00:00",
        "supervise": "2026-11-09 15:00:00",
    }
    assert case_clock(case).due_at == whole_due and local(whole_due) == "2026-12-02 09:00:00"
    assert case.due_at == home.due_at
    assert Clock.objects.get(pk=street_triage.pk).stopped_at is not None
    assert audit_trail(case)[-1] == ("transition", "send_back", "escalated", "registered", "mediator_street")
    # and the community's mediators are asked to decide, and find the triage in their queue
    for mediator in ("mediator", "mediator2"):
        assert inbox(people[mediator])[-2:] == [
            ("return.received", f"{case.reference} 已退回祥泰社区（属地不符），请重新派发或认定退回成立"),
            ("queue.new", f"待认领任务：{case.reference} · 研判"),
        ]
    assert "return.received" not in [kind for kind, _text in inbox(people["mediator_street"])]


def test_the_community_re_dispatches_the_return_the_street_gets_the_dispute_again_with_the_same_clock(
    people, frozen, escalated
):
    case = escalated
    frozen("2026-11-05 10:00")
    returned = services.case_return(
        reference=case.reference, user=people["mediator_street"], code="ownership", reason="权属待查"
    )
    due = clock_of(open_task(case, "triage")).due_at
    mediator2 = page(people["mediator2"])
    before = world(case)

    # refused: re-dispatching a dispute needs the reason it goes out again
    refused = mediator2.post(reverse("return_decide", args=[returned.pk]), {"decision": "redispatched"})
    assert refused.status_code == 400
    assert "请说明重新派发该纠纷的理由。" in visible_text(refused.content.decode())
    assert world(case) == before

    # when the community's other mediator re-dispatches it: it needs the street's coordination
    frozen("2026-11-05 11:00")
    response = mediator2.post(
        reverse("return_decide", args=[returned.pk]),
        {"decision": "redispatched", "note": "涉及两个社区，需街道协调"},
    )

    # then it is escalated to the street again (out of her sight: she is sent to the returns page)
    assert (response.status_code, response["Location"]) == (302, reverse("returns"))
    case.refresh_from_db()
    assert (case.state, case.unit.name, case.escalated_from.name) == ("escalated", "济川街道", "祥泰社区")
    assert audit_trail(case)[-2:] == [
        ("return_decided", "redispatched", "", "", "mediator2"),
        ("transition", "escalate", "registered", "escalated", "mediator2"),
    ]
    # and the street's triage goes on with the same clock: no restart by a bounce
    assert clock_of(open_task(case, "triage")).due_at == due
    assert inbox(people["mediator_street"])[-2:] == [
        ("return.decided", f"您退回的 {case.reference} 已由祥泰社区处理：重新派发"),
        ("queue.new", f"待认领任务：{case.reference} · 研判"),
    ]
    assert described(returned)["note"] == "涉及两个社区，需街道协调"


def test_the_community_upholds_the_return_and_triages_the_dispute_itself(people, frozen, escalated):
    case = escalated
    frozen("2026-11-05 10:00")
    returned = services.case_return(reference=case.reference, user=people["mediator_street"], code="function")

    response = send(people["mediator"], f"/api/v1/returns/{returned.pk}/decide/", {"decision": "upheld"})

    assert (response.status_code, response.json()["decision"]) == (200, "upheld")
    case.refresh_from_db()
    work_open_task(case, people)
    case.refresh_from_db()
    assert (case.state, case.unit.name) == ("triaged", "祥泰社区")


def test_returning_a_dispute_that_was_not_escalated_here_or_referred_is_refused_and_changes_nothing(
    people, escalated
):
    home = dispute_to("registered", people)
    triaged_at_street = escalated
    work_open_task(triaged_at_street, people)
    triaged_at_street.refresh_from_db()
    assert (triaged_at_street.state, triaged_at_street.unit.name) == ("triaged", "济川街道")
    help_request = help_request_to("dispatched", people, specialties=["legal"])
    for case, who in (
        (home, "mediator"),
        (triaged_at_street, "mediator_street"),
        (help_request, "liaison"),
    ):
        before = world(case)
        response = send(people[who], f"/api/v1/cases/{case.reference}/return/", {"code": "function"})
        assert error(response) == (409, NOT_RETURNABLE, {}), who
        assert world(case) == before


def test_sending_back_is_for_the_unit_the_dispute_went_to_and_needs_a_code(people, escalated):
    case = escalated
    url = f"/api/v1/cases/{case.reference}/return/"
    before = world(case)

    # the community's mediator still sees the dispute she registered, but it is not hers to send back
    response = send(people["mediator"], url, {"code": "function"})
    assert error(response) == (403, f"您无权对案件 {case.reference} 进行此操作。", {})
    # someone of another district does not see it at all
    assert error(send(people["mediator_chengxi"], url, {"code": "function"}))[0] == 404
    # the street's mediator must give a code of the list, and a text with 其他
    street = people["mediator_street"]
    assert error(send(street, url, {"reason": "不归我们"})) == (400, CHOOSE_A_CODE, {"code": [CHOOSE_A_CODE]})
    assert error(send(street, url, {"code": "unknown"})) == (400, UNLISTED, {"code": [UNLISTED]})
    assert error(send(street, url, {"code": "other", "reason": ""})) == (
        400,
        OTHER_NEEDS_TEXT,
        {"reason": [OTHER_NEEDS_TEXT]},
    )
    assert error(send(street, url, {"code": "other", "reason": "理" * 1001}))[0] == 400
    assert world(case) == before
    # the page refuses alike
    refused = page(street).post(reverse("case_return", args=[case.reference]), {"code": "other"})
    assert refused.status_code == 400
    assert OTHER_NEEDS_TEXT in visible_text(refused.content.decode())
    assert world(case) == before


def test_the_street_sends_back_on_the_case_page(people, escalated):
    case = escalated
    street = page(people["mediator_street"])
    form = street.get(reverse("case", args=[case.reference])).content.decode()
    assert "退回祥泰社区" in visible_text(form) and english_words(form) == set()

    response = street.post(
        reverse("case_return", args=[case.reference]), {"code": "incomplete", "reason": ""}
    )

    # the dispute left the street, so its mediator lands on the returns page
    assert (response.status_code, response["Location"]) == (302, reverse("returns"))
    assert described(CaseReturn.objects.get(case=case))["code"] == "incomplete"


# ---- a referred dispute back from its department ----------------------------------------------------------------


@pytest.fixture
def referred(people, frozen):
    """A dispute triaged on Monday 2 November at 09:00 (the consultation due on Monday 9 November), referred to
    the labour arbitration on Tuesday."""
    frozen("2026-11-02 09:00")
    case = dispute_to("triaged", people)
    convene = clock_of(open_task(case, "convene"))
    assert local(convene.due_at) == "2026-11-09 09:00:00"
    frozen("2026-11-03 10:00")
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="refer", reason="劳动争议", to=DEPARTMENT
    )
    case.refresh_from_db()
    assert (case.state, case.closed_at is not None, case.due_at) == ("referred", True, None)
    return case, convene


def test_a_mediator_records_the_departments_return_and_the_dispute_is_open_again_with_its_clocks(
    people, frozen, referred
):
    case, convene = referred
    whole = case_clock(case)
    assert whole.stopped_at is not None

    # when the department sends it back on Friday and the mediator records it on the case page
    frozen("2026-11-06 11:00")
    mediator = page(people["mediator"])
    assert f"{DEPARTMENT} 已退回：登记转办退回" in visible_text(
        mediator.get(reverse("case", args=[case.reference])).content.decode()
    )
    response = mediator.post(
        reverse("case_return", args=[case.reference]), {"code": "function", "reason": "不属于劳动争议"}
    )

    assert (response.status_code, response["Location"]) == (302, reverse("case", args=[case.reference]))
    returned = CaseReturn.objects.get(case=case)
    assert described(returned) == {
        "kind": "referral",
        "code": "function",
        "reason": "不属于劳动争议",
        "from": DEPARTMENT,
        "to": "祥泰社区",
        "step": "",
        "by": "mediator",
        "decision": "",
        "decided_by": None,
        "note": "",
    }
    assert returned.from_unit is None
    # then the case is open again, waiting for her triage
    case.refresh_from_db()
    assert (case.state, case.closed_at, case.referred_to, case.exit_reason) == ("registered", None, "", "")
    triage = open_task(case, "triage")
    assert triage.owner == people["mediator"]
    # and no clock restarted: the case's own runs again from the registration, the triage goes on with the
    # window the dispute was in when it was referred
    whole = case_clock(case)
    assert (whole.stopped_at, local(whole.due_at)) == (None, "2026-12-02 09:00:00")
    home = clock_of(triage)
    assert (local(home.started_at), local(home.due_at)) == ("2026-11-02 09:00:00", "2026-11-09 09:00:00")
    case.refresh_from_db()
    assert local(case.due_at) == "2026-11-09 09:00:00"
    assert audit_trail(case)[-1] == ("transition", "refer_back", "referred", "registered", "mediator")
    assert inbox(people["mediator2"])[-1] == (
        "return.received",
        f"{case.reference} 已退回祥泰社区（职能不符），请重新派发或认定退回成立",
    )


def test_a_supervisor_re_dispatches_a_referrals_return_to_the_same_department(people, frozen, referred):
    case, _convene = referred
    frozen("2026-11-06 11:00")
    returned = services.case_return(reference=case.reference, user=people["mediator"], code="incomplete")
    url = f"/api/v1/returns/{returned.pk}/decide/"
    before = world(case)

    refused = send(people["supervisor_taixing"], url, {"decision": "redispatched"})
    assert error(refused) == (400, "请说明重新派发该纠纷的理由。", {"note": ["请说明重新派发该纠纷的理由。"]})
    assert world(case) == before

    response = send(
        people["supervisor_taixing"], url, {"decision": "redispatched", "note": "材料已补齐，仍属仲裁"}
    )

    assert response.status_code == 200
    case.refresh_from_db()
    assert (case.state, case.referred_to, case.exit_reason, case.due_at) == (
        "referred",
        DEPARTMENT,
        "材料已补齐，仍属仲裁",
        None,
    )
    assert not Clock.objects.filter(case=case, stopped_at__isnull=True).exists()
    assert inbox(people["mediator"])[-2:] == [
        ("return.decided", f"您退回的 {case.reference} 已由祥泰社区处理：重新派发"),
        ("case.refer", f"案件 {case.reference} 已转办至{DEPARTMENT}"),
    ]
    # and it is decided once
    assert error(send(people["supervisor_taixing"], url, {"decision": "upheld"}))[0] == 409


def test_a_re_dispatch_of_a_dispute_that_moved_on_is_refused(people, frozen, escalated):
    case = escalated
    returned = services.case_return(reference=case.reference, user=people["mediator_street"], code="function")
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="withdraw", reason="申请人撤回"
    )
    before = world(case)

    response = send(
        people["mediator"],
        f"/api/v1/returns/{returned.pk}/decide/",
        {"decision": "redispatched", "note": "再报"},
    )

    assert error(response) == (409, f"案件 {case.reference} 当前状态为“撤回”，无需重新派发。", {})
    assert world(case) == before


# ---- counted per unit ----------------------------------------------------------------------------------------


def test_returns_are_counted_per_unit_of_a_subtree_and_shown_to_its_supervisors(
    people, frozen, claimed, escalated
):
    help_request, legal = claimed
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="function")
    services.task_claim(task_id=legal.pk, user=people["lawyer2"])
    services.task_release(task_id=legal.pk, user=people["lawyer2"], code="other", reason="回避")
    first, second = CaseReturn.objects.filter(case=help_request).order_by("pk")
    services.return_decide(return_id=first.pk, user=people["liaison"], decision="upheld")
    services.return_decide(return_id=second.pk, user=people["liaison"], decision="redispatched")
    services.case_return(reference=escalated.reference, user=people["mediator_street"], code="territory")

    counts = {row["name"]: row for row in returns_by_unit(root=unit("泰兴市"))}

    codes = dict.fromkeys(["function", "territory", "ownership", "incomplete", "other"], 0)
    assert set(counts) == {"泰兴市", "济川街道", "祥泰社区", "泰兴城区工业园区", STATION, "三师服务分团"}
    assert next(iter(counts)) == "泰兴市"  # the root first
    assert {name: row for name, row in counts.items() if row["sent"] or row["received"]} == {
        "济川街道": {
            **counts["济川街道"],
            "sent": 1,
            "received": 0,
            "sent_by_code": {**codes, "territory": 1},
            "received_by_code": codes,
        },
        "祥泰社区": {
            **counts["祥泰社区"],
            "sent": 0,
            "received": 1,
            "redispatched": 0,
            "upheld": 0,
            "pending": 1,
            "received_by_code": {**codes, "territory": 1},
        },
        STATION: {
            **counts[STATION],
            "sent": 0,
            "received": 2,
            "redispatched": 1,
            "upheld": 1,
            "pending": 0,
            "received_by_code": {**codes, "function": 1, "other": 1},
        },
        "三师服务分团": {
            **counts["三师服务分团"],
            "sent": 2,
            "received": 0,
            "sent_by_code": {**codes, "function": 1, "other": 1},
        },
    }

    # a period counts the returns made in it: all three on Wednesday 4 November at 15:00 (the frozen clock)
    def received(**period) -> int:
        return sum(row["received"] for row in returns_by_unit(root=unit("泰兴市"), **period))

    assert (received(since=at("2026-11-04 15:00")), received(until=at("2026-11-04 15:00"))) == (3, 0)
    assert sum(row["received"] for row in returns_by_unit(root=unit("海陵区"))) == 0

    # the API gives them to supervisors of the subtree; others are refused
    answer = api(people["supervisor_taixing"]).get("/api/v1/returns/counts/").json()
    assert answer["unit"]["name"] == "泰兴市"
    assert {row["name"]: row["received"] for row in answer["units"]}[STATION] == 2
    hailing = api(people["supervisor_hailing"]).get("/api/v1/returns/counts/").json()
    assert {row["name"] for row in hailing["units"]} == {
        "海陵区",
        "城西街道",
        "成蹊新联之家",
        "海陵区政法综合服务中心",
        "e呼百应工作室",
    }
    assert sum(row["received"] for row in hailing["units"]) == 0
    assert error(api(people["mediator"]).get("/api/v1/returns/counts/")) == (
        403,
        "只有统战部人员能查看退回统计。",
        {},
    )
    # and the returns page shows them, in Chinese, with what waits for the person's decision
    supervisor_page = page(people["supervisor_taixing"]).get(reverse("returns")).content.decode()
    assert "泰兴市各单位退回统计" in visible_text(supervisor_page)
    assert "职能不符 1 · 其他（请说明） 1" in visible_text(supervisor_page)
    assert escalated.reference in supervisor_page  # pending at 祥泰社区, in his subtree
    assert english_words(supervisor_page) == set()
    mediator_page = page(people["mediator"]).get(reverse("returns")).content.decode()
    assert escalated.reference in mediator_page and "各单位退回统计" not in mediator_page
    assert english_words(mediator_page) == set()
    assert page(people["lawyer"]).get(reverse("returns")).status_code == 404
    pending = api(people["mediator"]).get("/api/v1/returns/").json()["results"]
    assert [(row["reference"], row["kind"]) for row in pending] == [(escalated.reference, "escalation")]
    assert api(people["liaison"]).get("/api/v1/returns/").json() == {"results": []}


# ---- the rule, the schema, a race -------------------------------------------------------------------------------


def test_who_decides_a_return_answers_the_same_in_python_and_in_its_queries(people, claimed, escalated):
    help_request, legal = claimed
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="function")
    services.case_return(reference=escalated.reference, user=people["mediator_street"], code="territory")
    users = [User.objects.select_related("unit").get(pk=user.pk) for user in User.objects.order_by("pk")]
    for returned in CaseReturn.objects.select_related("case", "to_unit"):
        kind, to_unit = returned.case.kind, returned.to_unit
        deciders = set(
            User.objects.filter(rules.decides_return_people_q(kind=kind, to_unit=to_unit)).values_list(
                "pk", flat=True
            )
        )
        for user in users:
            decides = rules.decides_return(kind=kind, to_unit=to_unit, user=user)
            in_returns = CaseReturn.objects.filter(
                rules.decides_return_returns_q(user), pk=returned.pk
            ).exists()
            assert decides == (user.pk in deciders) == in_returns, (user.username, returned.kind)
    decides_release = {
        user.username
        for user in users
        if rules.decides_return(kind=help_request.kind, to_unit=unit(STATION), user=user)
    }
    assert decides_release == {"liaison", "supervisor", "supervisor_taixing"}


def test_every_answer_of_the_returns_api_is_what_the_schema_says(client, people, claimed, escalated):
    answers = Answers(client)
    help_request, legal = claimed

    def check(response, path, method="get"):
        return answers.check(response, path, method)

    path = "/api/v1/cases/{reference}/return/"
    url = f"/api/v1/cases/{escalated.reference}/return/"
    check(send(people["mediator_street"], url, {"code": "other"}), path, "post")
    check(send(people["mediator"], url, {"code": "function"}), path, "post")
    returned = check(send(people["mediator_street"], url, {"code": "function"}), path, "post")
    check(
        send(people["supervisor_taixing"], url, {"code": "function"}), path, "post"
    )  # 409: sent back already
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="function")
    check(api(people["mediator"]).get("/api/v1/returns/"), "/api/v1/returns/")
    check(api(people["supervisor"]).get("/api/v1/returns/counts/"), "/api/v1/returns/counts/")
    check(api(people["lawyer"]).get("/api/v1/returns/counts/"), "/api/v1/returns/counts/")
    decide = "/api/v1/returns/{return_id}/decide/"
    url = f"/api/v1/returns/{returned['id']}/decide/"
    check(send(people["mediator"], url, {"decision": "upheld", "note": "本社区办理"}), decide, "post")
    check(send(people["mediator"], url, {"decision": "upheld"}), decide, "post")
    check(send(people["mediator_chengxi"], url, {"decision": "upheld"}), decide, "post")
    detail = check(
        api(people["mediator"]).get(f"/api/v1/cases/{escalated.reference}/"), "/api/v1/cases/{reference}/"
    )
    assert [(row["kind"], row["decision"]) for row in detail["returns"]] == [("escalation", "upheld")]
    assert sorted(answers.checked) == sorted(
        [
            ("post", path, 400),
            ("post", path, 403),
            ("post", path, 201),
            ("post", path, 409),
            ("get", "/api/v1/returns/", 200),
            ("get", "/api/v1/returns/counts/", 200),
            ("get", "/api/v1/returns/counts/", 403),
            ("post", decide, 200),
            ("post", decide, 409),
            ("post", decide, 404),
            ("get", "/api/v1/cases/{reference}/", 200),
        ]
    )


def test_two_deciders_at_once_decide_a_return_once(postgres_only, committed_people):
    people = committed_people
    case = help_request_to("dispatched", people, specialties=["legal"])
    legal = open_tasks(case)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="incomplete")
    returned = CaseReturn.objects.get(case=case)
    deciders = [User.objects.get(username=name) for name in ("liaison", "supervisor_taixing")]

    outcomes = race(
        [
            lambda who=who, decision=decision: services.return_decide(
                return_id=returned.pk, user=who, decision=decision
            )
            for who, decision in zip(deciders, ["redispatched", "upheld"], strict=True)
        ]
    )

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert [type(e) for e in errors] == [Conflict], outcomes
    assert str(errors[0]) == "This return was decided already."
    assert AuditEntry.objects.filter(case=case, action="return_decided").count() == 1
    returned.refresh_from_db()
    winner = next(o for o in outcomes if not isinstance(o, Exception))
    assert (returned.decision, returned.decided_by_id) == (winner.decision, winner.decided_by_id)
    assert Case.objects.get(pk=case.pk).state == CaseState.DISPATCHED


# ---- the permission matrix of the returns API ---------------------------------------------------------------

# For each role: (send back a dispute escalated from 祥泰社区 to 济川街道, uphold a lawyer's release of a 泰兴
# request, the counts per unit), each on fresh cases. Who sees a case but may not act gets a 403, who does not
# see it a 404.
EXPECTED = {
    "mediator": (403, 404, 403),  # sees the dispute she registered; the request is not her unit's
    "mediator_street": (201, 404, 403),
    "liaison": (404, 200, 403),
    "lawyer": (404, 403, 403),  # sees the request again through his queue
    "accountant": (404, 404, 403),
    "supervisor_taixing": (201, 200, 200),
    "supervisor_hailing": (404, 404, 200),
    "admin": (403, 403, 200),  # sees everything, works and supervises nothing
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_role_gets_its_status_from_every_returns_endpoint(people, role):
    dispute = dispute_to("registered", people)
    services.case_side_exit(
        reference=dispute.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    request = help_request_to("dispatched", people, specialties=["legal"])
    legal = open_tasks(request)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="function")
    release = CaseReturn.objects.get(case=request)
    user = people[role]

    statuses = (
        send(user, f"/api/v1/cases/{dispute.reference}/return/", {"code": "function"}).status_code,
        send(user, f"/api/v1/returns/{release.pk}/decide/", {"decision": "upheld"}).status_code,
        api(user).get("/api/v1/returns/counts/").status_code,
    )

    assert statuses == EXPECTED[role]
    sent_back = CaseReturn.objects.filter(case=dispute).count()
    assert (sent_back, described(release)["decision"]) == (
        int(statuses[0] == 201),
        "upheld" if statuses[1] == 200 else "",
    )

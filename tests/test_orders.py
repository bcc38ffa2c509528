"""Supervision orders (督办单, ``cases.services.orders``, ``workflow.services.orders``): a supervisor of a case's
unit or above issues one with a reason and a reply due in N working days; whoever works the case (its unit's
mediators or liaison officers, whoever holds one of its open steps) hears and must reply; the reply reaches the
issuer; an order unanswered when due escalates one level (a new order for the unit above), and at the top stays
overdue. Through the services, the pages, the API and the board, each refusal with a check that nothing changed;
on PostgreSQL two runners escalate each due order once. Time is frozen with time-machine."""

import json
import threading
from datetime import datetime

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from cases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import AuditEntry, Case, SupervisionOrder, Timer
from cases.selectors.board import board_snapshot
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to, step_data
from notifications import fanout
from notifications.models import Notification
from tests.helpers import open_task, visible_text
from tests.test_api_schema import Answers
from tests.test_sockets import close_layer_pools, connect, receive_until, token_headers  # noqa: F401
from workflow import services

REASON = "请说明楼上漏水纠纷的研判进度及下一步安排"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


@pytest.fixture
def frozen(time_machine):
    """Freeze time at a moment given as local Asia/Shanghai text: ``frozen("2026-11-02 09:00")``."""

    def move(text: str) -> datetime:
        time_machine.move_to(at(text), tick=False)
        return at(text)

    return move


def heard(user, kind: str) -> list[str]:
    with translation.override("en"):
        return [n.text for n in Notification.objects.filter(recipient=user, type=kind).order_by("pk")]


def hearers(kind: str) -> list[str]:
    rows = Notification.objects.filter(type=kind).order_by("recipient__username", "pk")
    return list(rows.values_list("recipient__username", flat=True))


def orders_state(case: Case) -> dict:
    """What a refused issue or reply must leave alone."""
    return {
        "orders": list(
            SupervisionOrder.objects.filter(case=case)
            .order_by("pk")
            .values_list("pk", "state", "level", "due_at", "reply", "replied_by", "replied_at")
        ),
        "timers": list(
            Timer.objects.filter(order__case=case)
            .order_by("pk")
            .values_list("pk", "kind", "due_at", "fired_at")
        ),
        "audit": AuditEntry.objects.filter(case=case).count(),
        "notifications": Notification.objects.count(),
    }


def issue(
    people, case: Case, who: str = "supervisor_taixing", reason: str = REASON, days=2
) -> SupervisionOrder:
    return services.order_issue(reference=case.reference, user=people[who], reason=reason, days=days)


# ---- issuing ----------------------------------------------------------------------------------------------


def test_a_supervisor_issues_an_order_and_whoever_works_the_case_hears_it(people, frozen):
    # given a dispute of 祥泰社区 whose triage its mediator holds
    frozen("2026-11-06 16:00")  # a Friday
    case = dispute_to("registered", people)

    # when 泰兴市's supervisor orders a reply within 2 working days
    order = issue(people, case)

    # then the reply is due on Tuesday at the same time, from 泰兴市, by that supervisor, level 0
    order.refresh_from_db()
    assert (order.unit.name, order.issued_by, order.level, order.state, order.reason, order.days) == (
        "泰兴市",
        people["supervisor_taixing"],
        0,
        "open",
        REASON,
        2,
    )
    assert (order.issued_at, order.due_at) == (at("2026-11-06 16:00"), at("2026-11-10 16:00"))
    assert order.yellow_at == at("2026-11-10 10:45")  # 11¼ of its 15 working hours
    # and its reply timer waits for that moment
    assert list(Timer.objects.filter(order=order).values_list("kind", "due_at", "fired_at")) == [
        ("reply", at("2026-11-10 16:00"), None)
    ]
    # and the case's mediators hear it (one holds the step), nobody else
    assert hearers("order.issued") == ["mediator", "mediator2"]
    assert heard(people["mediator2"], "order.issued") == [
        f"Supervision order (督办单) on {case.reference} from 泰兴市: reply by 2026-11-10 16:00"
    ]
    # and the timeline shows it, by its issuer, with the reason
    entry = AuditEntry.objects.filter(case=case).order_by("pk").last()
    assert (entry.action, entry.name, entry.actor, entry.reason) == (
        "order_issued",
        "supervision_order",
        people["supervisor_taixing"],
        REASON,
    )


def test_the_reply_window_defaults_to_a_setting_and_its_limit_is_a_setting(people, frozen, settings):
    settings.ORDER_REPLY_WORKING_DAYS = 4
    settings.ORDER_REPLY_MAX_WORKING_DAYS = 5
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)

    assert issue(people, case, days=None).due_at == at("2026-11-06 09:00")
    before = orders_state(case)
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        issue(people, case, days=6)
    assert (str(refused.value), refused.value.field) == ("A reply is due in 1 to 5 working days.", "days")
    assert orders_state(case) == before


def test_a_professional_holding_an_open_step_is_told_and_may_reply(people, frozen):
    # given a help request whose legal advice the lawyer claimed
    frozen("2026-11-02 09:00")
    case = help_request_to("claimed", people, specialties=["legal"])
    order = issue(people, case, who="supervisor")  # the city's supervisor

    # then the station's liaison officer and the lawyer hear it
    assert hearers("order.issued") == ["lawyer", "liaison"]
    assert order.unit.name == "泰州市"

    # and the lawyer replies; the issuer hears who replied
    frozen("2026-11-02 15:00")
    services.order_reply(order_id=order.pk, user=people["lawyer"], reply="已联系企业，明日出具法律意见")
    order.refresh_from_db()
    assert (order.state, order.replied_by, order.replied_at) == (
        "answered",
        people["lawyer"],
        at("2026-11-02 15:00"),
    )
    assert heard(people["supervisor"], "order.answered") == [
        f"周律师 replied to the supervision order on {case.reference}"
    ]


# ---- replying ------------------------------------------------------------------------------------------------


def test_the_reply_reaches_the_issuer_and_the_order_never_escalates(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    order = issue(people, case)

    frozen("2026-11-03 10:00")
    answered = services.order_reply(
        order_id=order.pk, user=people["mediator2"], reply="  已约双方本周五调解  "
    )

    assert (answered.state, answered.reply, answered.replied_by) == (
        "answered",
        "已约双方本周五调解",
        people["mediator2"],
    )
    assert not Timer.objects.filter(order=order).exists()  # nothing left to fire
    assert heard(people["supervisor_taixing"], "order.answered") == [
        f"李调解 replied to the supervision order on {case.reference}"
    ]
    assert hearers("order.answered") == ["supervisor_taixing"]
    entry = AuditEntry.objects.filter(case=case).order_by("pk").last()
    assert (entry.action, entry.actor, entry.reason) == (
        "order_answered",
        people["mediator2"],
        "已约双方本周五调解",
    )

    # when its due moment passes, nothing happens
    frozen("2026-11-04 10:00")
    assert services.timers_run() == 2  # the triage's yellow and red reminders, no order
    assert SupervisionOrder.objects.filter(case=case).count() == 1
    assert not Notification.objects.filter(type__in=["order.escalated", "order.overdue"]).exists()


def order_refusal(people, case, order, who, reply):
    return lambda: services.order_reply(order_id=order.pk, user=people[who], reply=reply)


@pytest.mark.parametrize(
    ("who", "reply", "error", "field", "message"),
    [
        ("mediator", "   ", InvalidInput, "reply", "Write the reply: what was done, and what comes next."),
        (
            "supervisor_taixing",
            "我来回复",
            NotAllowed,
            None,
            "Only whoever works the case now may reply to its supervision orders.",
        ),
        (
            "supervisor",
            "我来回复",
            NotAllowed,
            None,
            "Only whoever works the case now may reply to its supervision orders.",
        ),
        ("mediator_street", "我来回复", NotFound, None, "Not found."),  # 济川街道's: does not see the case
        ("mediator_chengxi", "我来回复", NotFound, None, "Not found."),
        ("lawyer", "我来回复", NotFound, None, "Not found."),
    ],
)
def test_a_reply_by_someone_not_working_the_case_or_an_empty_one_is_refused_and_changes_nothing(
    people, frozen, who, reply, error, field, message
):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    order = issue(people, case)
    before = orders_state(case)

    with translation.override("en"), pytest.raises(error) as refused:
        services.order_reply(order_id=order.pk, user=people[who], reply=reply)

    assert (str(refused.value), refused.value.field) == (message, field)
    assert orders_state(case) == before


def test_a_professional_who_no_longer_holds_a_step_may_not_reply(people, frozen):
    # given a help request whose legal advice the lawyer gave: the liaison officer holds the joint session now
    frozen("2026-11-02 09:00")
    case = help_request_to("consulting", people, specialties=["legal"])
    assert case.state == "consulting" and open_task(case, "joint_session").owner == people["liaison"]
    order = issue(people, case)
    assert hearers("order.issued") == ["liaison"]
    before = orders_state(case)

    # then the lawyer, who took part and still sees the case, may not reply
    with translation.override("en"), pytest.raises(NotAllowed):
        services.order_reply(order_id=order.pk, user=people["lawyer"], reply="意见已给出")
    assert orders_state(case) == before
    services.order_reply(order_id=order.pk, user=people["liaison"], reply="联席会议定于周三")


def test_a_second_reply_is_a_conflict_and_changes_nothing(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    order = issue(people, case)
    services.order_reply(order_id=order.pk, user=people["mediator"], reply="已处理")
    before = orders_state(case)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.order_reply(order_id=order.pk, user=people["mediator2"], reply="再补充一句")

    assert str(refused.value) == "This order has been answered already."
    assert orders_state(case) == before


# ---- escalation ---------------------------------------------------------------------------------------------


def test_an_unanswered_order_escalates_one_level_when_due_then_stays_overdue_at_the_top(people, frozen):
    # given 泰兴市's order on a 祥泰社区 dispute, due in 1 working day (Tuesday 09:00)
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    # the triage is done in time: no reminder gets in the way
    services.task_complete(task_id=triage.pk, user=people["mediator"], data=step_data(case, triage))
    first = issue(people, case, days=1)
    frozen("2026-11-03 08:59")
    assert services.timers_run() == 0

    # when its reply is due and nobody replied
    frozen("2026-11-03 09:00")
    assert services.timers_run() == 1

    # then it is escalated, and a new order one level up speaks for 泰州市, due a working day after the first
    first.refresh_from_db()
    assert (first.state, first.escalated_at) == ("escalated", at("2026-11-03 09:00"))
    second = SupervisionOrder.objects.get(escalated_from=first)
    assert (second.unit.name, second.issued_by, second.level, second.state, second.reason, second.days) == (
        "泰州市",
        None,
        1,
        "open",
        REASON,
        1,
    )
    assert second.due_at == at("2026-11-04 09:00")
    timers = Timer.objects.filter(order__case=case).order_by("pk")
    assert list(timers.values_list("order_id", "due_at", "fired_at")) == [
        (first.pk, at("2026-11-03 09:00"), at("2026-11-03 09:00")),
        (second.pk, at("2026-11-04 09:00"), None),
    ]
    # and the city's supervisor and the case's workers hear it; the timeline says so, by nobody
    assert hearers("order.escalated") == ["mediator", "mediator2", "supervisor"]
    assert heard(people["supervisor"], "order.escalated") == [
        f"The supervision order on {case.reference} had no reply by 2026-11-03 09:00: escalated to 泰州市, "
        "reply by 2026-11-04 09:00"
    ]
    assert AuditEntry.objects.filter(case=case, action="order_escalated", actor=None).count() == 1
    assert services.timers_run() == 0

    # and a reply to the escalated order is refused: it names the order to reply to
    before = orders_state(case)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.order_reply(order_id=first.pk, user=people["mediator"], reply="已处理")
    assert str(refused.value) == (
        f"This order was escalated for want of a reply: reply to order {second.pk} instead."
    )
    assert orders_state(case) == before

    # when the second is due unanswered too: nobody is above 泰州市, it stays open and overdue
    frozen("2026-11-04 09:00")
    assert services.timers_run() == 1
    second.refresh_from_db()
    assert (second.state, second.level) == ("open", 1)
    assert SupervisionOrder.objects.filter(case=case).count() == 2
    assert hearers("order.overdue") == ["mediator", "mediator2", "supervisor"]
    assert heard(people["supervisor"], "order.overdue") == [
        f"The supervision order on {case.reference} from 泰州市 had no reply by 2026-11-04 09:00"
    ]
    assert services.timers_run() == 0

    # and the late reply reaches the city (the system issued the order for it) and the first order's issuer
    services.order_reply(order_id=second.pk, user=people["mediator"], reply="迟复：已调解成功")
    assert hearers("order.answered") == ["supervisor", "supervisor_taixing"]


def test_the_automatic_order_escalates_from_the_unit_it_was_issued_for(people, frozen):
    # given a triage red since Tuesday 09:00: its automatic order (for 泰兴市) on Thursday, due the next Tuesday
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    frozen("2026-11-05 09:00")
    assert services.timers_run() == 3
    automatic = SupervisionOrder.objects.get(case=case)

    # when nobody replies by then
    frozen("2026-11-10 09:00")
    assert services.timers_run() == 1

    # then it goes to the city, on behalf of which a new order asks, with the same step
    escalated = SupervisionOrder.objects.get(escalated_from=automatic)
    assert (escalated.unit.name, escalated.level, escalated.step, escalated.due_at) == (
        "泰州市",
        1,
        "triage",
        at("2026-11-13 09:00"),
    )
    with translation.override("en"):
        assert (
            str(escalated.reason_text)
            == "Triage is overdue since 2026-11-03 09:00: supervised automatically."
        )


def test_an_order_from_the_root_is_overdue_when_due_and_its_issuer_hears(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people, actor=people["mediator_chengxi"])
    services.task_complete(
        task_id=open_task(case).pk, user=people["mediator_chengxi"], data=step_data(case, open_task(case))
    )
    order = issue(people, case, who="supervisor", days=1)

    frozen("2026-11-03 09:00")
    assert services.timers_run() == 1

    order.refresh_from_db()
    assert order.state == "open"
    assert hearers("order.overdue") == ["mediator_chengxi", "supervisor"]
    assert not Notification.objects.filter(type="order.escalated").exists()


# ---- refusals of an issue -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "reason", "days", "error", "field", "message"),
    [
        ("supervisor_hailing", REASON, 2, NotFound, None, "Not found."),  # outside their subtree
        ("mediator_chengxi", REASON, 2, NotFound, None, "Not found."),
        (
            "mediator",
            REASON,
            2,
            NotAllowed,
            None,
            "Only a supervisor of the case's unit or of a unit above it may issue an order.",
        ),
        (
            "supervisor_taixing",
            "  ",
            2,
            InvalidInput,
            "reason",
            "Say what the order asks the case's workers to answer for.",
        ),
        ("supervisor_taixing", REASON, 0, InvalidInput, "days", "A reply is due in 1 to 10 working days."),
        ("supervisor_taixing", REASON, 11, InvalidInput, "days", "A reply is due in 1 to 10 working days."),
        (
            "supervisor_taixing",
            REASON,
            "两",
            InvalidInput,
            "days",
            "Give the reply window in whole working days, 1 to 10.",
        ),
    ],
)
def test_an_issue_outside_the_subtree_by_a_non_supervisor_or_with_bad_input_is_refused_and_changes_nothing(
    people, frozen, who, reason, days, error, field, message
):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    before = orders_state(case)

    with translation.override("en"), pytest.raises(error) as refused:
        issue(people, case, who=who, reason=reason, days=days)

    assert (str(refused.value), refused.value.field) == (message, field)
    assert orders_state(case) == before


def test_a_case_that_has_ended_takes_no_order(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("closed", people)
    before = orders_state(case)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        issue(people, case)

    assert str(refused.value) == f"Case {case.reference} is Closed: there is nothing left to supervise."
    assert orders_state(case) == before


# ---- the pages ---------------------------------------------------------------------------------------------------


def page(client, user, url: str) -> str:
    client.force_login(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_case_page_shows_the_orders_with_the_issue_form_to_supervisors_and_the_reply_form_to_workers(
    client, people, frozen
):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    case_url = reverse("case", args=[case.reference])
    issue_url = reverse("case_order_issue", args=[case.reference])

    # a supervisor has the issue form, the mediator none, and nobody a reply form yet
    assert issue_url in page(client, people["supervisor_taixing"], case_url)
    assert issue_url not in page(client, people["mediator"], case_url)

    # when the supervisor issues an order through the page
    client.force_login(people["supervisor_taixing"])
    response = client.post(issue_url, {"reason": REASON, "days": "2"})
    assert (response.status_code, response["Location"]) == (302, case_url)
    order = SupervisionOrder.objects.get(case=case)
    reply_url = reverse("order_reply", args=[order.pk])

    # then the case page shows it, open, prominent, with its reply due and its light
    frozen("2026-11-03 17:00")  # past three quarters of its working time: yellow
    text = visible_text(page(client, people["mediator"], case_url))
    assert f"Order {order.pk} from 泰兴市" in text and REASON in text and "Awaiting a reply" in text
    assert "1 awaiting a reply" in text
    html = page(client, people["mediator"], case_url)
    assert 'class="order order-open"' in html
    assert 'class="light light-yellow" role="img" title="Due soon"' in html and "2026-11-04 09:00" in html
    # and the mediator may reply there, the supervisor may not
    assert reply_url in html
    assert reply_url not in page(client, people["supervisor_taixing"], case_url)

    # when the mediator replies through the page
    client.force_login(people["mediator"])
    response = client.post(reply_url, {f"order-{order.pk}-reply": "已约双方周三见面"})
    assert (response.status_code, response["Location"]) == (302, case_url)
    order.refresh_from_db()
    assert (order.state, order.reply) == ("answered", "已约双方周三见面")
    text = visible_text(page(client, people["supervisor_taixing"], case_url))
    assert "Answered" in text and "已约双方周三见面" in text and "Supervision order answered" in text


@pytest.mark.parametrize(
    ("who", "form", "status", "message"),
    [
        ("supervisor_taixing", {"reason": "", "days": "2"}, 400, "Say what the order asks the case"),
        (
            "supervisor_taixing",
            {"reason": REASON, "days": "30"},
            400,
            "A reply is due in 1 to 10 working days.",
        ),
        ("supervisor_taixing", {"reason": REASON, "days": "两"}, 400, "Enter a whole number in digits 0-9."),
        ("mediator", {"reason": REASON, "days": "2"}, 403, "Only a supervisor of the case"),
        ("supervisor_hailing", {"reason": REASON, "days": "2"}, 404, ""),
    ],
)
def test_the_case_page_refuses_a_bad_order_in_the_users_language_and_changes_nothing(
    client, people, frozen, who, form, status, message
):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    before = orders_state(case)
    client.force_login(people[who])

    response = client.post(
        reverse("case_order_issue", args=[case.reference]), form, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == status
    assert message in response.content.decode().replace("&#x27;", "'")
    assert orders_state(case) == before


def test_the_case_page_refuses_a_reply_by_a_supervisor_an_empty_one_and_a_second_one(client, people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    order = issue(people, case)
    url, field = reverse("order_reply", args=[order.pk]), f"order-{order.pk}-reply"
    before = orders_state(case)

    client.force_login(people["supervisor_taixing"])
    response = client.post(url, {field: "我来回复"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Only whoever works the case now may reply to its supervision orders." in response.content.decode()
    client.force_login(people["mediator"])
    response = client.post(url, {field: " "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Write the reply: what was done, and what comes next." in response.content.decode()
    client.force_login(people["mediator_chengxi"])
    assert client.post(url, {field: "我来回复"}).status_code == 404
    assert orders_state(case) == before

    services.order_reply(order_id=order.pk, user=people["mediator"], reply="已处理")
    answered = orders_state(case)
    client.force_login(people["mediator2"])
    response = client.post(url, {field: "再补充"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "This order has been answered already." in response.content.decode()
    assert orders_state(case) == answered


def test_the_task_page_and_the_inbox_show_an_open_order_on_the_case(client, people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    other = dispute_to("registered", people)
    triage = open_task(case, "triage")
    order = issue(people, case)

    text = visible_text(page(client, people["mediator"], reverse("task", args=[triage.pk])))
    assert "A supervision order (督办单) on this case awaits a reply" in text
    assert f"Order {order.pk} from 泰兴市" in text and REASON in text and "2026-11-04 09:00" in text
    inbox = page(client, people["mediator"], reverse("inbox"))
    rows = inbox.split('<tr class="priority-')[1:]
    flagged = {row.split("</a>")[0].rsplit(">", 1)[1]: "order-badge" in row for row in rows}
    assert flagged == {case.reference: True, other.reference: False}

    services.order_reply(order_id=order.pk, user=people["mediator"], reply="已处理")
    assert "awaits a reply" not in page(client, people["mediator"], reverse("task", args=[triage.pk]))
    assert "order-badge" not in page(client, people["mediator"], reverse("inbox"))


def test_the_pages_speak_chinese(client, people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    issue(people, case)
    client.force_login(people["mediator"])
    text = visible_text(client.get(reverse("case", args=[case.reference])).content.decode())
    assert "督办单" in text and "待答复" in text and "答复期限" in text


# ---- the API ------------------------------------------------------------------------------------------------------


def api_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def post(user, url: str, body=None):
    return api_client(user).post(
        url,
        json.dumps({} if body is None else body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_api_issues_lists_and_replies_and_every_answer_is_what_the_schema_says(client, people, frozen):
    answers = Answers(client)
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    hailing = dispute_to("registered", people, actor=people["mediator_chengxi"])
    supervisor = people["supervisor_taixing"]

    # a supervisor issues an order: 201 with the order
    response = post(supervisor, f"/api/v1/cases/{case.reference}/orders/", {"reason": REASON, "days": 2})
    assert response.status_code == 201, response.content
    issued = answers.check(response, "/api/v1/cases/{reference}/orders/", "post")
    order = SupervisionOrder.objects.get(case=case)
    assert issued == {
        "id": order.pk,
        "reference": case.reference,
        "unit": {"id": supervisor.unit_id, "name": "泰兴市"},
        "issued_by": "supervisor_taixing",
        "level": 0,
        "escalated_from": None,
        "escalated_to": None,
        "reason": REASON,
        "step": "",
        "days": 2,
        "issued_at": "2026-11-02T01:00:00+00:00",
        "due_at": "2026-11-04T01:00:00+00:00",
        "state": "open",
        "sla": {"due_at": "2026-11-04T01:00:00+00:00", "light": "green", "paused": False},
        "reply": "",
        "replied_by": None,
        "replied_at": None,
    }
    post(people["supervisor_hailing"], f"/api/v1/cases/{hailing.reference}/orders/", {"reason": "请说明"})

    # the case's answer carries its orders
    detail = api_client(people["mediator"]).get(f"/api/v1/cases/{case.reference}/")
    assert answers.check(detail, "/api/v1/cases/{reference}/")["orders"] == [issued]

    # each supervisor lists the open orders of their subtree; the city sees both
    def listed(user, query="?state=open"):
        response = api_client(user).get(f"/api/v1/orders/{query}")
        assert response.status_code == 200, response.content
        return [row["reference"] for row in answers.check(response, "/api/v1/orders/")["results"]]

    assert listed(supervisor) == [case.reference]
    assert listed(people["supervisor_hailing"]) == [hailing.reference]
    assert sorted(listed(people["supervisor"])) == sorted([case.reference, hailing.reference])
    assert listed(people["mediator"]) == [case.reference]  # the orders on the cases one sees
    assert listed(people["lawyer"]) == []

    # the mediator replies: 200 with the order answered
    frozen("2026-11-03 10:00")
    response = post(people["mediator"], f"/api/v1/orders/{order.pk}/reply/", {"reply": "已约双方周三见面"})
    assert response.status_code == 200, response.content
    replied = answers.check(response, "/api/v1/orders/{order_id}/reply/", "post")
    assert (replied["state"], replied["reply"], replied["replied_by"], replied["replied_at"]) == (
        "answered",
        "已约双方周三见面",
        "mediator",
        "2026-11-03T02:00:00+00:00",
    )
    assert replied["sla"] == {"due_at": "2026-11-04T01:00:00+00:00", "light": "green", "paused": False}
    assert listed(supervisor) == []
    assert listed(supervisor, "?state=answered") == [case.reference]
    assert listed(supervisor, "") == [case.reference]

    # and a refusal is the error shape the schema says
    refused = post(people["mediator"], f"/api/v1/orders/{order.pk}/reply/", {"reply": "再补充"})
    assert refused.status_code == 409
    answers.check(refused, "/api/v1/orders/{order_id}/reply/", "post")
    assert len(answers.checked) == 5


ISSUE_REFUSALS = [
    # (who, body, status, message, fields)
    ("supervisor_hailing", {"reason": REASON}, 404, "Not found.", {}),
    ("lawyer", {"reason": REASON}, 404, "Not found.", {}),
    (
        "mediator",
        {"reason": REASON},
        403,
        "Only a supervisor of the case's unit or of a unit above it may issue an order.",
        {},
    ),
    (
        "supervisor_taixing",
        {"days": 2},
        400,
        "Say what the order asks the case's workers to answer for.",
        {"reason": ["Say what the order asks the case's workers to answer for."]},
    ),
    (
        "supervisor_taixing",
        {"reason": REASON, "days": 0},
        400,
        "A reply is due in 1 to 10 working days.",
        {"days": ["A reply is due in 1 to 10 working days."]},
    ),
    (
        "supervisor_taixing",
        {"reason": REASON, "days": 11},
        400,
        "A reply is due in 1 to 10 working days.",
        {"days": ["A reply is due in 1 to 10 working days."]},
    ),
    (
        "supervisor_taixing",
        {"reason": REASON, "days": "2.5"},
        400,
        "Enter a whole number in digits 0-9.",
        {"days": ["Enter a whole number in digits 0-9."]},
    ),
    (
        "supervisor_taixing",
        {"reason": ["列表"]},
        400,
        "Send text here, not a number, a list or an object.",
        {"reason": ["Send text here, not a number, a list or an object."]},
    ),
    (
        "supervisor_taixing",
        {"reason": "理" * 1001},
        400,
        "Ensure this value has at most 1000 characters (it has 1001).",
        {"reason": ["Ensure this value has at most 1000 characters (it has 1001)."]},
    ),
]


@pytest.mark.parametrize(("who", "body", "status", "message", "fields"), ISSUE_REFUSALS)
def test_the_api_refuses_a_bad_issue_and_changes_nothing(people, frozen, who, body, status, message, fields):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    before = orders_state(case)

    response = post(people[who], f"/api/v1/cases/{case.reference}/orders/", body)

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["message"], error["fields"]) == (message, fields)
    assert orders_state(case) == before


REPLY_REFUSALS = [
    (
        "mediator",
        {},
        400,
        "Write the reply: what was done, and what comes next.",
        {"reply": ["Write the reply: what was done, and what comes next."]},
    ),
    (
        "mediator",
        {"reply": "  "},
        400,
        "Write the reply: what was done, and what comes next.",
        {"reply": ["Write the reply: what was done, and what comes next."]},
    ),
    (
        "supervisor_taixing",
        {"reply": "我来回复"},
        403,
        "Only whoever works the case now may reply to its supervision orders.",
        {},
    ),
    ("mediator_chengxi", {"reply": "我来回复"}, 404, "Not found.", {}),
    ("accountant", {"reply": "我来回复"}, 404, "Not found.", {}),
]


@pytest.mark.parametrize(("who", "body", "status", "message", "fields"), REPLY_REFUSALS)
def test_the_api_refuses_a_bad_reply_and_changes_nothing(people, frozen, who, body, status, message, fields):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    order = issue(people, case)
    before = orders_state(case)

    response = post(people[who], f"/api/v1/orders/{order.pk}/reply/", body)

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["message"], error["fields"]) == (message, fields)
    assert orders_state(case) == before


def test_the_api_refuses_a_reply_to_an_answered_order_an_unknown_one_and_a_bad_list_query(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    order = issue(people, case)
    assert (
        post(people["mediator"], f"/api/v1/orders/{order.pk}/reply/", {"reply": "已处理"}).status_code == 200
    )
    before = orders_state(case)

    again = post(people["mediator2"], f"/api/v1/orders/{order.pk}/reply/", {"reply": "再补充"})
    assert (again.status_code, again.json()["error"]["message"]) == (
        409,
        "This order has been answered already.",
    )
    assert post(people["mediator"], "/api/v1/orders/999999/reply/", {"reply": "x"}).status_code == 404
    assert post(people["mediator"], "/api/v1/orders/１/reply/", {"reply": "x"}).status_code == 404
    assert orders_state(case) == before
    supervisor = api_client(people["supervisor"])
    bad = supervisor.get("/api/v1/orders/?state=late", HTTP_ACCEPT_LANGUAGE="en")
    assert (bad.status_code, bad.json()["error"]["fields"]) == (
        400,
        {"state": ["Choose one of the listed options."]},
    )
    assert supervisor.get("/api/v1/orders/?page=2").status_code == 404


# ---- the board ---------------------------------------------------------------------------------------------------


def test_the_board_counts_open_and_overdue_orders_per_unit(client, people, frozen):
    frozen("2026-11-02 09:00")
    taixing = dispute_to("registered", people)
    hailing = dispute_to("registered", people, actor=people["mediator_chengxi"])
    for case, mediator in ((taixing, "mediator"), (hailing, "mediator_chengxi")):
        services.task_complete(
            task_id=open_task(case).pk, user=people[mediator], data=step_data(case, open_task(case))
        )
    late = issue(people, taixing, days=1)
    issue(people, taixing, days=3)
    answered = issue(people, hailing, who="supervisor_hailing", days=1)
    services.order_reply(order_id=answered.pk, user=people["mediator_chengxi"], reply="已处理")
    issue(people, hailing, who="supervisor", days=5)

    city = board_snapshot(root=people["supervisor"].unit)
    assert city["orders"] == {"open": 3, "overdue": 0}
    assert [(c["name"], c["orders"]) for c in city["children"]] == [
        ("泰兴市", {"open": 2, "overdue": 0}),
        ("海陵区", {"open": 1, "overdue": 0}),
    ]

    # a day later the first is overdue; once the runner escalates it, its successor counts as overdue
    frozen("2026-11-03 10:00")
    assert board_snapshot(root=people["supervisor"].unit)["orders"] == {"open": 3, "overdue": 1}
    assert services.timers_run() == 1
    assert SupervisionOrder.objects.get(escalated_from=late).level == 1
    client.defaults["HTTP_AUTHORIZATION"] = (
        f"Token {Token.objects.get_or_create(user=people['supervisor'])[0].key}"
    )
    body = client.get("/api/v1/board/").json()
    assert body["orders"] == {"open": 3, "overdue": 1}
    assert [(c["name"], c["orders"]) for c in body["children"]] == [
        ("泰兴市", {"open": 2, "overdue": 1}),
        ("海陵区", {"open": 1, "overdue": 0}),
    ]
    taixing_board = board_snapshot(root=people["supervisor_taixing"].unit)
    assert taixing_board["orders"] == {"open": 2, "overdue": 1}
    assert {c["name"]: c["orders"] for c in taixing_board["children"]}["济川街道"] == {
        "open": 2,
        "overdue": 1,
    }


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_order_reaches_the_board_live_with_fresh_counts(committed_people, monkeypatch):
    people = committed_people
    monkeypatch.setattr(fanout, "BOARD_REFRESH_DELAY", 0.3)
    case = await sync_to_async(dispute_to)("registered", people)
    board, connected, _ = await connect(
        "/ws/board/", await sync_to_async(token_headers)(people["supervisor"])
    )
    assert connected
    snapshot = await board.receive_json_from()
    assert snapshot["orders"] == {"open": 0, "overdue": 0}

    await sync_to_async(issue)(people, case)

    messages = await receive_until(board, "snapshot", timeout=5)
    events = [(m["event"], m["case"]["reference"]) for m in messages if m["type"] == "event"]
    assert events == [("order.issued", case.reference)]
    assert messages[-1]["orders"] == {"open": 1, "overdue": 0}
    assert [(c["name"], c["orders"]) for c in messages[-1]["children"]][0] == (
        "泰兴市",
        {"open": 1, "overdue": 0},
    )
    await board.disconnect()


# ---- PostgreSQL: two runners, each due order escalated once ---------------------------------------------------


def test_the_runner_reads_due_orders_by_the_partial_index(postgres_only, people):
    case = dispute_to("registered", people)
    issue(people, case)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM cases_timer WHERE kind = 'reply' AND fired_at IS NULL AND due_at <= now() "
            "ORDER BY due_at, id LIMIT 100"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "timer_due" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_two_runners_escalate_each_due_order_exactly_once(postgres_only, committed_people, time_machine):
    people = committed_people
    # given 30 disputes, each with an order due at 09:00 on Wednesday, their triages done in time
    time_machine.move_to(at("2026-11-02 09:00"), tick=False)
    cases = []
    for _ in range(30):
        case = dispute_to("registered", people)
        triage = open_task(case, "triage")
        services.task_complete(task_id=triage.pk, user=people["mediator"], data=step_data(case, triage))
        issue(people, case)
        cases.append(case)
    time_machine.move_to(at("2026-11-04 09:00"), tick=False)

    # when two runners start at once, in small batches
    start, fired, errors = threading.Barrier(2), [], []

    def run() -> None:
        try:
            start.wait()
            fired.append(services.timers_run(batch=4))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    runners = [threading.Thread(target=run) for _ in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=120)

    # then between them they fired 30 timers, and each order escalated exactly once
    assert errors == [] and sum(fired) == 30, (errors, fired)
    assert SupervisionOrder.objects.filter(state="escalated").count() == 30
    assert SupervisionOrder.objects.filter(level=1, state="open").count() == 30
    for case in cases:
        assert AuditEntry.objects.filter(case=case, action="order_escalated").count() == 1
        assert SupervisionOrder.objects.filter(case=case).count() == 2
    escalated = Notification.objects.filter(type="order.escalated")
    assert escalated.filter(recipient=people["supervisor"]).count() == 30
    assert escalated.values("recipient", "case").distinct().count() == escalated.count() == 90


def test_administrators_read_the_orders_in_the_admin(client, people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    issue(people, case)
    client.force_login(people["admin"])

    response = client.get("/admin/cases/supervisionorder/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert case.reference in response.content.decode()
    assert client.get("/admin/cases/supervisionorder/add/").status_code == 403

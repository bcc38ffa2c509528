"""Both lifecycles end to end through the real URLs, as each role."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cases.models import AuditAction, AuditEntry, Case, PointAward
from demo.org import credit_code
from tests.helpers import agreement_post, open_task, open_tasks


def days_ahead(days: int) -> str:
    """A meeting time still to come (a consultation cannot be scheduled in the past), as the page sends it."""
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def login(client, user):
    client.force_login(user)
    return client


def complete(client, task, data):
    response = client.post(reverse("task", args=[task.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_dispute_lifecycle_through_pages(client, people):
    # given a mediator of 祥泰社区
    login(client, people["mediator"])
    # when she registers a dispute
    response = client.post(
        reverse("dispute_new"),
        {
            "category": "neighbour",
            "channel": "visit",
            "description": "楼上装修噪音",
            "applicant_name": "张三",
            "applicant_phone": "13812341234",
            "applicant_id_number": "11010519491231002X",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("receipt", args=[case.reference])
    assert case.state == "registered" and case.unit.name == "祥泰社区"
    assert case.reference.startswith("TX-") and len(case.reference) == 14

    # then the triage task is already hers
    task = open_task(case)
    assert task.owner == people["mediator"]
    assert case.reference in client.get(reverse("inbox")).content.decode()

    complete(client, task, {"category": "neighbour", "priority": 2, "note": "邻里纠纷"})
    complete(
        client,
        open_task(case),
        {"scheduled_at": days_ahead(2), "place": "议事厅", "departments": "司法所"},
    )
    complete(client, open_task(case), {"minutes": "纪要", "decisions": "决定"})
    complete(client, open_task(case), agreement_post("协议"))
    # a dissatisfied follow-up reopens the consultation
    complete(client, open_task(case), {"answer": "dissatisfied", "note": "仍有噪音"})
    assert Case.objects.get(pk=case.pk).state == "consulting"
    assert open_task(case).flow_task.name == "consult"
    complete(
        client,
        open_task(case),
        {
            "scheduled_at": "2026-12-03T10:00",
            "place": "议事厅",
            "minutes": "二次会商",
            "decisions": "限时施工",
        },
    )
    complete(client, open_task(case), agreement_post("补充协议"))
    complete(client, open_task(case), {"answer": "satisfied"})
    assert Case.objects.get(pk=case.pk).state == "commending"

    # the supervisor claims the assessment from the queue and closes the case
    login(client, people["supervisor_taixing"])
    assess = open_task(case)
    assert case.reference in client.get(reverse("queue")).content.decode()
    assert client.post(reverse("task_claim", args=[assess.pk])).status_code == 302
    complete(client, assess, {"quality_score": 4, "comment": "好"})

    case = Case.objects.get(pk=case.pk)
    assert case.state == "closed" and case.closed_at is not None
    transitions = list(
        AuditEntry.objects.filter(case=case, action=AuditAction.TRANSITION).values_list(
            "name", "from_state", "to_state"
        )
    )
    assert transitions == [
        ("triage", "registered", "triaged"),
        ("convene", "triaged", "consulting"),
        ("conclude", "consulting", "resolving"),
        ("resolve", "resolving", "follow_up"),
        ("reopen", "follow_up", "consulting"),
        ("conclude", "consulting", "resolving"),
        ("resolve", "resolving", "follow_up"),
        ("confirm", "follow_up", "commending"),
        ("commend", "commending", "closed"),
    ]
    # 8 steps on time, satisfied (5), quality 4: 80 + 5 + 8 + 8
    assert list(PointAward.objects.values_list("person__username", "points")) == [("mediator", 101)]


def test_help_request_lifecycle_through_pages(client, people):
    login(client, people["liaison"])
    code = credit_code("91321283MA1NABCD")
    response = client.post(
        reverse("help_request_new"),
        {
            "enterprise_name": "泰兴市银杏精密机械有限公司",
            "credit_code": code,
            "contact_name": "刘经理",
            "contact_phone": "13912345678",
            "specialties": ["legal", "tax"],
            "description": "劳动合同与税务问题",
            "channel": "visit",
            "priority": 1,
            "card_code": "TXK-0002",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == "submitted" and case.help_request.card.code == "TXK-0002"
    assert case.help_request.card.services_left == 2

    complete(client, open_task(case), {"specialties": ["legal", "tax"], "priority": 2})
    assert Case.objects.get(pk=case.pk).state == "dispatched"

    # the lawyer sees the legal task in the queue, with the contact masked until she claims
    login(client, people["lawyer"])
    legal = open_tasks(case)["advise_legal"]
    page = client.get(reverse("task", args=[legal.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert client.post(reverse("task_claim", args=[legal.pk])).status_code == 302
    page = client.get(reverse("task", args=[legal.pk])).content.decode()
    assert "13912345678" in page
    assert Case.objects.get(pk=case.pk).state == "claimed"
    complete(client, legal, {"text": "建议完善劳动合同条款"})

    login(client, people["tax_advisor"])
    tax = open_tasks(case)["advise_tax"]
    client.post(reverse("task_claim", args=[tax.pk]))
    complete(client, tax, {"text": "可享受研发费用加计扣除"})
    assert Case.objects.get(pk=case.pk).state == "consulting"

    login(client, people["liaison"])
    complete(
        client,
        open_task(case),
        {
            "scheduled_at": "2026-12-01T14:00",
            "place": "工作站",
            "departments": "税务局",
            "minutes": "会商",
            "decisions": "联合方案",
        },
    )
    complete(client, open_task(case), {"solution": "出具方案并代办", "proxy_service_done": "on"})
    complete(client, open_task(case), {"rating": 5, "comment": "满意"})

    login(client, people["supervisor"])
    assess = open_task(case)
    client.post(reverse("task_claim", args=[assess.pk]))
    complete(client, assess, {"quality_score": 5})
    case = Case.objects.get(pk=case.pk)
    assert case.state == "closed"
    awards = dict(PointAward.objects.values_list("person__username", "points"))
    # liaison: 4 steps (dispatch, joint session, resolve, feedback) → 40 + 5 + 8 + 10; each professional 1 step
    assert awards == {"liaison": 63, "lawyer": 33, "tax_advisor": 33}

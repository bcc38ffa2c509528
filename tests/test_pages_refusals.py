"""Refusals through the real URLs: wrong role, wrong unit, wrong state, bad input → 4xx, nothing changed."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import AuditEntry, Case, ExperienceCard
from demo.lifecycles import dispute_to, help_request_to
from demo.org import credit_code
from tests.helpers import case_snapshot, open_task, open_tasks


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_anonymous_users_are_sent_to_login(client):
    for name in ("inbox", "queue", "archive", "cases", "dispute_new"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={reverse(name)}"


def test_intake_with_a_bad_credit_code_is_refused_in_chinese(client, people):
    client.force_login(people["liaison"])
    code = credit_code("91321283MA1NABCD")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post(
        reverse("help_request_new"),
        {
            "enterprise_name": "某公司",
            "credit_code": wrong,
            "contact_name": "刘",
            "contact_phone": "1391234567",
            "specialties": ["tax"],
            "description": "问",
            "channel": "visit",
            "priority": 1,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "统一社会信用代码有误" in page
    assert "请输入11位" in page or "手机号" in page
    assert Case.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_an_expired_card_is_refused_and_nothing_is_written(client, people):
    client.force_login(people["liaison"])
    response = client.post(
        reverse("help_request_new"),
        {
            "enterprise_name": "某公司",
            "credit_code": credit_code("91321283MA1NABCD"),
            "contact_name": "刘",
            "contact_phone": "13912345678",
            "specialties": ["tax"],
            "description": "问",
            "channel": "visit",
            "priority": 1,
            "card_code": "TXK-EXPIRED",
        },
    )
    assert response.status_code == 400
    assert "TXK-EXPIRED" in response.content.decode()
    assert Case.objects.count() == 0 and AuditEntry.objects.count() == 0
    assert ExperienceCard.objects.get(code="TXK-EXPIRED").services_left == 3


def test_another_mediator_cannot_complete_a_task_she_did_not_claim(client, people):
    case = dispute_to("registered", people)
    task = open_task(case)
    before = case_snapshot(case)
    client.force_login(people["mediator2"])
    response = client.post(reverse("task", args=[task.pk]), {"category": "neighbour", "priority": 1})
    assert response.status_code == 404  # the task is the mediator's: mediator2 may not even see it
    assert case_snapshot(case) == before


def test_a_lawyer_cannot_see_or_claim_a_tax_task(client, people):
    case = help_request_to("dispatched", people)
    task = open_tasks(case)["advise_tax"]
    before = case_snapshot(case)
    client.force_login(people["lawyer"])
    assert client.get(reverse("task", args=[task.pk])).status_code == 404
    assert client.post(reverse("task_claim", args=[task.pk])).status_code == 404
    assert case.reference not in client.get(reverse("queue")).content.decode()
    assert case_snapshot(case) == before


def test_claiming_a_claimed_task_is_a_409_conflict(client, people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    task = open_task(case)
    client.force_login(people["lawyer"])
    assert client.post(reverse("task_claim", args=[task.pk])).status_code == 302
    before = case_snapshot(case)
    client.force_login(people["lawyer2"])
    response = client.post(reverse("task_claim", args=[task.pk]))
    assert response.status_code == 409
    assert "此任务已被他人认领" in response.content.decode()
    assert case_snapshot(case) == before
    client.force_login(people["lawyer"])
    response = client.post(reverse("task_claim", args=[task.pk]))
    assert response.status_code == 409
    assert "您已认领此任务" in response.content.decode()
    assert case_snapshot(case) == before


def test_other_unit_supervisor_gets_404_for_a_taixing_case(client, people):
    case = dispute_to("registered", people)
    client.force_login(people["supervisor_hailing"])
    assert client.get(reverse("case", args=[case.reference])).status_code == 404
    assert case.reference not in client.get(reverse("cases")).content.decode()


def test_a_side_exit_without_reason_is_refused(client, people):
    case = dispute_to("triaged", people)
    before = case_snapshot(case)
    client.force_login(people["mediator"])
    response = client.post(reverse("case_action", args=[case.reference, "reject"]), {"reason": ""})
    assert response.status_code == 400
    assert "请填写原因。" in response.content.decode()  # the form's words, the API's too
    assert case_snapshot(case) == before


def test_rejecting_a_case_in_consultation_is_a_409(client, people):
    case = dispute_to("consulting", people)
    before = case_snapshot(case)
    client.force_login(people["mediator"])
    response = client.post(reverse("case_action", args=[case.reference, "reject"]), {"reason": "不受理"})
    assert response.status_code == 409
    assert case_snapshot(case) == before


def test_escalation_through_the_page_moves_the_case_up(client, people):
    case = dispute_to("triaged", people)
    client.force_login(people["mediator"])
    response = client.post(reverse("case_action", args=[case.reference, "escalate"]), {"reason": "跨社区"})
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.state == "escalated" and case.unit.name == "济川街道"
    task = open_task(case)
    assert task.flow_task.name == "triage" and task.owner is None
    client.force_login(people["mediator_street"])
    assert case.reference in client.get(reverse("queue")).content.decode()


def test_a_wrong_role_cannot_register_a_dispute(client, people):
    client.force_login(people["lawyer"])
    assert client.get(reverse("dispute_new")).status_code == 404
    assert client.post(reverse("dispute_new"), {"category": "other"}).status_code == 404
    assert Case.objects.count() == 0


def test_a_supervisor_who_sees_a_task_still_cannot_complete_it(client, people):
    case = dispute_to("registered", people)
    task = open_task(case, "triage")
    before = case_snapshot(case)
    client.force_login(people["supervisor_taixing"])
    assert client.get(reverse("task", args=[task.pk])).status_code == 200
    response = client.post(reverse("task", args=[task.pk]), {"category": "neighbour", "priority": 1})
    assert response.status_code == 403
    assert "只有任务认领人可以完成此任务。" in response.content.decode()
    assert case_snapshot(case) == before

"""The case page leads with the next step: the open step and its action first, side exits grouped behind
confirmations that ask for a reason, errors summarised at the top of the refused form with the focus on the
first wrong field, a timeline that names each step in the order things happened, the same party's other cases
(only those the reader sees), and a waiting task that says it waits."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import case_snapshot, open_task, visible_text


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_the_next_step_comes_first_and_the_side_exits_after_it_behind_confirmations(client, people):
    case = dispute_to("registered", people)
    task = open_task(case)
    client.force_login(people["mediator"])
    page = client.get(reverse("case", args=[case.reference])).content.decode()

    # the open step, with its action as the page's first primary button
    first_button = re.search(r'<a class="button primary" href="([^"]+)">([^<]+)</a>', page)
    assert first_button is not None
    assert first_button.groups() == (reverse("task", args=[task.pk]), "办理研判")
    assert page.index('class="card next-step"') < page.index('id="side-exits"')
    # each side exit is a <details> whose form asks for the reason, confirmed by its own button
    exits = re.findall(r'<details class="confirm">\s*<summary class="button">([^<]+)</summary>', page)
    assert exits == ["不予受理", "转办", "上报上级单位", "撤回"]
    assert page.count('name="reason"') == 4 and page.count('name="to"') == 1  # only a referral says where
    assert re.findall(r"<button class=\"\w+\">(确认[^<]+)</button>", page) == [
        "确认不予受理",
        "确认转办",
        "确认上报",
        "确认撤回",
    ]
    assert 'id="reject_reason"' in page and 'id="refer_reason"' in page  # one id per form


def test_a_side_exit_without_a_reason_reopens_its_confirmation_with_the_error_on_top(client, people):
    case = dispute_to("registered", people)
    before = case_snapshot(case)
    client.force_login(people["mediator"])
    response = client.post(reverse("case_action", args=[case.reference, "reject"]), {"reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    opened = re.findall(r'<details class="confirm" open>\s*<summary class="button">([^<]+)</summary>', page)
    assert opened == ["不予受理"]
    summary = re.search(r'<div class="message error form-errors" role="alert">(.*?)</div>', page, re.S)
    assert summary is not None
    assert visible_text(summary.group(1)).split() == [
        "请先更正以下",
        "1",
        "处问题再提交：",
        "原因",
        ":",
        "请填写原因。",
    ]
    assert '<a href="#reject_reason">原因</a>' in summary.group(1)
    # the wrong field has the focus, which brings it into view
    assert re.search(r'<textarea[^>]*autofocus[^>]*id="reject_reason"', page)
    assert case_snapshot(case) == before


def test_a_side_exit_with_its_reason_is_taken(client, people):
    case = dispute_to("registered", people)
    client.force_login(people["mediator"])
    response = client.post(
        reverse("case_action", args=[case.reference, "refer"]), {"reason": "劳动争议", "to": "劳动仲裁委"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.exit_reason, case.referred_to) == ("referred", "劳动争议", "劳动仲裁委")


def test_the_timeline_names_each_step_and_tells_its_state_change_on_its_own_line(client, people):
    case = dispute_to("consulting", people)
    client.force_login(people["mediator"])
    response = client.get(reverse("case", args=[case.reference]))
    lines = [
        (str(entry.title), entry.from_state, entry.to_state, str(entry.actor))
        for entry in response.context["timeline"]
    ]
    assert lines == [
        ("受理登记", "", "registered", "王调解"),
        ("研判 办结", "registered", "triaged", "王调解"),
        ("安排议事会商 办结", "triaged", "consulting", "王调解"),
    ]
    page = visible_text(response.content.decode())
    assert "环节办结" not in page and "研判 办结 受理登记 → 研判 · 王调解" in page


def test_the_consultation_a_help_requests_last_advice_opens_shows_on_that_advice(client, people):
    case = help_request_to("consulting", people, specialties=["tax"])
    client.force_login(people["supervisor"])
    lines = [
        (str(entry.title), entry.from_state, entry.to_state)
        for entry in client.get(reverse("case", args=[case.reference])).context["timeline"]
    ]
    assert lines[-3:] == [
        ("税务意见 认领", "", ""),
        ("状态变更", "dispatched", "claimed"),
        ("税务意见 办结", "claimed", "consulting"),
    ]


def test_a_waiting_task_says_it_waits_to_be_claimed(client, people):
    case = help_request_to("dispatched", people, specialties=["tax"])
    task = open_task(case)
    client.force_login(people["tax_advisor"])
    page = visible_text(client.get(reverse("task", args=[task.pk])).content.decode())
    assert "任务状态: 待认领" in page and "新建" not in page


def test_the_same_partys_other_cases_are_listed_as_far_as_the_reader_sees_them(client, people):
    first = dispute_to("registered", people, applicant_phone="13900001111")
    same_id = dispute_to(
        "registered", people, applicant_phone="13900002222", applicant_id_number="11010519491231002X"
    )
    current = dispute_to(
        "registered", people, applicant_phone="13900001111", applicant_id_number="11010519491231002X"
    )
    elsewhere = dispute_to(
        "registered", people, actor=people["mediator_chengxi"], applicant_phone="13900001111"
    )
    dispute_to("registered", people, applicant_phone="13900003333")  # another party

    client.force_login(people["mediator"])
    related = client.get(reverse("case", args=[current.reference])).context["related"]
    assert [case.reference for case in related] == [same_id.reference, first.reference]
    # the supervisor of the whole city sees the 海陵区 case too
    client.force_login(people["supervisor"])
    related = client.get(reverse("case", args=[current.reference])).context["related"]
    assert [case.reference for case in related] == [elsewhere.reference, same_id.reference, first.reference]

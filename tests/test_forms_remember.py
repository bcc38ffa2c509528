"""Forms that remember and refuse clearly: the consultation starts from the scheduled meeting, the attendee
picker groups the people who may attend by role and unit (the same rule for the pages and the API), a meeting
cannot be scheduled in the past (pages and API, nothing changed), a text over its limit is refused with its
length instead of being cut by the browser, and a group of checkboxes has its label above it."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from cases.models import AuditEntry, Case, Meeting
from demo.lifecycles import dispute_to
from notifications.models import Notification
from tests.helpers import case_snapshot, dispute_body, open_task, visible_text


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def api(user) -> Client:
    token = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="zh-hans")


def page_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_consultation_form_starts_from_the_scheduled_meeting(client, people, time_machine):
    time_machine.move_to("2026-12-03 09:00 +08:00", tick=False)
    case = dispute_to("triaged", people)
    client.force_login(people["mediator"])
    convene = open_task(case, "convene")
    response = client.post(
        reverse("task", args=[convene.pk]),
        {
            "scheduled_at": "2026-12-04T10:00",
            "place": "祥泰社区议事厅",
            "departments": "司法所",
            "attendees": [people["mediator2"].pk, people["supervisor_taixing"].pk],
        },
    )
    assert response.status_code == 302
    consult = open_task(case, "consult")
    page = client.get(reverse("task", args=[consult.pk])).content.decode()
    assert 'value="2026-12-04T10:00"' in page
    assert re.search(r'<input type="text" name="place" value="祥泰社区议事厅"', page)
    assert re.search(r'<input type="text" name="departments" value="司法所"', page)
    checked = re.findall(r'<input type="checkbox" name="attendees" value="(\d+)"[^>]*checked', page)
    assert sorted(map(int, checked)) == sorted([people["mediator2"].pk, people["supervisor_taixing"].pk])

    # sent as shown, with the minutes, it records that one meeting as held
    response = client.post(
        reverse("task", args=[consult.pk]),
        {
            "scheduled_at": "2026-12-04T10:00",
            "place": "祥泰社区议事厅",
            "departments": "司法所",
            "attendees": [people["mediator2"].pk, people["supervisor_taixing"].pk],
            "minutes": "纪要",
            "decisions": "决定",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(case=case)
    assert (meeting.place, meeting.departments, meeting.held, meeting.minutes) == (
        "祥泰社区议事厅",
        "司法所",
        True,
        "纪要",
    )
    assert sorted(meeting.attendees.values_list("username", flat=True)) == ["mediator2", "supervisor_taixing"]


def test_the_attendee_picker_groups_the_district_by_unit_and_role_with_a_search(client, people):
    case = dispute_to("triaged", people)
    client.force_login(people["mediator"])
    page = client.get(reverse("task", args=[open_task(case, "convene").pk])).content.decode()
    assert 'data-picker-search="id_attendees_picker"' in page
    legends = re.findall(r'<fieldset class="group">\s*<legend>([^<]+)</legend>', page)
    # in the unit tree's order: the district, its service group and station, the street, the community
    assert legends == [
        "督导员 · 泰兴市",
        "三师志愿者 · 三师服务分团",
        "联络专员 · 泰兴城区工业园区三师助企工作站",
        "社区调解员 · 济川街道",
        "社区调解员 · 祥泰社区",
    ]
    # nobody of another district (海陵区) is offered
    assert f'value="{people["mediator_chengxi"].pk}"' not in page
    assert f'value="{people["supervisor_hailing"].pk}"' not in page


def test_a_meeting_in_the_past_is_refused_by_the_page_and_nothing_changes(client, people, time_machine):
    time_machine.move_to("2026-12-03 09:00 +08:00", tick=False)
    case = dispute_to("triaged", people)
    task = open_task(case, "convene")
    before = case_snapshot(case)
    client.force_login(people["mediator"])
    response = client.post(
        reverse("task", args=[task.pk]), {"scheduled_at": "2026-12-03T08:59", "place": "议事厅"}
    )
    assert response.status_code == 400
    assert "请选择将来的时间：这是在安排会商。" in visible_text(response.content.decode())
    assert case_snapshot(case) == before and Meeting.objects.count() == 0


def test_a_meeting_in_the_past_is_refused_by_the_api_and_nothing_changes(people, time_machine):
    time_machine.move_to("2026-12-03 09:00 +08:00", tick=False)
    case = dispute_to("triaged", people)
    task = open_task(case, "convene")
    before = case_snapshot(case)
    notifications = Notification.objects.count()
    response = api(people["mediator"]).post(
        f"/api/v1/tasks/{task.pk}/complete/",
        json.dumps(
            {"scheduled_at": "2026-12-03T09:00", "place": "议事厅", "attendees": [people["mediator2"].pk]}
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"scheduled_at": ["请选择将来的时间：这是在安排会商。"]}
    assert case_snapshot(case) == before
    assert Meeting.objects.count() == 0 and Notification.objects.count() == notifications


def test_a_description_over_its_limit_is_refused_with_its_length_not_cut(client, people):
    client.force_login(people["mediator"])
    page = client.get(reverse("dispute_new")).content.decode()
    textarea = re.search(r'<textarea name="description"[^>]*>', page).group(0)
    assert 'data-maxlength="2000"' in textarea and " maxlength=" not in textarea  # the browser cuts nothing
    response = client.post(reverse("dispute_new"), dispute_body(description="长" * 10_000))
    assert response.status_code == 400
    text = visible_text(response.content.decode())
    assert "确保该变量包含不超过 2000 字符 (目前字符数 10000)。" in text
    assert Case.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_the_specialties_label_is_above_its_checkboxes_with_a_required_mark(client, people):
    client.force_login(people["liaison"])
    page = client.get(reverse("help_request_new")).content.decode()
    legend = re.search(
        r"<legend>所需专业 <span class=\"required\" aria-hidden=\"true\">\*</span></legend>", page
    )
    assert legend is not None
    assert legend.start() < page.index('name="specialties"')

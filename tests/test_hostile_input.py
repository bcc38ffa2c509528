"""Hostile input (issue 12): what an attacker tried, each refused in the user's language with nothing changed."""

import json

from django.test import Client
from rest_framework.authtoken.models import Token

from cases.models import Meeting
from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification
from tests.helpers import case_snapshot, open_tasks


def api(user, language="zh-hans"):
    key = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)


def test_the_api_invites_to_a_meeting_only_people_the_task_page_offers(people):
    # a 泰兴市 mediator convenes a 泰兴市 dispute and names 海陵区's supervisor and a 海陵区 mediator
    case = dispute_to("triaged", people)
    task = open_tasks(case)["convene"]
    outsiders = [people["supervisor_hailing"].pk, people["mediator_chengxi"].pk]
    before = case_snapshot(case)
    notifications = Notification.objects.count()

    response = api(people["mediator"]).post(
        f"/api/v1/tasks/{task.pk}/complete/",
        json.dumps({"scheduled_at": "2026-12-20T14:00", "place": "议事厅", "attendees": outsiders}),
        content_type="application/json",
    )

    # then the API refuses as the task page does, and nobody outside the district heard of it
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"attendees"}
    assert case_snapshot(case) == before
    assert Meeting.objects.filter(case=case).count() == 0
    assert Notification.objects.count() == notifications
    # the page offers the district's people only
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["mediator"])
    page = pages.get(f"/tasks/{task.pk}/").content.decode()
    assert f'value="{people["mediator2"].pk}"' in page
    assert all(f'value="{pk}"' not in page for pk in outsiders)


def test_the_case_list_page_refuses_what_is_no_filter_with_a_400_in_the_users_language(people):
    dispute_to("registered", people)
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["supervisor"])
    for query, message in (
        ("q=%00", "搜索：不允许是用空字符串。"),  # Django's own words
        ("state=%00", "状态：请从列出的选项中选择。"),
        ("kind=" + "x" * 100_000, "类型：请从列出的选项中选择。"),
        ("unit=%C2%B2", "所属单位：请用 0-9 的数字填写整数。"),
        ("unit=%D9%A1", "所属单位：请用 0-9 的数字填写整数。"),
        ("after=%C2%B2-1", "分页链接无效，请从第一页重新开始。"),
    ):
        response = pages.get(f"/cases/?{query}")
        assert response.status_code == 400, query
        assert message in response.content.decode(), query
    assert pages.get("/cases/?unit=1&q=TX").status_code == 200


def test_marking_notifications_read_refuses_what_is_no_id_and_marks_nothing(people):
    help_request_to("dispatched", people, specialties=["legal"])
    lawyer = people["lawyer"]
    unread = Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count()
    assert unread == 1
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(lawyer)
    for data in ({"ids": ["²"]}, {"ids": ["١"]}, {"up_to": "²"}, {"ids": ["1", "x"]}):
        response = pages.post("/notifications/read/", data, HTTP_ACCEPT="application/json")
        assert response.status_code == 400, data
        assert response.json()["error"]["code"] == "invalid"
    assert Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count() == unread
    response = pages.post("/notifications/read/", {"up_to": "²"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count() == unread


def test_full_width_digits_are_no_mobile_or_id_number():
    import pytest
    from django.core.exceptions import ValidationError

    from cases.validators import validate_id_number, validate_mobile

    for number in ("１３８１２３４１２３４", "13８12341234", "١٣٨١٢٣٤١٢٣٤"):
        with pytest.raises(ValidationError):
            validate_mobile(number)
    with pytest.raises(ValidationError):
        validate_id_number("１１０１０５１９４９１２３１００２Ｘ")
    validate_mobile("13812341234")


def test_an_over_long_reason_is_refused_before_the_database_and_changes_nothing(people):
    case = dispute_to("registered", people)
    before = case_snapshot(case)
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["mediator"])
    response = pages.post(
        f"/cases/{case.reference}/actions/refer/", {"reason": "理" * 1001, "to": "法" * 101}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "确保该变量包含不超过 1000 字符 (目前字符数 1001)。" in page  # Django's own words
    assert "确保该变量包含不超过 100 字符 (目前字符数 101)。" in page
    assert case_snapshot(case) == before

"""The worklists (我的待办, 待认领, 已办; pages and ``GET /api/v1/tasks/``): each row says which case it is (the party
or enterprise, the phone masked as the reader must see it, the question in one line), its step, due moment and
light, and priority; filters by kind, step, unit, light and text (phone numbers by their digits, where the
reader sees them); orders by priority, due or age; the choice kept per person (``WorklistPreference``); several
queue tasks claimed at once, each on its own; several notifications marked read at once; the counts in the
menu. Time is frozen with time-machine."""

import re
from datetime import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from cases import deadlines
from cases.models import Case, Clock, Light, Unit, WorklistPreference
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to
from demo.org import ENTERPRISES
from notifications.models import Notification
from tests.helpers import case_snapshot, enterprise_request, open_task, visible_text
from tests.test_api import api, post
from workflow import services
from workflow.selectors import worklist


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


@pytest.fixture
def frozen(time_machine):
    def move(text: str) -> None:
        time_machine.move_to(at(text), tick=False)

    return move


LONG_QUESTION = (
    "供应商拖欠货款三百万元，对方已停止回复，想了解诉讼时效、财产保全的具体办法、所需费用以及胜诉后的执行流程，"
    "另外合同中的违约金条款是否有效？"
)


@pytest.fixture
def world(people, frozen):
    """Monday 2 November 2026: a dispute in the mediator's inbox (its triage), and two legal help requests in
    the lawyers' queue, the second urgent."""
    frozen("2026-11-02 09:00")
    noise = dispute_to("registered", people, description="楼上漏水，物业推诿。\n第二行不在摘要里")
    normal = help_request_to(
        "dispatched", people, specialties=["legal"], description="劳动合同到期不续签，需要补偿吗？"
    )
    frozen("2026-11-02 10:00")
    urgent = enterprise_request(people, LONG_QUESTION)
    Case.objects.filter(pk=urgent.pk).update(priority=3)  # as its dispatch would have rated it
    return {"noise": noise, "normal": normal, "urgent": urgent}


def rows_of(user, **query) -> list[dict]:
    response = api(user).get("/api/v1/tasks/", query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def references(rows) -> list[str]:
    return [row["reference"] for row in rows]


def page(user, name: str, **query) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    return response.content.decode()


# ---- what a row says ------------------------------------------------------------------------------------------


def test_a_queue_row_names_the_enterprise_masks_its_phone_and_says_the_question_step_due_and_priority(
    people, world, frozen
):
    frozen("2026-11-02 11:00")
    rows = rows_of(people["lawyer"], scope="queue")
    urgent = world["urgent"]
    task = open_task(urgent, "advise_legal")
    clock = Clock.objects.get(task_id=task.pk)
    assert (
        rows[0]
        == {
            "id": task.pk,
            "reference": urgent.reference,
            "step": "advise_legal",
            "title": "法律意见",
            "status": "NEW",
            "owner": None,
            "created": task.created.isoformat(),
            "sla": {"due_at": clock.due_at.isoformat(), "light": "green", "paused": False},
            "kind": "help_request",
            "priority": 3,
            "unit": {"id": urgent.unit_id, "name": "泰兴城区工业园区三师助企工作站"},
            "party": ENTERPRISES[1][0],
            "phone": "139****1111",  # not claimed yet: masked
            "summary": LONG_QUESTION[:59] + "…",
        }
    )
    assert references(rows) == [urgent.reference, world["normal"].reference]


def test_the_inbox_row_shows_the_full_phone_to_whoever_works_the_case_and_the_first_line_only(people, world):
    row = rows_of(people["mediator"], scope="inbox")[0]
    assert (row["party"], row["phone"], row["summary"], row["title"]) == (
        "张三",
        "13812341234",
        "楼上漏水，物业推诿。",
        "研判",
    )
    html = visible_text(page(people["mediator"], "inbox"))
    assert "张三 13812341234" in html and "楼上漏水，物业推诿。" in html and "第二行" not in html
    # the supervisor does not work it: in the case list the number is masked, in a worklist he has no row
    assert rows_of(people["supervisor_taixing"], scope="inbox") == []


COLUMNS = ["案件", "当事人或企业", "问题描述", "环节", "办理期限", "优先级", "所属单位"]


def test_each_cell_of_a_row_is_captioned_with_its_columns_name_in_every_list(people, world):
    """``data-label``: what a narrow screen shows before each cell (the names are translated once per page)."""
    dispute_to("triaged", people)  # its triage done: a row of the mediator's archive
    lists = [
        (people["lawyer"], "queue", ["选择", *COLUMNS, "等待起始"]),
        (people["mediator"], "inbox", [*COLUMNS, "等待起始"]),
        (people["mediator"], "archive", [*COLUMNS, "办结时间"]),
    ]
    for user, name, columns in lists:
        html = page(user, name)
        rows = re.findall(r'<tr class="priority-[0-9]">(.*?)</tr>', html, flags=re.S)
        assert re.findall(r"<th>([^<]*)</th>", html) == columns
        assert rows and all(re.findall(r'<td data-label="([^"]*)"', row) == columns for row in rows)


def test_the_lawyer_sees_the_phone_once_he_claimed(people, world):
    task = open_task(world["urgent"], "advise_legal")
    services.task_claim(task_id=task.pk, user=people["lawyer"])
    assert [row["phone"] for row in rows_of(people["lawyer"], scope="inbox")] == ["13900001111"]
    html = page(people["lawyer"], "inbox")
    assert "13900001111" in html and ENTERPRISES[1][0] in html


# ---- filters ---------------------------------------------------------------------------------------------------


def test_filters_by_kind_step_unit_and_text(people, world):
    supervisor = people["supervisor"]
    # the city supervisor's queue holds no advice (professionals take them); the lawyer's holds two
    lawyer = people["lawyer"]
    assert references(rows_of(lawyer, scope="queue", kind="dispute")) == []
    assert len(rows_of(lawyer, scope="queue", kind="help_request")) == 2
    assert len(rows_of(lawyer, scope="queue", step="advise_legal")) == 2
    assert rows_of(lawyer, scope="queue", step="triage") == []
    station = Unit.objects.get(name="泰兴城区工业园区三师助企工作站")
    hailing = Unit.objects.get(name="海陵区")
    assert len(rows_of(lawyer, scope="queue", unit=station.pk)) == 2
    assert rows_of(lawyer, scope="queue", unit=hailing.pk) == []
    assert references(rows_of(lawyer, scope="queue", q=ENTERPRISES[1][0][:4])) == [world["urgent"].reference]
    assert references(rows_of(lawyer, scope="queue", q="劳动合同")) == [world["normal"].reference]
    assert references(rows_of(lawyer, scope="queue", q=world["normal"].reference)) == [
        world["normal"].reference
    ]
    assert rows_of(supervisor, scope="queue") == []


def test_a_phone_number_is_found_by_its_digits_where_the_reader_sees_it(people, world):
    mediator, lawyer = people["mediator"], people["lawyer"]
    noise = world["noise"].reference
    for written in ("13812341234", "138 1234 1234", "138-1234-1234", "1234 1234"):
        assert references(rows_of(mediator, scope="inbox", q=written)) == [noise], written
    # the lawyer has not claimed the urgent request: its number is masked for him, a search by it finds nothing
    assert rows_of(lawyer, scope="queue", q="139 0000 1111") == []
    services.task_claim(task_id=open_task(world["urgent"], "advise_legal").pk, user=lawyer)
    assert references(rows_of(lawyer, scope="inbox", q="139 0000 1111")) == [world["urgent"].reference]
    # three digits are no phone search
    assert rows_of(mediator, scope="inbox", q="138") == []
    # the case list searches alike: the mediator finds it by phone, the supervisor (masked) does not
    listed = api(mediator).get("/api/v1/cases/", {"q": "138 1234 1234"}).json()["results"]
    assert [row["reference"] for row in listed] == [noise]
    listed = api(people["supervisor"]).get("/api/v1/cases/", {"q": "138 1234 1234"}).json()["results"]
    assert listed == []
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(mediator)
    assert noise in client.get(reverse("cases"), {"q": "13812341234"}).content.decode()


def test_the_light_filter_agrees_with_each_steps_sla_at_every_moment(people, world, frozen):
    frozen("2026-11-02 10:30")
    paused = dispute_to("registered", people)
    services.task_pause(
        task_id=open_task(paused, "triage").pk, user=people["mediator"], reason="等待当事人", days=5
    )
    tasks = list(Task.objects.filter(flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"]))
    assert len(tasks) == 4
    lights = [*Light.values, deadlines.NO_DEADLINE_LIGHT]
    seen = set()
    for moment in ("2026-11-02 10:30", "2026-11-02 16:30", "2026-11-03 09:30", "2026-11-20 09:00"):
        frozen(moment)
        for user, scope in ((people["mediator"], "inbox"), (people["lawyer"], "queue")):
            for light in lights:
                listed = {task.pk for task in worklist(user=user, scope=scope, light=light)}
                for task in worklist(user=user, scope=scope):
                    clock = Clock.objects.filter(task_id=task.pk).first()
                    sla = deadlines.clock_sla(clock, timezone.now())
                    expected = (
                        deadlines.NO_DEADLINE_LIGHT if sla.due_at is None and not sla.paused else sla.light
                    )
                    assert (task.pk in listed) == (light == expected), (moment, task.pk, light)
                    seen.add(expected)
    assert seen == {"green", "yellow", "red", "paused"}


def test_the_orders_priority_due_and_age(people, world):
    lawyer = people["lawyer"]
    normal, urgent = world["normal"].reference, world["urgent"].reference
    assert references(rows_of(lawyer, scope="queue")) == [urgent, normal]  # priority: the default
    assert references(rows_of(lawyer, scope="queue", sort="priority")) == [urgent, normal]
    assert references(rows_of(lawyer, scope="queue", sort="age")) == [normal, urgent]
    by_due = sorted(
        (Clock.objects.get(task_id=open_task(world[name], "advise_legal").pk).due_at, world[name].reference)
        for name in ("normal", "urgent")
    )
    assert references(rows_of(lawyer, scope="queue", sort="due")) == [reference for _due, reference in by_due]


def test_the_archive_lists_done_steps_done_last_first(people, world):
    mediator = people["mediator"]
    later = dispute_to("triaged", people)
    done = rows_of(mediator, scope="archive")
    assert [(row["reference"], row["step"], row["status"]) for row in done] == [
        (later.reference, "triage", "DONE")
    ]
    assert "张三" in page(mediator, "archive")


def test_a_filter_that_is_not_listed_is_a_400_in_the_readers_language_and_nothing_is_kept(people, world):
    lawyer = people["lawyer"]
    WorklistPreference.objects.create(user=lawyer, worklist="queue", query={"sort": "age"})
    response = api(lawyer).get("/api/v1/tasks/", {"scope": "queue", "light": "purple"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "light": ["请选择 green、yellow、red、paused 或 none（无时限）。"]
    }
    response = api(lawyer).get("/api/v1/tasks/", {"scope": "queue", "sort": "alphabetical"})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["sort"]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(lawyer)
    response = client.get(reverse("queue"), {"step": "teleport"})
    assert response.status_code == 400
    assert "请从列出的选项中选择。" in response.content.decode()
    assert list(WorklistPreference.objects.values_list("user__username", "worklist", "query")) == [
        ("lawyer", "queue", {"sort": "age"})
    ]


# ---- the choice kept per person -----------------------------------------------------------------------------


def test_the_choice_is_kept_per_person_and_list_across_sessions_until_cleared(people, world):
    lawyer = people["lawyer"]
    normal, urgent = world["normal"].reference, world["urgent"].reference
    first = page(lawyer, "queue", sort="age", kind="help_request")
    assert first.index(normal) < first.index(urgent)
    assert list(WorklistPreference.objects.values_list("user__username", "worklist", "query")) == [
        ("lawyer", "queue", {"kind": "help_request", "sort": "age"})
    ]
    # a new session (another client) opens the list as he left it, the order chosen in the form
    again = page(lawyer, "queue")
    assert again.index(normal) < again.index(urgent)
    assert '<option value="age" selected>' in again
    # another person's list and his own other lists are untouched
    other = page(people["lawyer2"], "queue")
    assert other.index(urgent) < other.index(normal)
    assert '<option value="age" selected>' not in page(lawyer, "inbox")
    # cleared: the default order again, and the row keeps nothing
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(lawyer)
    response = client.get(reverse("queue"), {"reset": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("queue")
    assert WorklistPreference.objects.get(user=lawyer, worklist="queue").query == {}
    cleared = page(lawyer, "queue")
    assert cleared.index(urgent) < cleared.index(normal)


def test_a_kept_choice_that_no_longer_holds_is_dropped_not_a_500(people, world):
    WorklistPreference.objects.create(user=people["lawyer"], worklist="queue", query={"step": "gone"})
    html = page(people["lawyer"], "queue")
    assert world["urgent"].reference in html and world["normal"].reference in html


# ---- several at once --------------------------------------------------------------------------------------------


def test_claiming_several_says_which_were_claimed_and_which_refused(people, world):
    normal_task = open_task(world["normal"], "advise_legal")
    urgent_task = open_task(world["urgent"], "advise_legal")
    services.task_claim(task_id=normal_task.pk, user=people["lawyer2"])  # taken meanwhile
    noise_task = open_task(world["noise"], "triage")  # the mediator's, not in a lawyer's queue
    response = post(
        api(people["lawyer"]),
        "/api/v1/tasks/claim/",
        {"tasks": [normal_task.pk, urgent_task.pk, noise_task.pk]},
    )
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": normal_task.pk,
                "reference": world["normal"].reference,
                "claimed": False,
                "error": {"code": "conflict", "message": "此任务已被他人认领。", "fields": {}},
            },
            {"id": urgent_task.pk, "reference": world["urgent"].reference, "claimed": True, "error": None},
            {
                "id": noise_task.pk,
                "reference": "",
                "claimed": False,
                "error": {"code": "not_found", "message": "未找到相关内容。", "fields": {}},
            },
        ]
    }
    owners = dict(
        Task.objects.filter(pk__in=[normal_task.pk, urgent_task.pk, noise_task.pk]).values_list(
            "pk", "owner__username"
        )
    )
    assert owners == {normal_task.pk: "lawyer2", urgent_task.pk: "lawyer", noise_task.pk: "mediator"}


def test_claiming_several_on_the_page(people, world):
    normal_task = open_task(world["normal"], "advise_legal")
    urgent_task = open_task(world["urgent"], "advise_legal")
    services.task_claim(task_id=normal_task.pk, user=people["lawyer2"])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(people["lawyer"])
    response = client.post(reverse("queue_claim"), {"tasks": [normal_task.pk, urgent_task.pk]}, follow=True)
    text = visible_text(response.content.decode())
    assert f"认领成功：{world['urgent'].reference}。" in text
    assert f"{world['normal'].reference} 未认领：此任务已被他人认领。" in text
    assert Task.objects.get(pk=urgent_task.pk).owner == people["lawyer"]


def test_claiming_none_is_refused_and_changes_nothing(people, world):
    before = {name: case_snapshot(case) for name, case in world.items()}
    response = post(api(people["lawyer"]), "/api/v1/tasks/claim/", {"tasks": []})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"tasks": ["请选择要认领的任务。"]}
    response = post(api(people["lawyer"]), "/api/v1/tasks/claim/", {"tasks": ["x"]})
    assert response.status_code == 400
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(people["lawyer"])
    response = client.post(reverse("queue_claim"), {}, follow=True)
    assert "请选择要认领的任务。" in response.content.decode()
    assert {name: case_snapshot(case) for name, case in world.items()} == before


def test_marking_several_notifications_read_on_the_page(people, world):
    lawyer = people["lawyer"]
    unread = list(Notification.objects.filter(recipient=lawyer).order_by("pk"))
    assert len(unread) == 2  # each request's advice in his queue
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(lawyer)
    html = client.get(reverse("notifications")).content.decode()
    assert html.count('form="read-chosen"') == 3  # two boxes and the button
    client.post(reverse("notifications_read"), {"chosen": "1", "ids": [unread[0].pk, unread[1].pk]})
    assert Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count() == 0
    # the chosen-ones button with nothing ticked marks nothing, and says so
    extra = help_request_to("dispatched", people, specialties=["legal"])
    assert extra and Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count() == 1
    response = client.post(reverse("notifications_read"), {"chosen": "1"}, follow=True)
    assert "请选择要标为已读的通知。" in response.content.decode()
    assert Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count() == 1


# ---- the menu, and what a page costs ------------------------------------------------------------------------


def test_the_menu_counts_each_list(people, world):
    html = page(people["lawyer"], "cases")
    assert '待认领 <span class="count">2</span>' in html
    services.task_claim(task_id=open_task(world["urgent"], "advise_legal").pk, user=people["lawyer"])
    html = page(people["lawyer"], "cases")
    assert '我的待办 <span class="count">1</span>' in html and '待认领 <span class="count">1</span>' in html
    html = page(people["mediator"], "cases")
    assert '我的待办 <span class="count">1</span>' in html and "已办 <span" not in html


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def copies(case: Case, count: int) -> None:
    """``count`` more cases like ``case`` (worked by the real commands), as the engine left it: the case and
    its detail row, its process, its tasks and their clocks, its participants; written in bulk, so that a list
    of 500 costs seconds to set up (the engine's own rows, table by table: ``tests/test_bench_baseline.py``)."""
    from cases.models import CaseParticipant, DisputeDetail, HelpRequestDetail
    from workflow.models import CaseProcess

    detail_model = DisputeDetail if case.is_dispute else HelpRequestDetail
    detail = detail_model.objects.get(case=case)
    process = CaseProcess.objects.get(case=case)
    tasks = list(Task.objects.filter(process=process).order_by("pk"))
    clocks = {clock.task_id: clock for clock in Clock.objects.filter(case=case)}
    participants = list(CaseParticipant.objects.filter(case=case))
    number = Case.objects.count()
    for _copy in range(count):
        number += 1
        twin = Case.objects.get(pk=case.pk)
        twin.pk, twin.reference = None, f"TX-2026-{number:06d}"
        twin.save()
        detail.pk, detail.case = None, twin
        detail.save(force_insert=True)
        new_process = CaseProcess.objects.get(pk=process.pk)
        new_process.pk = new_process.id = None
        new_process.case = twin
        new_process.save()
        for task in tasks:
            old = task.pk
            task.pk, task.process = None, new_process
            task.save()
            if old in clocks:
                clock = clocks[old]
                clock.pk, clock.case, clock.task_id = None, twin, task.pk
                clock.save()
            task.pk = old
        if None in clocks:
            clock = clocks[None]
            clock.pk, clock.case = None, twin
            clock.save()
        CaseParticipant.objects.bulk_create(
            [CaseParticipant(case=twin, person_id=row.person_id) for row in participants]
        )


def test_the_worklists_cost_the_same_queries_at_5_and_500_rows(people):
    """The mediator's inbox and archive and the lawyer's queue, page and API, filtered and sorted, each at 5
    rows then at 500 (the pages show 50 of them, the API 200)."""
    mediator, lawyer = Client(), Client()
    mediator.force_login(people["mediator"])
    lawyer.force_login(people["lawyer"])
    urls = [
        (mediator, reverse("inbox")),
        (mediator, reverse("inbox") + "?sort=due&light=green&q=张三&kind=dispute&step=convene"),
        (mediator, reverse("archive") + "?sort=age"),
        (lawyer, reverse("queue")),
        (lawyer, reverse("queue") + "?sort=age&step=advise_legal"),
        (lawyer, "/api/v1/tasks/?scope=queue&page_size=200"),
        (mediator, "/api/v1/tasks/?scope=inbox&sort=due&page_size=200&q=13812341234"),
        (mediator, "/api/v1/tasks/?scope=archive&page_size=200"),
    ]
    triaged = dispute_to(
        "triaged", people
    )  # its triage in the mediator's archive, its convening in his inbox
    dispatched = help_request_to("dispatched", people, specialties=["legal"])
    copies(triaged, 4)
    copies(dispatched, 4)
    assert worklist(user=people["mediator"], scope="inbox").count() == 5
    for client, url in urls:  # the first visit of a filtered list keeps the choice (a write): not counted
        client.get(url)
    at_5 = [queries(client, url) for client, url in urls]
    copies(triaged, 495)
    copies(dispatched, 495)
    assert worklist(user=people["mediator"], scope="inbox").count() == 500
    assert worklist(user=people["mediator"], scope="archive").count() == 500
    assert worklist(user=people["lawyer"], scope="queue").count() == 500
    at_500 = [queries(client, url) for client, url in urls]
    assert at_5 == at_500
    # every list measured was full: 50 rows a page, 200 an API page
    for client, url in urls:
        body = client.get(url).content.decode()
        shown = body.count('<tr class="priority-') if not url.startswith("/api/") else body.count('"party":')
        assert shown == (200 if url.startswith("/api/") else 50), url

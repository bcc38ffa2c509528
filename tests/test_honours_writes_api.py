"""考核表彰 written through the API (六个一 targets, the activity log, 五强 / 六好 sheets) with the pages' forms,
rules and services, and an activity corrected by who logged it while its year is open (page and API): as each
role, every refusal with nothing changed and every answer what the schema says."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Role
from honours.models import Activity, AssessmentSheet, HonourAction, HonourAuditEntry
from tests.factories import MediatorFactory
from tests.test_api_schema import Answers, api_client
from tests.test_honours import FIVE, TARGETS, YEAR, evidence, honours_state, page, png, stored, unit

__all__ = ["evidence"]  # the fixture, used by name

SHANGHAI = ZoneInfo("Asia/Shanghai")
TASKS = "/api/v1/honours/units/{unit_id}/targets/"
ACTIVITIES = "/api/v1/honours/units/{unit_id}/activities/"
ACTIVITY = "/api/v1/honours/activities/{activity_id}/"
SHEETS = "/api/v1/honours/units/{unit_id}/sheets/"
VISIT = {"task": "visit", "held_on": "2026-06-10", "place": "泰兴城区工业园区", "topic": "三师入园服务日"}
VISIT |= {"people_reached": 45}
ROWS = [
    {"criterion": "political", "score": 95, "note": "学习教育经常"},
    {"criterion": "development", "score": 90},
    {"criterion": "cohesion", "score": 80},
    {"criterion": "example", "score": 70},
    {"criterion": "influence", "score": 85},
]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(YEAR, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False)


def send(user, method: str, url: str, data) -> object:
    return getattr(api_client(user), method)(
        url, json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def audit_rows() -> list[tuple]:
    return list(HonourAuditEntry.objects.order_by("pk").values_list("actor__username", "action", "detail"))


# ---- 六个一 targets ------------------------------------------------------------------------------------------

TARGETS_BODY = {"year": YEAR, "visit": 1, "problems": 2, "proxy": 1, "knowledge": 2, "pioneers": 1}
# who sets the service team's targets: a supervisor above it (or an administrator); a member or a liaison
# officer who logs its activities sees it (403); anyone else does not (404)
TARGET_SETTERS = {
    "supervisor_taixing": 200,
    "supervisor": 200,
    "admin": 200,
    "liaison": 403,
    "lawyer": 403,
    "mediator": 404,
    "supervisor_hailing": 404,
    "mediator_chengxi": 404,
}


@pytest.mark.parametrize("role", TARGET_SETTERS)
def test_the_api_sets_a_teams_targets_as_the_page_does_as_each_role(client, people, role):
    answers = Answers(client)
    team = unit("三师服务分团")
    before = honours_state()

    response = send(people[role], "post", f"/api/v1/honours/units/{team.pk}/targets/", TARGETS_BODY)

    assert response.status_code == TARGET_SETTERS[role], response.content
    body = answers.check(response, TASKS, "post")
    if response.status_code != 200:
        assert honours_state() == before
        return
    assert (body["unit"]["name"], body["year"]) == ("三师服务分团", YEAR)
    assert [(row["task"], row["target"]) for row in body["tasks"]] == [
        ("visit", 1),
        ("problems", 2),
        ("proxy", 1),
        ("knowledge", 2),
        ("pioneers", 1),
        ("brands", None),
    ]
    assert audit_rows() == [
        (people[role].username, "targets_set", "visit=1, problems=2, proxy=1, knowledge=2, pioneers=1")
    ]


def test_bad_targets_are_refused_by_the_api_and_change_nothing(client, people):
    answers = Answers(client)
    team = unit("三师服务分团")
    taixing = people["supervisor_taixing"]
    page(taixing).post(f"/honours/tasks/{team.pk}/targets/?year={YEAR}", TARGETS)
    before = honours_state()
    url = f"/api/v1/honours/units/{team.pk}/targets/"
    for data, field in (
        ({**TARGETS_BODY, "visit": -1}, "visit"),
        ({**TARGETS_BODY, "visit": "一"}, "visit"),
        ({**TARGETS_BODY, "year": 2019}, "year"),
        ({**TARGETS_BODY, "year": "٢٠٢٦"}, "year"),
    ):
        refused = send(taixing, "post", url, data)
        assert refused.status_code == 400, data
        assert list(answers.check(refused, TASKS, "post")["error"]["fields"]) == [field]
    assert send(taixing, "post", url, [1, 2]).status_code == 400
    studio = unit("e呼百应工作室")  # no annual tasks
    assert (
        send(people["supervisor"], "post", f"/api/v1/honours/units/{studio.pk}/targets/", {}).status_code
        == 404
    )
    assert honours_state() == before


# ---- the activity log --------------------------------------------------------------------------------------

# who logs the team's activities: the district's liaison officers; a member sees it without logging (403)
LOGGERS = {
    "liaison": 201,
    "lawyer": 403,
    "supervisor_taixing": 403,
    "admin": 403,
    "mediator": 404,
    "supervisor_hailing": 404,
    "mediator_chengxi": 404,
}


@pytest.mark.parametrize("role", LOGGERS)
def test_the_api_logs_an_activity_as_each_role(client, people, role, evidence):
    answers = Answers(client)
    team = unit("三师服务分团")
    before = honours_state()

    response = send(people[role], "post", f"/api/v1/honours/units/{team.pk}/activities/", VISIT)

    assert response.status_code == LOGGERS[role], response.content
    body = answers.check(response, ACTIVITIES, "post")
    if response.status_code != 201:
        assert honours_state() == before
        return
    activity = Activity.objects.get()
    assert body == {
        "id": activity.pk,
        "unit": {"id": team.pk, "name": "三师服务分团"},
        "task": "visit",
        "held_on": "2026-06-10",
        "place": "泰兴城区工业园区",
        "topic": "三师入园服务日",
        "people_reached": 45,
        "logged_by": "liaison",
        "logged_at": activity.logged_at.isoformat(),
        "photos": [],
    }
    assert audit_rows() == [("liaison", "activity_logged", "visit · 三师入园服务日 · 0")]
    listed = answers.check(
        api_client(people["lawyer"]).get(f"/api/v1/honours/units/{team.pk}/activities/"), ACTIVITIES
    )
    assert [row["id"] for row in listed["results"]] == [activity.pk]
    assert (
        api_client(people["supervisor_hailing"])
        .get(f"/api/v1/honours/units/{team.pk}/activities/")
        .status_code
        == 404
    )


def test_the_api_logs_an_activity_with_its_photos_and_refuses_a_disguised_script_leaving_no_file(
    client, people, evidence
):
    team = unit("三师服务分团")
    url = f"/api/v1/honours/units/{team.pk}/activities/"
    before = honours_state()
    script = api_client(people["liaison"]).post(
        url,
        {**VISIT, "photos": [SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    future = send(people["liaison"], "post", url, {**VISIT, "held_on": "2026-06-16"})
    assert (script.status_code, future.status_code) == (400, 400)
    assert future.json()["error"]["fields"] == {
        "held_on": ["An activity is logged once it took place: the date may not be in the future."]
    }
    assert honours_state() == before and stored(evidence) == []

    logged = api_client(people["liaison"]).post(
        url, {**VISIT, "photos": [SimpleUploadedFile("现场.png", png(), "image/png")]}
    )

    assert logged.status_code == 201, logged.content
    photo = Activity.objects.get().photos.get()
    assert logged.json()["photos"] == [
        {"id": photo.pk, "name": "现场.png", "content_type": "image/png", "size": len(png())}
    ]
    assert len(stored(evidence)) == 1


# ---- correcting an activity --------------------------------------------------------------------------------

# who may correct the liaison officer's activity: only they (a second liaison officer of the district logs
# there too, yet did not log this one)
CORRECTORS = {
    "liaison": 200,
    "liaison_other": 403,
    "lawyer": 403,
    "supervisor_taixing": 403,
    "admin": 403,
    "mediator": 404,
    "supervisor_hailing": 404,
}


def logged(people) -> Activity:
    team = unit("三师服务分团")
    response = send(people["liaison"], "post", f"/api/v1/honours/units/{team.pk}/activities/", VISIT)
    assert response.status_code == 201
    return Activity.objects.get(pk=response.json()["id"])


def activity_row(activity: Activity) -> tuple:
    return Activity.objects.filter(pk=activity.pk).values_list(
        "task", "held_on", "place", "topic", "people_reached"
    )[0]


@pytest.mark.parametrize("role", CORRECTORS)
def test_the_api_corrects_an_activity_only_for_who_logged_it(client, people, role):
    answers = Answers(client)
    people["liaison_other"] = MediatorFactory(
        username="liaison_other", unit=people["liaison"].unit, roles=[Role.LIAISON]
    )
    activity = logged(people)
    before = honours_state(), activity_row(activity), audit_rows()
    correction = {**VISIT, "held_on": "2026-06-11", "topic": "三师入园服务日（第二场）", "people_reached": 52}

    response = send(people[role], "put", f"/api/v1/honours/activities/{activity.pk}/", correction)

    assert response.status_code == CORRECTORS[role], response.content
    body = answers.check(response, ACTIVITY, "put")
    if response.status_code != 200:
        assert (honours_state(), activity_row(activity), audit_rows()) == before
        if response.status_code == 403:
            assert body["error"]["message"] == "Only who logged an activity may correct it."
        return
    assert (body["held_on"], body["topic"], body["people_reached"]) == (
        "2026-06-11",
        "三师入园服务日（第二场）",
        52,
    )
    assert activity_row(activity) == (
        "visit",
        datetime(2026, 6, 11).date(),
        "泰兴城区工业园区",
        "三师入园服务日（第二场）",
        52,
    )
    assert audit_rows()[-1] == (
        "liaison",
        HonourAction.ACTIVITY_EDITED,
        "held_on: 2026-06-10 → 2026-06-11; topic: 三师入园服务日 → 三师入园服务日（第二场）; people_reached: 45 → 52",
    )
    # the same again changes nothing and records nothing
    assert (
        send(people[role], "put", f"/api/v1/honours/activities/{activity.pk}/", correction).status_code == 200
    )
    assert len(audit_rows()) == 2


def test_a_correction_is_refused_outside_its_year_and_once_the_year_has_ended(client, people, time_machine):
    answers = Answers(client)
    activity = logged(people)
    url = f"/api/v1/honours/activities/{activity.pk}/"
    before = activity_row(activity), audit_rows()
    for held_on, message in (
        ("2025-12-31", "A correction keeps the activity in its year (2026); log it again for another year."),
        ("2026-06-16", "An activity is logged once it took place: the date may not be in the future."),
    ):
        refused = send(people["liaison"], "put", url, {**VISIT, "held_on": held_on})
        assert refused.status_code == 400
        assert answers.check(refused, ACTIVITY, "put")["error"]["fields"] == {"held_on": [message]}
    assert send(people["liaison"], "put", url, {**VISIT, "people_reached": -1}).status_code == 400
    assert (
        send(people["liaison"], "put", url, {**VISIT, "task": "proxy"}).status_code == 400
    )  # not a logged task

    time_machine.move_to(datetime(YEAR + 1, 1, 1, 0, 5, tzinfo=SHANGHAI), tick=False)
    closed = send(people["liaison"], "put", url, {**VISIT, "people_reached": 50})

    assert closed.status_code == 409
    assert answers.check(closed, ACTIVITY, "put")["error"]["message"] == (
        "The activities of 2026 can no longer be corrected: the year has ended."
    )
    assert (activity_row(activity), audit_rows()) == before


def test_the_page_corrects_an_activity_for_who_logged_it_and_refuses_anyone_else(people):
    activity = logged(people)
    team = unit("三师服务分团")
    url = f"/honours/activities/{activity.pk}/"
    tasks_page = page(people["liaison"]).get(f"/honours/tasks/{team.pk}/?year={YEAR}")
    assert url in tasks_page.content.decode()
    assert url not in page(people["lawyer"]).get(f"/honours/tasks/{team.pk}/?year={YEAR}").content.decode()
    form = page(people["liaison"]).get(url)
    assert form.status_code == 200 and form.context["form"].initial["topic"] == "三师入园服务日"
    before = activity_row(activity), audit_rows()

    lawyer = page(people["lawyer"]).get(url)
    assert lawyer.status_code == 403 and lawyer.context["form"] is None
    assert page(people["lawyer"]).post(url, {**VISIT, "people_reached": "9"}).status_code == 403
    assert page(people["supervisor_hailing"]).get(url).status_code == 404
    future = page(people["liaison"]).post(url, {**VISIT, "held_on": "2026-06-20"})
    assert future.status_code == 400
    assert future.context["form"].errors == {
        "held_on": ["An activity is logged once it took place: the date may not be in the future."]
    }
    assert (activity_row(activity), audit_rows()) == before

    saved = page(people["liaison"]).post(url, {**VISIT, "place": "工作站会议室"})

    assert saved.status_code == 302 and saved["Location"] == f"/honours/tasks/{team.pk}/?year={YEAR}"
    assert activity_row(activity)[2] == "工作站会议室"
    assert audit_rows()[-1] == ("liaison", "activity_edited", "place: 泰兴城区工业园区 → 工作站会议室")


# ---- 五强 / 六好 sheets ------------------------------------------------------------------------------------

# who submits 祥泰社区's 五强 sheet: a supervisor above it or an administrator; its own members see it (403)
ASSESSORS = {
    "supervisor_taixing": 201,
    "supervisor": 201,
    "admin": 201,
    "mediator": 403,
    "supervisor_hailing": 404,
    "mediator_chengxi": 404,
    "liaison": 404,
    "lawyer": 404,
}


@pytest.mark.parametrize("role", ASSESSORS)
def test_the_api_submits_a_sheet_as_the_page_does_as_each_role(client, people, role):
    answers = Answers(client)
    xiangtai = unit("祥泰社区")
    before = honours_state()

    response = send(
        people[role],
        "post",
        f"/api/v1/honours/units/{xiangtai.pk}/sheets/",
        {"year": YEAR, "note": "组织健全", "rows": ROWS},
    )

    assert response.status_code == ASSESSORS[role], response.content
    body = answers.check(response, SHEETS, "post")
    if response.status_code != 201:
        assert honours_state() == before
        return
    sheet = AssessmentSheet.objects.get()
    assert (body["id"], body["total"], body["grade"], body["scheme"], body["note"]) == (
        sheet.pk,
        "85.25",
        "good",
        "five_strong",
        "组织健全",
    )
    assert [(row["criterion"], row["weight"], row["score"], row["note"]) for row in body["rows"]] == [
        ("political", 25, 95, "学习教育经常"),
        ("development", 20, 90, ""),
        ("cohesion", 20, 80, ""),
        ("example", 15, 70, ""),
        ("influence", 20, 85, ""),
    ]
    history = answers.check(
        api_client(people["mediator"]).get(f"/api/v1/honours/units/{xiangtai.pk}/sheets/"), SHEETS
    )
    assert [(row["id"], row["total"]) for row in history["results"]] == [(sheet.pk, "85.25")]
    assert (
        api_client(people["mediator_chengxi"]).get(f"/api/v1/honours/units/{xiangtai.pk}/sheets/").status_code
        == 404
    )


def test_bad_sheets_are_refused_by_the_api_and_change_nothing(client, people):
    answers = Answers(client)
    xiangtai = unit("祥泰社区")
    page(people["supervisor_taixing"]).post(f"/honours/assessments/{xiangtai.pk}/?year={YEAR}", FIVE)
    before = honours_state()
    url = f"/api/v1/honours/units/{xiangtai.pk}/sheets/"
    taixing = people["supervisor_taixing"]
    for rows, field in (
        (ROWS[:4], "score_influence"),  # a criterion missing
        ([*ROWS, ROWS[0]], "rows"),  # twice
        ([*ROWS[:4], {"criterion": "building", "score": 80}], "rows"),  # of 六好
        ([*ROWS[:4], {"criterion": "influence", "score": 101}], "score_influence"),
        ([*ROWS[:4], {"criterion": "influence"}], "score_influence"),  # no score
        ("all", "rows"),
    ):
        refused = send(taixing, "post", url, {"year": YEAR, "rows": rows})
        assert refused.status_code == 400, rows
        assert list(answers.check(refused, SHEETS, "post")["error"]["fields"]) == [field], rows
    old = send(taixing, "post", url, {"year": 2019, "rows": ROWS})
    assert old.status_code == 400
    team = unit("三师服务分团")  # a service team is not graded
    assert (
        send(
            people["supervisor"], "post", f"/api/v1/honours/units/{team.pk}/sheets/", {"rows": ROWS}
        ).status_code
        == 404
    )
    assert honours_state() == before

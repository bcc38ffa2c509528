"""Reports (考核表彰): the figures of real cases worked through the engine, per unit and period, the drill-down,
the people's ranking and the 红黑榜, kept up to date incrementally from the audit trail; who sees what, as a
matrix over the pages, the API and the exports; every refusal of bad input, with nothing written."""

import io
import json
from datetime import date, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from cases.models import Case, Unit, User
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to, work_open_task, work_to
from reports.figures import figures_rebuild, figures_refresh
from reports.models import CaseFigures, FiguresCursor, PersonDay, RankingWeights, UnitDay
from reports.periods import Period
from reports.selectors import report_scope, unit_figures

MARCH = "from=2026-03-01&to=2026-03-31"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


def api(user: User) -> Client:
    token = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="zh-hans")


def page(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


@pytest.fixture
def world(people, time_machine):
    """March 2026: in 泰兴市, a dispute closed at 祥泰社区 after a dissatisfied follow-up (reopened once), one
    still registered there, a help request closed at the station; in 海陵区, a dispute closed at 成蹊新联之家."""
    time_machine.move_to(at("2026-03-10T09:00:00"), tick=False)
    reopened = dispute_to("follow_up", people)
    work_open_task(reopened, people, answer="dissatisfied", note="不满意")
    work_open_task(reopened, people, scheduled_at=at("2026-03-11T10:00:00"), place="议事厅")
    work_to(reopened, "closed", people)
    dispute_to("registered", people, category="neighbour")
    help_request_to("closed", people)
    dispute_to("closed", people, actor=people["mediator_chengxi"], category="labour")
    return people


def test_the_city_report_counts_every_case_once_and_drills_down(world):
    body = api(world["admin"]).get(f"/api/v1/reports/units/?{MARCH}").json()
    assert body["unit"]["name"] == "泰州市"
    assert (body["period_from"], body["period_to"]) == ("2026-03-01", "2026-03-31")
    total = body["total"]
    assert {
        k: total[k] for k in ("received", "closed", "resolution_rate", "on_time_rate", "satisfaction")
    } == {
        "received": 4,
        "closed": 3,
        "resolution_rate": 75.0,
        "on_time_rate": 100.0,
        "satisfaction": 5.0,
    }
    assert (
        total["satisfaction_rate"],
        total["bounce_rate"],
        total["reopen_rate"],
        total["extension_rate"],
    ) == (
        100.0,
        0.0,
        33.3,
        0.0,
    )
    assert (total["orders"], total["duplicates"]) == (0, 0)
    rows = {
        row["unit"]["name"]: (row["received"], row["closed"], row["has_children"]) for row in body["results"]
    }
    assert rows == {"泰兴市": (3, 2, True), "海陵区": (1, 1, True)}
    taixing = unit("泰兴市").pk
    below = api(world["admin"]).get(f"/api/v1/reports/units/?{MARCH}&unit={taixing}").json()["results"]
    assert sorted((row["unit"]["name"], row["received"], row["closed"]) for row in below) == [
        ("三师服务分团", 0, 0),
        ("泰兴城区工业园区", 1, 1),
        ("济川街道", 2, 1),
    ]


def test_the_figures_follow_the_writes_incrementally_and_count_each_case_once(world):
    figures_refresh()
    before = list(UnitDay.objects.order_by("pk").values())
    figures_refresh()  # nothing new (or, on PostgreSQL, the test's own open transaction read again)
    assert list(UnitDay.objects.order_by("pk").values()) == before
    open_case = CaseFigures.objects.filter(closed_on=None).get()
    work_to(open_case.case, "closed", world)
    assert figures_refresh() >= 1
    report = unit_figures(
        scope=report_scope(world["admin"]),
        unit=unit("泰州市"),
        period=Period(date(2026, 3, 1), date(2026, 3, 31)),
    )
    assert (report.total.received, report.total.closed) == (4, 4)
    # Starting over gives the same counters.
    snapshot = sorted(
        (r["unit_id"], r["day"], r["kind"], r["category"], r["received"], r["closed"])
        for r in UnitDay.objects.values()
        if r["received"] or r["closed"]
    )
    figures_rebuild()
    assert (
        sorted(
            (r["unit_id"], r["day"], r["kind"], r["category"], r["received"], r["closed"])
            for r in UnitDay.objects.values()
            if r["received"] or r["closed"]
        )
        == snapshot
    )
    assert FiguresCursor.objects.count() == 1


def test_a_report_reads_a_fixed_number_of_queries(world):
    client = api(world["admin"])
    client.get(f"/api/v1/reports/units/?{MARCH}")
    with CaptureQueriesContext(connection) as first:
        client.get(f"/api/v1/reports/units/?{MARCH}")
    dispute_to("closed", world)
    dispute_to("closed", world, category="neighbour")
    client.get(f"/api/v1/reports/units/?{MARCH}")  # the refresh of the new cases
    with CaptureQueriesContext(connection) as second:
        client.get(f"/api/v1/reports/units/?{MARCH}")
    assert len(first) == len(second)


# ---- scope -------------------------------------------------------------------------------------------------

# Per role: (units in the rows of the default report, names in the people's ranking, status of the report
# of 泰兴市, of 海陵区).
SCOPE = {
    "admin": ({"泰兴市", "海陵区"}, None, 200, 200),
    "supervisor": ({"泰兴市", "海陵区"}, None, 200, 200),
    "supervisor_taixing": ({"济川街道", "泰兴城区工业园区", "三师服务分团"}, None, 200, 404),
    "supervisor_hailing": ({"城西街道", "海陵区政法综合服务中心"}, None, 404, 200),
    "mediator": (set(), {"mediator"}, 404, 404),
    "liaison": (set(), {"liaison"}, 404, 404),
    "lawyer": (set(), {"lawyer"}, 404, 404),
    "mediator_chengxi": (set(), {"mediator_chengxi"}, 404, 404),
}


@pytest.mark.parametrize("role", SCOPE)
def test_the_scope_matrix_over_pages_api_and_exports(world, role):
    rows, people, taixing_status, hailing_status = SCOPE[role]
    user = world[role]
    body = api(user).get(f"/api/v1/reports/units/?{MARCH}").json()
    assert {row["unit"]["name"] for row in body["results"]} == rows
    names = {row["name"] for row in api(user).get(f"/api/v1/reports/people/?{MARCH}").json()["results"]}
    if people is not None:
        assert names <= {str(world[name]) for name in people}
    taixing, hailing = unit("泰兴市").pk, unit("海陵区").pk
    for unit_id, status in ((taixing, taixing_status), (hailing, hailing_status)):
        assert api(user).get(f"/api/v1/reports/units/?{MARCH}&unit={unit_id}").status_code == status
        assert api(user).get(f"/api/v1/reports/people/?{MARCH}&unit={unit_id}").status_code == status
        assert page(user).get(f"/reports/?{MARCH}&unit={unit_id}").status_code == status
        assert page(user).get(f"/reports/people/?{MARCH}&unit={unit_id}").status_code == status
        assert page(user).get(f"/reports/?{MARCH}&unit={unit_id}&format=xlsx").status_code == status
    # No page, chart, export or answer of the hailing supervisor names a 泰兴市 unit, nor its people.
    if role == "supervisor_hailing":
        taixing_names = set(
            Unit.objects.filter(path__startswith=unit("泰兴市").path).values_list("name", flat=True)
        )
        taixing_people = {str(world[name]) for name in ("mediator", "mediator2", "liaison", "lawyer")}
        html = page(user).get(f"/reports/?{MARCH}").content.decode()
        people_html = page(user).get(f"/reports/people/?{MARCH}").content.decode()
        sheets = b"".join(
            part
            for url in (f"/reports/?{MARCH}&format=xlsx", f"/reports/people/?{MARCH}&format=xlsx")
            for part in page(user).get(url).streaming_content
        )
        api_text = json.dumps(api(user).get(f"/api/v1/reports/units/?{MARCH}").json(), ensure_ascii=False)
        for text in (html, people_html, api_text):
            assert not any(name in text for name in taixing_names | taixing_people)
        assert sheets  # the workbooks' strings are checked in test_the_exports_show_the_page_tables


def test_a_mediator_sees_their_unit_totals_and_their_own_row(world):
    body = api(world["mediator"]).get(f"/api/v1/reports/units/?{MARCH}").json()
    assert body["unit"]["name"] == "祥泰社区"
    assert (body["total"]["received"], body["total"]["closed"], body["results"]) == (2, 1, [])
    people = api(world["mediator"]).get(f"/api/v1/reports/people/?{MARCH}").json()["results"]
    assert [(row["name"], row["rank"]) for row in people] == [(str(world["mediator"]), 1)]


def test_the_people_ranking_by_points_then_steps(world):
    rows = api(world["supervisor_taixing"]).get(f"/api/v1/reports/people/?{MARCH}").json()["results"]
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    assert [row["points"] for row in rows] == sorted((row["points"] for row in rows), reverse=True)
    assert {row["name"] for row in rows} <= {
        str(p) for p in world.values() if p.unit and p.unit.path.startswith(unit("泰兴市").path)
    }
    mediators = (
        api(world["supervisor_taixing"])
        .get(f"/api/v1/reports/people/?{MARCH}&role=mediator")
        .json()["results"]
    )
    assert {row["name"] for row in mediators} <= {str(world["mediator"]), str(world["mediator2"])}
    totals = PersonDay.objects.filter(person=world["mediator"]).values_list("steps", "points")
    assert sum(steps for steps, _p in totals) == next(
        row["steps"] for row in mediators if row["name"] == str(world["mediator"])
    )


def test_the_red_and_black_lists_follow_the_weights(world):
    html = page(world["admin"]).get(f"/reports/?{MARCH}").content.decode()
    assert "红榜" in html and "黑榜" in html
    RankingWeights.objects.create(on_time=0, satisfaction=0, bounce=0, reopen=100, minimum_cases=1)
    from reports.selectors import red_black_list

    lists = red_black_list(
        scope=report_scope(world["admin"]),
        unit=unit("泰州市"),
        period=Period(date(2026, 3, 1), date(2026, 3, 31)),
    )
    assert [each.name for each in lists.black][:1] == ["祥泰社区"]  # its one closed case was reopened
    assert lists.black[0].score == -100.0
    assert {each.name for each in lists.red} & {each.name for each in lists.black} == set()


# ---- exports ----------------------------------------------------------------------------------------------


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)


def test_the_exports_show_the_page_tables(world):
    response = page(world["supervisor_hailing"]).get(f"/reports/?{MARCH}&format=xlsx")
    assert response["Content-Type"] == XLSX
    book = _workbook(response)
    by_unit = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert by_unit[0][:3] == ["单位", "受理", "办结"]
    assert [row[0] for row in by_unit[1:]] == ["城西街道", "海陵区政法综合服务中心", "合计"]
    assert by_unit[1][1:3] == [1, 1]
    texts = {
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    }
    assert not texts & {"泰兴市", "祥泰社区", "济川街道"}
    api_book = _workbook(api(world["admin"]).get(f"/api/v1/reports/units/?{MARCH}&format=xlsx"))
    assert [row[0] for row in api_book.worksheets[0].iter_rows(values_only=True)][1:] == [
        "泰兴市",
        "海陵区",
        "合计",
    ]
    people_book = _workbook(api(world["admin"]).get(f"/api/v1/reports/people/?{MARCH}&format=xlsx"))
    assert next(people_book.worksheets[0].iter_rows(values_only=True))[:3] == ("名次", "人员", "单位")


def test_the_monthly_pdf_has_the_report_in_chinese(world):
    response = page(world["supervisor_taixing"]).get("/reports/pdf/?month=2026-03")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        page(world["supervisor_taixing"])
        .get(f"/reports/pdf/?month=2026-03&unit={unit('海陵区').pk}")
        .status_code
        == 404
    )


# ---- refusals ---------------------------------------------------------------------------------------------

REFUSALS = [
    ("from=2026-03-31&to=2026-03-01", 400, "统计期间的结束日期早于开始日期。"),
    ("from=2026-03-01", 400, "统计期间需要起止两个日期：from 和 to（YYYY-MM-DD）。"),
    ("", 400, "请给出统计期间：from 和 to（YYYY-MM-DD）。"),
    ("from=2020-01-01&to=2025-01-01", 400, "统计期间最长五年。"),
    ("from=2026-13-01&to=2026-03-01", 400, "2026-13-01 不是日期，请写成 YYYY-MM-DD。"),
    (f"{MARCH}&unit=999999", 404, "您的报表中没有这个单位。"),
    (f"{MARCH}&unit=abc", 404, "您的报表中没有这个单位。"),
    (f"{MARCH}&unit=%D9%A1", 404, "您的报表中没有这个单位。"),  # an Arabic-Indic 1: not an id of ours
    (f"{MARCH}&unit=1%00", 404, "您的报表中没有这个单位。"),
    ("from=2026-03-01%00&to=2026-03-31", 400, "2026-03-01 不是日期，请写成 YYYY-MM-DD。"),
    (f"{MARCH}&role=chef", 400, "未知的角色：chef。"),
]


@pytest.mark.parametrize(("query", "status", "message"), REFUSALS)
def test_bad_input_is_refused_with_a_message_and_nothing_written(world, query, status, message):
    figures_refresh()
    before = (UnitDay.objects.count(), PersonDay.objects.count(), list(FiguresCursor.objects.values()))
    url = "/api/v1/reports/people/" if "role" in query else "/api/v1/reports/units/"
    for suffix in ("", "&format=xlsx"):
        response = api(world["supervisor_taixing"]).get(f"{url}?{query}{suffix}")
        assert response.status_code == status
        assert response.json()["error"]["message"] == message
    assert (
        UnitDay.objects.count(),
        PersonDay.objects.count(),
        list(FiguresCursor.objects.values()),
    ) == before


def test_a_unit_outside_the_subtree_is_a_404_with_the_same_message_as_an_unknown_one(world):
    hailing = unit("海陵区").pk
    response = api(world["supervisor_taixing"]).get(f"/api/v1/reports/units/?{MARCH}&unit={hailing}")
    assert (response.status_code, response.json()["error"]["message"]) == (404, "您的报表中没有这个单位。")


def test_the_page_refuses_a_bad_period_with_a_400_and_shows_this_month(world):
    response = page(world["supervisor_taixing"]).get("/reports/?from=2026-03-31&to=2026-03-01")
    assert response.status_code == 400
    assert "统计期间的结束日期早于开始日期。" in response.content.decode()


def test_the_report_page_carries_its_chart_data_and_tables(world):
    html = page(world["admin"]).get(f"/reports/?{MARCH}").content.decode()
    assert 'id="report-charts" type="application/json"' in html
    assert 'data-chart="units"' in html and 'data-chart="trend"' in html and 'data-chart="categories"' in html
    assert "vendor/echarts/echarts.common.min.js" in html and "<script>" not in html
    assert f"?unit={unit('泰兴市').pk}&amp;{MARCH.replace('&', '&amp;')}" in html


def test_the_case_list_exports_every_page_under_its_filters_as_the_list_shows_it(world):
    response = page(world["supervisor_taixing"]).get("/cases/?kind=dispute&format=xlsx")
    assert response["Content-Type"] == XLSX
    rows = list(_workbook(response).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("案件编号", "类型", "状态", "所属单位", "优先级", "登记时间", "办理期限", "灯色")
    references = sorted(row[0] for row in rows[1:])
    expected = sorted(
        Case.objects.filter(kind="dispute", unit__path__startswith=unit("泰兴市").path).values_list(
            "reference", flat=True
        )
    )
    assert references == expected and len(expected) == 2
    assert {row[3] for row in rows[1:]} == {"祥泰社区"}
    text = " ".join(str(cell) for row in rows for cell in row)
    assert "13812341234" not in text and "138" not in text
    hailing = list(
        _workbook(page(world["supervisor_hailing"]).get("/cases/?format=xlsx"))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert {row[3] for row in hailing[1:]} == {"成蹊新联之家"}


@pytest.mark.parametrize("username", ["admin", "supervisor_taixing", "mediator", "lawyer"])
def test_the_report_pages_show_no_english_in_zh_hans(world, username):
    from tests.test_pages_language import english_words

    for url in (f"/reports/?{MARCH}", f"/reports/people/?{MARCH}"):
        response = page(world[username]).get(url)
        assert response.status_code == 200
        assert english_words(response.content.decode()) == set(), url


def test_the_monthly_pdf_refuses_a_month_that_is_not_one(world):
    response = page(world["supervisor_taixing"]).get("/reports/pdf/?month=2026-13")
    assert response.status_code == 400
    assert "2026-13 不是月份，请写成 YYYY-MM。" in response.content.decode()


def test_a_repeat_registered_at_intake_counts_as_a_duplicate_of_its_unit(world):
    earlier = Case.objects.get(state="registered")
    answer = api(world["mediator"]).post(
        "/api/v1/disputes/",
        json.dumps(
            {
                "category": "neighbour",
                "description": "噪音",
                "channel": "visit",
                "applicant_name": "张三",
                "applicant_phone": "13812341234",
                "duplicate_of": earlier.reference,
            }
        ),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    xiangtai = unit("祥泰社区").pk
    body = api(world["admin"]).get(f"/api/v1/reports/units/?{MARCH}&unit={xiangtai}").json()
    assert (body["total"]["received"], body["total"]["duplicates"]) == (3, 1)

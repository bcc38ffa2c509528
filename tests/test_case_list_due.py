"""The case list by due moment (page and API): filter by light (green, yellow, red, paused, or no deadline) as the
cases' ``sla`` lights them now, and sort by the due moment, the soonest first and the cases without one last, a
keyset page at a time (every case once, ties by id, the filters kept in ``next``), by the ``case_due_first``
index on PostgreSQL. A light or an order that is not listed is a 400 in the user's language that changes nothing.
Time is frozen with time-machine."""

from datetime import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from cases import deadlines
from cases.models import Case, Light, Unit
from cases.models.case import due_order
from cases.selectors import case_cursor
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import case_snapshot, open_task, visible_text
from workflow import services
from workflow.selectors import case_list_for_user


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


@pytest.fixture
def frozen(time_machine):
    def move(text: str) -> None:
        time_machine.move_to(at(text), tick=False)

    return move


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client


@pytest.fixture
def world(people, frozen):
    """Monday 2 November 2026. Each dispute is to be triaged within a working day, the help request's advice
    claimed within a working day of its dispatch; the paused dispute's case is due by its own month."""
    frozen("2026-11-02 09:00")
    first = dispute_to("registered", people)  # due Tuesday 09:00, yellow Monday 16:07:30
    help_request = help_request_to("dispatched", people, specialties=["tax"])  # due Tuesday 09:00 too
    frozen("2026-11-02 10:00")
    later = dispute_to("registered", people)  # due Tuesday 10:00, yellow Monday 17:07:30
    frozen("2026-11-02 11:00")
    paused = dispute_to("registered", people)
    triage = open_task(paused, "triage")
    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待被申请人到场", days=5)
    closed = dispute_to("closed", people)
    return {"first": first, "help": help_request, "later": later, "paused": paused, "closed": closed}


def references(world, *names) -> list[str]:
    return [world[name].reference for name in names]


def listed(client, user, **query) -> list[str]:
    body = api(client, user).get("/api/v1/cases/", query).json()
    return [row["reference"] for row in body["results"]]


def test_the_api_filters_by_each_light_as_the_sla_gives_it_now(client, people, world, frozen):
    supervisor = people["supervisor"]
    frozen("2026-11-02 16:30")
    assert listed(client, supervisor, light="yellow", sort="due") == references(world, "first", "help")
    assert listed(client, supervisor, light="green") == references(world, "later")
    assert listed(client, supervisor, light="paused") == references(world, "paused")
    assert listed(client, supervisor, light="red") == []
    assert listed(client, supervisor, light="none") == references(world, "closed")

    frozen("2026-11-03 09:30")
    red = api(client, supervisor).get("/api/v1/cases/", {"light": "red", "sort": "due"}).json()["results"]
    assert [(row["reference"], row["sla"]["light"]) for row in red] == [
        (world["first"].reference, "red"),
        (world["help"].reference, "red"),
    ]
    assert listed(client, supervisor, light="yellow") == references(world, "later")
    assert listed(client, supervisor, light="green") == []
    # the filters combine
    assert listed(client, supervisor, light="red", kind="help_request") == references(world, "help")


def test_the_light_filter_agrees_with_the_sla_of_every_case_at_every_moment(people, world, frozen):
    cases = list(Case.objects.all())
    for moment in ("2026-11-02 11:00", "2026-11-02 16:07:30", "2026-11-02 17:07:30", "2026-11-03 09:00"):
        frozen(moment)
        now = timezone.now()
        for case in cases:
            sla = deadlines.case_sla(case, now)
            expected = deadlines.NO_DEADLINE_LIGHT if sla.due_at is None and not sla.paused else sla.light
            matching = [
                name
                for name in [*Light.values, deadlines.NO_DEADLINE_LIGHT]
                if Case.objects.filter(deadlines.light_q(name, at=now), pk=case.pk).exists()
            ]
            assert matching == [expected], (moment, case.reference)


def test_due_first_pages_through_every_case_once_soonest_first_ties_by_id_and_no_deadline_last(
    client, people, world, frozen
):
    frozen("2026-11-02 16:30")
    client = api(client, people["supervisor"])
    expected = references(world, "first", "help", "later", "paused", "closed")
    assert world["first"].due_at == world["help"].due_at  # a tie, broken by the id

    seen, url, pages = [], "/api/v1/cases/?sort=due&page_size=2", 0
    while url:
        body = client.get(url).json()
        seen += [row["reference"] for row in body["results"]]
        pages += 1
        url = body["next"]
        assert url is None or "sort=due" in url
    assert (seen, pages) == (expected, 3)

    # a cursor in the middle of the cases without a deadline, too
    more = [dispute_to("closed", people) for _ in range(3)]
    body = client.get("/api/v1/cases/?sort=due&page_size=6").json()
    assert [row["reference"] for row in body["results"]] == [*expected, more[0].reference]
    assert f"after={case_cursor(more[0], 'due')}" in body["next"]
    rest = client.get(body["next"]).json()
    assert [row["reference"] for row in rest["results"]] == [case.reference for case in more[1:]]
    assert rest["next"] is None


def test_the_next_link_keeps_the_light_and_the_order(client, people, world, frozen):
    frozen("2026-11-03 09:30")
    body = api(client, people["supervisor"]).get("/api/v1/cases/?light=red&sort=due&page_size=1").json()
    assert [row["reference"] for row in body["results"]] == references(world, "first")
    assert "light=red" in body["next"] and "sort=due" in body["next"]
    last = client.get(body["next"]).json()
    assert ([row["reference"] for row in last["results"]], last["next"]) == (references(world, "help"), None)


def test_the_page_filters_by_light_and_sorts_by_due_with_the_light_shown(client, people, world, frozen):
    frozen("2026-11-03 09:30")
    client.force_login(people["mediator"])
    page = client.get(reverse("cases"), {"sort": "due"}).content.decode()
    shown = [reference for reference in references(world, "first", "help", "later", "paused", "closed")]
    mediator_sees = [ref for ref in shown if ref in page]  # the help request is the park's, not hers
    assert mediator_sees == references(world, "first", "later", "paused", "closed")
    assert sorted(mediator_sees, key=page.index) == mediator_sees
    assert 'class="light light-red" role="img" title="已超期"' in page
    assert '<option value="due" selected>' in page

    red = client.get(reverse("cases"), {"light": "red"}).content.decode()
    assert [ref for ref in shown if ref in red] == references(world, "first")
    assert '<option value="red" selected>' in red
    none = client.get(reverse("cases"), {"light": "none"}).content.decode()
    assert [ref for ref in shown if ref in none] == references(world, "closed")


def test_the_page_links_the_next_page_of_a_due_first_list(client, people, frozen):
    frozen("2026-11-02 09:00")
    cases = [dispute_to("registered", people) for _ in range(51)]
    client.force_login(people["mediator"])
    first = client.get(reverse("cases"), {"sort": "due", "light": "green"}).content.decode()
    assert first.count('<tr class="priority-') == 50
    next_href = f"?sort=due&amp;light=green&amp;after={case_cursor(cases[49], 'due')}"
    assert next_href in first
    second = client.get(
        reverse("cases"), {"sort": "due", "light": "green", "after": case_cursor(cases[49], "due")}
    )
    assert second.content.decode().count('<tr class="priority-') == 1
    assert cases[50].reference in second.content.decode()


# ---- refusals -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"light": "purple"}, "light", "请选择 green、yellow、red、paused 或 none（无时限）。"),
        ({"light": "RED"}, "light", "请选择 green、yellow、red、paused 或 none（无时限）。"),
        ({"sort": "oldest"}, "sort", "请选择 newest（最新在前，默认）或 due（最先到期在前）。"),
        ({"sort": "due", "after": "soon"}, "after", "分页链接无效，请从第一页重新开始。"),
    ],
)
def test_a_bad_light_or_order_is_a_400_in_the_users_language_that_changes_nothing(
    client, people, world, query, field, message
):
    before = {case.pk: case_snapshot(case) for case in Case.objects.all()}
    response = api(client, people["supervisor"]).get("/api/v1/cases/", query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", [field])
    assert message in error["message"]
    assert "purple" not in response.content.decode() and "oldest" not in response.content.decode()
    english = client.get("/api/v1/cases/", query, HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    assert english != error["message"] and not any("\u4e00" <= char <= "\u9fff" for char in english)

    client.defaults.pop("HTTP_AUTHORIZATION")  # the page: the same refusal, as a message, and no rows
    client.force_login(people["supervisor"])
    page = client.get(reverse("cases"), query)
    assert page.status_code == 400
    assert message in visible_text(page.content.decode())
    assert world["first"].reference not in page.content.decode()
    assert {case.pk: case_snapshot(case) for case in Case.objects.all()} == before


# ---- cost -------------------------------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_deep_due_first_page_costs_the_queries_of_the_first(client, people, frozen):
    frozen("2026-11-02 09:00")
    client = api(client, people["supervisor"])

    def costs():
        cases = list(case_list_for_user(user=people["supervisor"], order="due"))
        deep = case_cursor(cases[len(cases) // 2], "due")
        return queries(client, "/api/v1/cases/?sort=due&page_size=2"), queries(
            client, f"/api/v1/cases/?sort=due&light=green&page_size=2&after={deep}"
        )

    for _ in range(6):
        dispute_to("registered", people)
    small = costs()
    for _ in range(20):
        dispute_to("registered", people)
        dispute_to("closed", people)
    assert costs() == small
    assert small[0] == small[1]


def plan_of(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_due_first_reads_the_case_due_first_index_from_the_cursor_on_postgresql(
    postgres_only, people, frozen
):
    frozen("2026-11-02 09:00")
    for _ in range(3):
        dispute_to("registered", people)
        dispute_to("closed", people)
    # as the administrator reads it (the whole tree): on a test's few rows the planner would start a
    # supervisor's list from their units; at scale it walks this index and filters (``BENCHMARKS.md``)
    cases = case_list_for_user(user=people["admin"], order="due")
    middle = list(cases)[2]
    moment = middle.due_at
    due = due_order()
    deep = cases.filter(GreaterThanOrEqual(due, moment)).filter(
        Q(GreaterThan(due, moment)) | Q(pk__gt=middle.pk)
    )
    assert "case_due_first" in plan_of(cases.all()[:51])
    plan = plan_of(deep[:51])  # a deep page starts at the cursor: the index's own condition
    assert "case_due_first" in plan and "Index Cond: (COALESCE(due_at," in plan, plan


def test_the_boards_lights_read_the_case_lit_index_on_postgresql(postgres_only, people, frozen):
    from cases.selectors.board import board_lights

    frozen("2026-11-02 09:00")
    dispute_to("registered", people)
    frozen("2026-11-03 09:00")
    root = people["supervisor"].unit
    units = list(Unit.objects.filter(path__startswith=root.path))
    with CaptureQueriesContext(connection) as captured:
        board_lights(units=units, root=root)
    # two queries: the kept day counts (``BoardDue``), then today's cases one by one, read by their indexes
    kept, today = captured.captured_queries
    assert '"cases_boarddue"' in kept["sql"] and '"cases_case"' in today["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + today["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_lit" in plan or "case_due" in plan, plan


def test_a_refused_query_is_in_english_for_an_english_reader(client, people):
    with translation.override("en"):
        response = api(client, people["supervisor"]).get(
            "/api/v1/cases/", {"light": "purple"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.json()["error"]["message"] == ("Choose green, yellow, red, paused or none (no deadline).")


# ---- everywhere people look ---------------------------------------------------------------------------------


def test_the_inbox_queue_case_page_and_task_page_show_the_light_and_the_due_moment(
    client, people, world, frozen
):
    frozen("2026-11-03 09:30")
    red = 'class="light light-red" role="img" title="已超期"'
    triage = open_task(world["first"], "triage")
    advice = open_task(world["help"], "advise_tax")
    pages = {
        "inbox": ("mediator", reverse("inbox")),
        "queue": ("tax_advisor", reverse("queue")),
        "case page": ("mediator", reverse("case", args=[world["first"].reference])),
        "task page": ("mediator", reverse("task", args=[triage.pk])),
        "queued task page": ("tax_advisor", reverse("task", args=[advice.pk])),
        "case list": ("mediator", reverse("cases")),
    }
    for name, (who, url) in pages.items():
        client.force_login(people[who])
        page = client.get(url).content.decode()
        assert red in page and "2026-11-03 09:00" in page, name
    # the paused case's page names its light too, with the case's own due moment
    client.force_login(people["mediator"])
    paused = client.get(reverse("case", args=[world["paused"].reference])).content.decode()
    assert 'class="light light-paused" role="img" title="已暂停"' in paused and "2026-12-02 11:00" in paused

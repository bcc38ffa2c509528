"""The worklists by keyset (``workflow.selectors.worklist_page``) over the task's ``TaskOrder``, kept by the
database's triggers; a professional's case list from who takes part and their queue
(``cases.selectors.took_part_page``). Each is checked against the plain form it replaces: the order rows
against a fresh read of the tasks, their cases and clocks; the pages, walked by their cursors, against the whole
list in one query; the professional's pages against ``case_list_for_user``."""

import re

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from cases import rules
from cases.models import Case, CaseKind, Clock, WorklistOrder
from cases.models.case import NO_DEADLINE
from cases.rules import Audience
from cases.selectors import case_list_for_user
from demo.lifecycles import dispute_to, help_request_to, work_to
from workflow import selectors, services
from workflow.flows import HelpRequestFlow
from workflow.models import TaskOrder

pytestmark = pytest.mark.django_db


def order_rows() -> set[tuple]:
    """The kept rows, as tuples."""
    return set(
        TaskOrder.objects.values_list(
            "task_id", "case_id", "unit_id", "kind", "flow_task", "status", "owner_id", "priority", "due",
            "created", "finished", "case_created",
        )
    )  # fmt: skip


def fresh_rows() -> set[tuple]:
    """The same, read afresh from viewflow's human tasks, their cases and their clocks."""
    due = Subquery(Clock.objects.filter(task_id=OuterRef("pk")).values("due_at")[:1])
    case = "process__caseprocess__case__"
    rows = Task.objects.filter(flow_task_type="HUMAN").annotate(clock_due=due)
    return {
        (
            task_id, case_id, unit_id, kind, get_task_ref(flow_task), status, owner_id, priority, clock_due or NO_DEADLINE,
            created, finished, case_created,
        )
        for task_id, case_id, unit_id, kind, flow_task, status, owner_id, priority, clock_due, created, finished,
        case_created in rows.values_list(
            "pk", case + "id", case + "unit_id", case + "kind", "flow_task", "status", "owner_id", case + "priority",
            "clock_due", "created", "finished", case + "created_at",
        )
    }  # fmt: skip


@pytest.fixture
def worked(people):
    """Cases in many states, an escalation, a release, a pause and a priority changed."""
    for state in ("registered", "triaged", "consulting", "closed"):
        dispute_to(state, people)
    for state, specialties in (("dispatched", ["legal", "tax"]), ("claimed", ["legal"]), ("closed", ["tax"])):
        help_request_to(state, people, specialties=specialties)
    for _ in range(3):
        help_request_to("dispatched", people, specialties=["legal"])
    escalated = dispute_to("registered", people)
    services.case_side_exit(
        reference=escalated.reference, user=people["mediator"], action="escalate", reason="跨"
    )
    work_to(escalated, "triaged", people)
    Case.objects.filter(pk=escalated.pk).update(priority=3)  # a write the trigger follows
    return people


def test_the_kept_order_rows_are_the_tasks_cases_and_clocks_as_they_are(worked):
    assert order_rows() == fresh_rows()
    assert TaskOrder.objects.count() == Task.objects.filter(flow_task_type="HUMAN").count() > 20


@pytest.mark.parametrize(
    ("who", "scope", "sort"),
    [
        ("lawyer", "queue", ""),
        ("lawyer", "queue", WorklistOrder.DUE),
        ("lawyer", "queue", WorklistOrder.AGE),
        ("mediator", "inbox", ""),
        ("mediator", "inbox", WorklistOrder.AGE),
        ("mediator", "archive", ""),
        ("liaison", "archive", WorklistOrder.PRIORITY),
    ],
)
def test_keyset_pages_walk_the_whole_list_in_its_order(worked, who, scope, sort):
    user = worked[who]
    whole = [task.pk for task in selectors.worklist(user=user, scope=scope, sort=sort)]
    walked, after = [], ""
    while True:
        page = selectors.worklist_page(user=user, scope=scope, sort=sort, after=after, size=2)
        walked += [row.id for row in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert walked == whole and len(whole) >= 3


def test_the_menu_counts_stop_at_the_cap(worked, monkeypatch):
    lawyer = worked["lawyer"]
    assert selectors.worklist_counts(user=lawyer)["queue"] == 4
    monkeypatch.setattr(selectors, "WORKLIST_COUNT_CAP", 3)
    assert selectors.worklist_counts(user=lawyer) == {"inbox": 1, "queue": 3, "archive": 0}


def test_a_professionals_case_pages_are_the_cases_they_see_newest_first(worked):
    lawyer = worked["lawyer"]
    whole = [case.pk for case in case_list_for_user(user=lawyer, reach=selectors.queue_reach_q(lawyer))]
    walked, after = [], ""
    while True:
        page = selectors.case_page_for_user(user=lawyer, after=after, size=2)
        walked += [case.pk for case in page.cases]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert walked == whole and len(whole) == 5
    filtered = selectors.case_page_for_user(user=lawyer, state="claimed")
    assert [case.state for case in filtered.cases] == ["claimed"]


def test_the_api_follows_cursors_and_refuses_page_numbers(worked, client):
    lawyer = worked["lawyer"]
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=lawyer)[0].key}"}
    first = client.get("/api/v1/tasks/?scope=queue&page_size=3&page=1", **headers).json()
    assert sorted(first) == ["next", "results"] and len(first["results"]) == 3
    assert "after=" in first["next"] and "page=" not in first["next"]
    second = client.get(first["next"], **headers).json()
    assert second["next"] is None and len(second["results"]) == 1
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert seen == [task.pk for task in selectors.task_queue(user=lawyer)]
    refused = client.get("/api/v1/tasks/?scope=queue&page=2", **headers)
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["page"]
    for after in ("12-x", "3-1-1-1", f"3-{'9' * 18}-1", "9-9"):
        bad = client.get(f"/api/v1/tasks/?scope=queue&after={after}", **headers)
        assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["after"]


def explained(sql: str) -> str:
    """The plan of a statement as at scale, where a page is a sliver of the queue: on the test's few rows any
    plan costs the same, so sequential scans and sorts are off, and a sort that remains is one no index
    avoids (at 100k cases the planner takes these plans by itself: ``BENCHMARKS.md``)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def sorts(plan: str) -> bool:
    """A sort node in the plan (a merge's "Sort Key" is none)."""
    return re.search(r"\bSort  \(cost", plan) is not None


def test_a_queue_is_read_a_page_per_step_from_its_index_on_postgresql(postgres_only, worked):
    lawyer, mediator = worked["lawyer"], worked["mediator"]
    legal = get_task_ref(HelpRequestFlow.advise_legal)
    assert rules.may_take_units(
        audience=Audience.PROFESSIONAL, specialty="legal", user=lawyer, kind=CaseKind.HELP_REQUEST
    ) == rules.Units(path=lawyer.pool.path)
    assert rules.may_take_units(
        audience=Audience.WORKER, specialty=None, user=mediator, kind=CaseKind.DISPUTE
    ) == rules.Units(unit_id=mediator.unit_id)
    assert (
        rules.may_take_units(
            audience=Audience.WORKER, specialty=None, user=mediator, kind=CaseKind.HELP_REQUEST
        )
        is None
    )
    with CaptureQueriesContext(connection) as captured:
        page = selectors.worklist_page(user=lawyer, scope="queue", size=2)
    assert [row.id for row in page.rows] == [task.pk for task in selectors.task_queue(user=lawyer)][:2]
    ids = captured.captured_queries[0]["sql"]
    assert f"\"flow_task\" = '{legal}'" in ids and "= ANY(ARRAY(SELECT" in ids and "JOIN" not in ids
    plan = explained(ids)  # the lawyer's one step: its index in the queue's order, cut after the page
    assert "order_queue_urgent" in plan and not sorts(plan), plan
    with CaptureQueriesContext(connection) as captured:
        selectors.worklist_page(user=mediator, scope="queue", sort=WorklistOrder.DUE)
    page_sql = captured.captured_queries[0]["sql"]
    with CaptureQueriesContext(connection) as captured:
        assert selectors.worklist_counts(user=mediator) == {"inbox": 3, "queue": 0, "archive": 8}
    queue_count = captured.captured_queries[1]["sql"]
    # the mediator's five steps at his unit: each read in due order, then the pages merged
    plan = explained(page_sql)  # (on a few rows the step's index with the unit as a filter costs the same)
    assert page_sql.count("UNION ALL") == 4 and "Merge Append" in plan and not sorts(plan), plan
    assert len(re.findall(r"using order_(?:queue|unit)_due on", plan)) == 5, plan  # each step in due order
    # and the menu's count, each step's rows of his unit only (on a few rows any index answers it)
    assert queue_count.count("UNION ALL") == 4 and "JOIN" not in queue_count
    assert queue_count.count(f'"unit_id" = {mediator.unit_id}') == 5


def test_a_professionals_newest_cases_read_his_queue_per_step_from_its_index_on_postgresql(
    postgres_only, worked
):
    lawyer = worked["lawyer"]
    whole = [case.pk for case in case_list_for_user(user=lawyer, reach=selectors.queue_reach_q(lawyer))]
    with CaptureQueriesContext(connection) as captured:
        page = selectors.case_page_for_user(user=lawyer, size=2)
    assert [case.pk for case in page.cases] == whole[:2]
    (reach,) = [
        query["sql"] for query in captured.captured_queries if "casework_flow_taskorder" in query["sql"]
    ]
    assert "= ANY(ARRAY(SELECT" in reach and "JOIN" not in reach
    plan = explained(reach)  # his one step's waiting rows, newest case first, cut after the page
    assert "order_queue_cases" in plan and not sorts(plan), plan

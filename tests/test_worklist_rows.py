"""A worklist's rows read as values (``workflow.selectors.worklist_page``: ``WorklistRow``, no model instances):
what each row holds, its phone masked by the one rule (``rules.shows_personal_data``) for each reader, and the
page's link and claim label built once per page (``web.rows``) giving each row its own."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases import deadlines, rules
from cases.models import Case, Clock, Light, Priority
from demo.lifecycles import dispute_to
from demo.org import ENTERPRISES
from tests.helpers import enterprise_request, open_task
from web.rows import Around, around, message_around, url_around_id
from workflow import selectors, services
from workflow.selectors import WorklistRow, worklist_page


@pytest.fixture
def world(people):
    """A dispute in the mediator's inbox (its triage) and an urgent legal help request in the lawyers' queue."""
    dispute = dispute_to("registered", people, description="楼上漏水，物业推诿。\n第二行不在摘要里")
    request = enterprise_request(people, "劳动合同到期不续签，需要补偿吗？")
    Case.objects.filter(pk=request.pk).update(priority=Priority.URGENT)
    return {"dispute": dispute, "request": request}


def only_row(user, scope: str) -> WorklistRow:
    (row,) = worklist_page(user=user, scope=scope).rows
    return row


def test_a_queue_row_holds_the_task_its_case_and_the_masked_phone(people, world):
    # given: the legal help request waiting in the lawyers' queue
    request = world["request"]
    task = open_task(request, "advise_legal")
    clock = Clock.objects.get(task_id=task.pk)

    # when: the lawyer's queue is read
    row = only_row(people["lawyer"], "queue")

    # then: the row is the task and its case, as values, the phone masked (he has not claimed it)
    assert row == WorklistRow(
        id=task.pk,
        node=task.flow_task,
        status="NEW",
        owner=None,
        created=task.created,
        finished=None,
        sla=row.sla,  # read at the page's moment: checked below
        reference=request.reference,
        kind="help_request",
        priority=Priority.URGENT,
        unit_id=request.unit_id,
        unit_name="泰兴城区工业园区三师助企工作站",
        party=ENTERPRISES[1][0],
        phone="139****1111",
        summary="劳动合同到期不续签，需要补偿吗？",
        has_open_order=False,
    )
    assert row.sla == deadlines.Sla(due_at=clock.due_at, light=Light.GREEN, paused=False)
    assert (row.title, row.priority_label, row.unit) == ("法律意见", "紧急", (request.unit_id, row.unit_name))
    assert row["reference"] == request.reference  # as a template looks it up


def test_each_reader_sees_the_phone_as_the_rule_says(people, world):
    request, dispute = world["request"], world["dispute"]
    # the mediator works the dispute: in full
    assert only_row(people["mediator"], "inbox").phone == "13812341234"
    # the liaison officer works the help request (his archive: its intake and dispatch): in full
    assert {row.phone for row in worklist_page(user=people["liaison"], scope="archive").rows} == {
        "13900001111"
    }
    # the lawyer before claiming: masked; after: in full
    assert only_row(people["lawyer"], "queue").phone == "139****1111"
    services.task_claim(task_id=open_task(request, "advise_legal").pk, user=people["lawyer"])
    assert only_row(people["lawyer"], "inbox").phone == "13900001111"
    # the supervisor has no row of either: he holds no step of them
    assert worklist_page(user=people["supervisor_taixing"], scope="inbox").rows == []
    assert only_row(people["mediator"], "inbox").reference == dispute.reference


def test_the_rule_reads_a_row_as_it_reads_its_case(people, world):
    """``rules.shows_personal_data`` on a row's kind and unit is what it says of the case itself."""
    case = world["request"]
    at_unit = selectors.CaseAtUnit(case.kind, case.unit_id)

    for user in people.values():
        for took_part in (False, True):
            assert rules.shows_personal_data(at_unit, user, took_part=took_part) == rules.shows_personal_data(
                case, user, took_part=took_part
            ), (user.username, took_part)


def test_a_page_row_links_its_task_and_labels_its_checkbox_with_its_reference(people, world):
    request = world["request"]
    task = open_task(request, "advise_legal")
    client = Client()
    client.force_login(people["lawyer"])
    for language, label in (("zh-hans", f"认领 {request.reference}"), ("en", f"Claim {request.reference}")):
        html = client.get(reverse("queue"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert re.findall(r'<a href="([^"]*)">' + request.reference, html) == [
            reverse("task", args=[task.pk])
        ]
        assert re.findall(r'name="tasks" value="([0-9]+)" aria-label="([^"]*)"', html) == [
            (str(task.pk), label)
        ]


@pytest.mark.parametrize("task_id", [1, 42, 987654320, 987654322, 10**15])
def test_the_url_around_an_id_is_the_url_of_that_id(task_id):
    task_url = url_around_id("task")
    assert task_url.before + str(task_id) + task_url.after == reverse("task", args=[task_id])


def test_a_message_around_its_blank_and_a_text_without_exactly_one_blank():
    assert message_around("Claim %(reference)s now", "reference") == Around("Claim ", " now")
    with pytest.raises(ValueError):
        around("no blank", "\x00")
    with pytest.raises(ValueError):
        around("\x00 two \x00", "\x00")


def test_a_paused_step_and_a_step_without_a_clock_read_their_light(people, world):
    request = world["request"]
    task = open_task(request, "advise_legal")
    services.task_claim(task_id=task.pk, user=people["lawyer"])
    services.task_pause(task_id=task.pk, user=people["lawyer"], reason="等待企业补充材料", days=3)
    assert only_row(people["lawyer"], "inbox").sla.paused is True
    Clock.objects.filter(task_id=task.pk).delete()
    assert only_row(people["lawyer"], "inbox").sla == deadlines.Sla(
        due_at=None, light=Light.GREEN, paused=False
    )

"""A page of worklist rows (``api.serializers.TaskRows``, built directly from the page's rows) answers what
``TaskRow``'s declared fields answer, value for value, type for type and key for key in their order, for every
kind of row: waiting and claimed, done, paused, red, yellow and green, without a clock, a dispute and a help
request, the phone masked and shown. ``sla_answer`` answers what ``SlaOut`` answers. Were a field added,
renamed or changed on one side only, these fail."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from api.serializers import SlaOut, TaskRow, sla_answer
from cases.deadlines import Sla
from cases.models import Clock, Light
from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import open_task
from workflow import services
from workflow.selectors import WorklistRow, worklist_page


def typed(value: Any) -> Any:
    """The value with the type of each leaf and the order of each mapping's keys: equal only when both are."""
    if isinstance(value, Mapping):
        return [(key, typed(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value), value)


def page_rows(user, scope: str) -> list[WorklistRow]:
    """The rows of the first page of a worklist, as ``api.views.task_list`` answers them."""
    return worklist_page(user=user, scope=scope).rows


@pytest.mark.parametrize("paused", [False, True])
@pytest.mark.parametrize("light", list(Light))
@pytest.mark.parametrize("due", [None, "2026-11-02T09:30:00.123456+00:00"])
def test_sla_answer_is_what_sla_out_answers(due, light, paused):
    sla = Sla(due_at=None if due is None else datetime.fromisoformat(due), light=light, paused=paused)
    assert typed(sla_answer(sla)) == typed(SlaOut(sla).data)


def test_a_page_of_rows_is_what_the_declared_fields_answer_for_every_kind_of_row(people):
    # given: a dispute in the mediator's inbox, done steps in his archive, help requests in the lawyer's queue
    # and inbox (one paused), and lights of every colour, one task without a clock
    dispute_to("registered", people)
    dispute_to("consulting", people, description="第一行\n第二行")
    legal = [help_request_to("dispatched", people, specialties=["legal"]) for _ in range(4)]
    lawyer = people["lawyer"]
    claimed = [open_task(case, "advise_legal") for case in legal[:2]]
    for task in claimed:
        services.task_claim(task_id=task.pk, user=lawyer)
    services.task_pause(task_id=claimed[0].pk, user=lawyer, reason="等待企业补充材料", days=3)
    now = timezone.now()
    waiting = [open_task(case, "advise_legal").pk for case in legal[2:]]
    Clock.objects.filter(task_id=waiting[0]).update(due_at=now - timedelta(hours=1))
    Clock.objects.filter(task_id=waiting[1]).update(
        yellow_at=now - timedelta(hours=1), due_at=now + timedelta(days=1)
    )
    Clock.objects.filter(task_id=claimed[1].pk).delete()
    pages = [
        (people["mediator"], "inbox"),
        (people["mediator"], "archive"),
        (lawyer, "queue"),
        (lawyer, "inbox"),
    ]

    for language in ("zh-hans", "en"):
        with translation.override(language):
            rows = [row for user, scope in pages for row in page_rows(user, scope)]

            # when: the page is answered at once, and each row by the declared fields
            page = TaskRow(rows, many=True).data
            declared = [TaskRow(row).data for row in rows]

            # then: the same rows, to the type of each value and the order of the keys, and the same bytes
            assert typed(page) == typed(declared)
            assert JSONRenderer().render(page) == JSONRenderer().render(declared)

    # and the rows were of every kind (else the comparison above proves less than it says)
    assert {row["sla"]["light"] for row in page} == {"green", "yellow", "red", "paused"}
    assert {row["sla"]["due_at"] is None for row in page} == {True, False}
    assert {row["owner"] is None for row in page} == {True, False}
    assert {row["status"] for row in page} >= {"NEW", "ASSIGNED", "DONE"}
    assert {row["kind"] for row in page} == {"dispute", "help_request"}
    assert {"*" in row["phone"] for row in page} == {True, False}

"""Two copies of one access rule used to disagree; with the rule written once (``cases.rules``) they cannot.

1. Reassignment accepted an inactive person, and the task page offered inactive people.
2. The administrator role (without superuser) counted in case visibility and the board, but not in task
   visibility, unmasking or the board link.
"""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token

from cases.errors import InvalidInput
from cases.models import AuditAction, AuditEntry, Role, User
from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import case_snapshot, open_tasks, visible_text
from workflow import services


@pytest.fixture
def claimed_legal(people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    services.task_claim(task_id=task.pk, user=people["lawyer"])
    return case, task


def test_a_task_is_not_reassigned_to_an_inactive_person(people, claimed_legal):
    case, task = claimed_legal
    User.objects.filter(pk=people["lawyer2"].pk).update(is_active=False)
    retired = User.objects.get(pk=people["lawyer2"].pk)
    before = case_snapshot(case)

    with pytest.raises(InvalidInput) as refused, translation.override("zh-hans"):
        services.task_reassign(task_id=task.pk, user=people["supervisor"], to_user=retired)

    with translation.override("zh-hans"):
        assert (str(refused.value), refused.value.field) == ("吴律师无权办理此任务。", "to_user")
    assert case_snapshot(case) == before


def test_the_task_page_offers_only_active_people_to_reassign_to(client, people, claimed_legal):
    _case, task = claimed_legal
    client.force_login(people["supervisor"])
    offered = client.get(f"/tasks/{task.pk}/").content.decode()
    assert f'value="{people["lawyer2"].pk}"' in offered

    User.objects.filter(pk=people["lawyer2"].pk).update(is_active=False)
    offered = client.get(f"/tasks/{task.pk}/").content.decode()
    assert f'value="{people["lawyer2"].pk}"' not in offered
    # and a forged POST for them is refused on the page too, nothing changed
    response = client.post(f"/tasks/{task.pk}/reassign/", {"to_user": people["lawyer2"].pk, "reason": "x"})
    assert response.status_code == 400
    assert open_tasks(task.process.caseprocess.case)["advise_legal"].owner_id == people["lawyer"].pk


@pytest.fixture
def officer(people):
    """An administrator by role only: not a superuser."""
    user = User.objects.create(username="officer", display_name="管理员", unit=people["supervisor"].unit)
    user.groups.set(Group.objects.filter(name=Role.ADMINISTRATOR))
    return User.objects.get(pk=user.pk)


def test_an_administrator_by_role_sees_tasks_unmasks_and_has_the_board_link(people, officer):
    case = dispute_to("registered", people)
    task = open_tasks(case)["triage"]
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(officer)

    assert pages.get(f"/cases/{case.reference}/").status_code == 200  # agreed before
    assert pages.get("/board/").status_code == 200  # agreed before
    assert pages.get(f"/tasks/{task.pk}/").status_code == 200
    assert "实时看板" in visible_text(pages.get("/cases/").content.decode())

    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    response = api.post(
        f"/api/v1/cases/{case.reference}/unmask/",
        json.dumps({"reason": "核实"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["fields"]["applicant_phone"] == "13812341234"
    assert AuditEntry.objects.filter(case=case, action=AuditAction.UNMASKED, actor=officer).count() == 1

"""Notes on a case (备注; the case page's section and ``GET/POST /api/v1/cases/{reference}/notes/``): for whoever
sees the case through their work (``rules.sees_notes``), never a professional before claiming, never a party
(``/track/`` shows none); @mentions notify (``note.mentioned``, stored and pushed after commit); a mention of
someone who may not see the case, an unknown login, an empty or too long note are refused (400) with nothing
written; a case one may not see is a 404; every note is an audit row."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases import rules
from cases.models import AuditEntry, Case, CaseNote, User
from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification
from tests.helpers import case_snapshot, open_task, visible_text
from tests.test_api import api, post
from tests.test_tracking import dispute as tracked_dispute
from tests.test_tracking import track_page
from workflow import services


def notes_url(case: Case) -> str:
    return f"/api/v1/cases/{case.reference}/notes/"


def written(case: Case) -> dict:
    """What a refused note must leave alone: the case, its notes, its audit rows, everyone's notifications."""
    return {
        **case_snapshot(case),
        "notes": CaseNote.objects.filter(case=case).count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def request_in_queue(people):
    """A legal help request waiting in the lawyers' queue (nobody claimed its advice)."""
    return help_request_to("dispatched", people, specialties=["legal"])


def test_a_note_with_a_mention_is_written_audited_stored_and_pushed(
    people, django_capture_on_commit_callbacks
):
    # given a dispute of 祥泰社区 and a socket of the 泰兴 supervisor listening
    case = dispute_to("registered", people)
    supervisor = people["supervisor_taixing"]
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"notify.{supervisor.pk}", channel)

    # when the mediator writes a note that mentions him
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api(people["mediator"]), notes_url(case), {"note": "@supervisor_taixing 请协调街道司法所参与。"}
        )

    # then it is on the case, audited, stored for him and pushed to him
    assert response.status_code == 201
    note = CaseNote.objects.get(case=case)
    assert response.json() == {
        "id": note.pk,
        "author": "mediator",
        "author_name": "王调解",
        "note": "@supervisor_taixing 请协调街道司法所参与。",
        "mentions": ["supervisor_taixing"],
        "created_at": note.created_at.isoformat(),
    }
    audit = AuditEntry.objects.filter(case=case).order_by("-pk").first()
    assert (audit.action, audit.name, audit.actor, audit.reason) == (
        "note_added",
        "note",
        people["mediator"],
        "",
    )
    stored = Notification.objects.get(recipient=supervisor, type="note.mentioned")
    with translation.override("zh-hans"):
        assert stored.text == f"王调解 在 {case.reference} 的备注中提及了您"
    pushed = async_to_sync(layer.receive)(channel)
    assert (pushed["type"], pushed["id"]) == ("notification", stored.pk)
    # nobody else heard of it: a note without a mention notifies nobody
    assert Notification.objects.filter(type="note.mentioned").count() == 1
    post(api(people["mediator"]), notes_url(case), {"note": "已电话联系申请人。"})
    assert Notification.objects.filter(type="note.mentioned").count() == 1


def test_the_thread_oldest_first_for_whoever_sees_the_case(people):
    case = dispute_to("registered", people)
    post(api(people["mediator"]), notes_url(case), {"note": "第一条"})
    post(api(people["supervisor"]), notes_url(case), {"note": "第二条 @mediator"})
    for who in ("mediator", "mediator2", "supervisor", "supervisor_taixing", "admin"):
        body = api(people[who]).get(notes_url(case)).json()
        assert [(row["author"], row["note"], row["mentions"]) for row in body["results"]] == [
            ("mediator", "第一条", []),
            ("supervisor", "第二条 @mediator", ["mediator"]),
        ], who


def test_a_case_one_may_not_see_is_a_404_and_nothing_is_written(people):
    case = dispute_to("registered", people)
    before = written(case)
    for who in ("mediator_chengxi", "supervisor_hailing", "liaison", "lawyer"):
        assert api(people[who]).get(notes_url(case)).status_code == 404, who
        response = post(api(people[who]), notes_url(case), {"note": "看看"})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", who
        client = Client()
        client.force_login(people[who])
        assert client.post(reverse("case_notes", args=[case.reference]), {"note": "看看"}).status_code == 404
    assert written(case) == before


def test_a_professional_before_claiming_neither_reads_nor_writes_then_does_once_he_claimed(
    people, request_in_queue
):
    case = request_in_queue
    post(api(people["liaison"]), notes_url(case), {"note": "企业希望本周内答复。"})
    lawyer = people["lawyer"]
    # he sees the case (masked) in his queue, not its notes: 403, nothing written, no section on the page
    response = api(lawyer).get(notes_url(case))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "案件备注仅供办理人员查看和填写：请先认领该案件的一个环节。"
    before = written(case)
    assert post(api(lawyer), notes_url(case), {"note": "我来看看"}).status_code == 403
    assert post(api(lawyer), notes_url(case), {"note": ""}).status_code == 403  # the rule before the input
    assert written(case) == before
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(lawyer)
    page = client.get(reverse("case", args=[case.reference])).content.decode()
    assert 'id="notes"' not in page and "企业希望本周内答复" not in page
    assert client.post(reverse("case_notes", args=[case.reference]), {"note": "我来看看"}).status_code == 403
    assert written(case) == before

    # once he claimed its advice, he reads and writes
    services.task_claim(task_id=open_task(case, "advise_legal").pk, user=lawyer)
    assert [row["note"] for row in api(lawyer).get(notes_url(case)).json()["results"]] == [
        "企业希望本周内答复。"
    ]
    assert post(api(lawyer), notes_url(case), {"note": "@liaison 已联系企业。"}).status_code == 201


def test_a_mention_of_someone_who_may_not_see_the_case_is_refused_and_nothing_is_written(
    people, request_in_queue
):
    case = request_in_queue
    before = written(case)
    # the lawyer has not claimed it; the 海陵 supervisor and the 成蹊 mediator never see it
    for login, name in (
        ("lawyer", "周律师"),
        ("supervisor_hailing", "沈部长"),
        ("mediator_chengxi", "孙调解"),
    ):
        response = post(api(people["liaison"]), notes_url(case), {"note": f"请 @{login} 看一下"})
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "invalid",
            "message": f"@{login}（{name}）无权查看案件 {case.reference}，不能在此提及，备注未保存。",
            "fields": {
                "note": [f"@{login}（{name}）无权查看案件 {case.reference}，不能在此提及，备注未保存。"]
            },
        }
    response = post(api(people["liaison"]), notes_url(case), {"note": "请 @nobody_here 看一下"})
    assert response.json()["error"]["message"] == "没有登录名为 @nobody_here 的用户，备注未保存。"
    assert written(case) == before
    # and in English for an English reader
    response = post(api(people["liaison"], language="en"), notes_url(case), {"note": "@lawyer please look"})
    assert response.json()["error"]["message"] == (
        f"@lawyer (周律师) may not see case {case.reference}, so cannot be mentioned on it: nothing was written."
    )
    # on the page: the form again with the message beside the field, nothing written
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(people["liaison"])
    response = client.post(reverse("case_notes", args=[case.reference]), {"note": "请 @lawyer 看一下"})
    assert response.status_code == 400
    assert f"@lawyer（周律师）无权查看案件 {case.reference}" in response.content.decode()
    assert written(case) == before


def test_an_empty_or_too_long_note_is_refused_and_nothing_is_written(people):
    case = dispute_to("registered", people)
    before = written(case)
    client = api(people["mediator"])
    response = post(client, notes_url(case), {"note": "   "})
    assert response.status_code == 400 and response.json()["error"]["fields"] == {
        "note": ["请填写备注内容。"]
    }
    response = post(client, notes_url(case), {"note": "长" * 1001})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "note": ["确保该变量包含不超过 1000 字符 (目前字符数 1001)。"]
    }
    response = post(client, notes_url(case), {})
    assert response.status_code == 400
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(people["mediator"])
    response = page.post(reverse("case_notes", args=[case.reference]), {"note": ""})
    assert response.status_code == 400 and "请填写备注内容。" in response.content.decode()
    assert written(case) == before
    # exactly the limit is a note
    assert post(client, notes_url(case), {"note": "长" * 1000}).status_code == 201


def test_the_case_page_shows_the_thread_and_takes_a_note(people):
    case = dispute_to("registered", people)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(people["mediator"])
    page = client.get(reverse("case", args=[case.reference])).content.decode()
    assert 'id="notes"' in page and "暂无备注。" in page
    response = client.post(reverse("case_notes", args=[case.reference]), {"note": "@mediator2 明天上午约谈"})
    note = CaseNote.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/#note-{note.pk}"
    text = visible_text(client.get(reverse("case", args=[case.reference])).content.decode())
    assert "王调解 ·" in text and "提及 李调解" in text and "@mediator2 明天上午约谈" in text
    assert Notification.objects.filter(recipient=people["mediator2"], type="note.mentioned").count() == 1


def test_parties_never_see_a_note_on_the_tracking_page(people):
    case, code = tracked_dispute(people)
    post(api(people["mediator"]), notes_url(case), {"note": "申请人情绪激动，注意沟通方式"})
    response = track_page(case.reference, code)
    assert response.status_code == 200
    assert "申请人情绪激动" not in response.content.decode() and "备注" not in visible_text(
        response.content.decode()
    )
    body = post(api(), "/api/v1/track/", {"reference": case.reference, "code": code}).json()
    assert "申请人情绪激动" not in str(body)


def test_the_escalating_mediator_still_reads_the_notes_of_the_case_he_registered(people):
    case = dispute_to("triaged", people)
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    post(api(people["mediator_street"]), notes_url(case), {"note": "@mediator 请补充材料"})
    assert [row["note"] for row in api(people["mediator"]).get(notes_url(case)).json()["results"]] == [
        "@mediator 请补充材料"
    ]


def test_who_sees_notes_agrees_in_python_and_in_its_query(people, request_in_queue):
    escalated = dispute_to("triaged", people)
    services.case_side_exit(
        reference=escalated.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    claimed = help_request_to("claimed", people, specialties=["legal"])
    cases = [dispute_to("registered", people), request_in_queue, escalated, claimed]
    users = [User.objects.select_related("unit", "pool").get(pk=u.pk) for u in User.objects.order_by("pk")]
    agreed = 0
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("unit", "created_by"):
        people_q = set(User.objects.filter(rules.sees_notes_people_q(case)).values_list("pk", flat=True))
        participants = set(case.participants.values_list("person_id", flat=True))
        for user in users:
            sees = rules.sees_notes(case, user, took_part=user.pk in participants)
            assert sees == (user.pk in people_q), (user.username, case.reference)
            agreed += sees
    assert 0 < agreed < len(users) * len(cases)
    # the phone-search form of the personal-data rule agrees with its predicate too
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("unit"):
        for user in users:
            took = Q(pk__in=case.participants.filter(person=user).values("case_id"))
            in_q = Case.objects.filter(
                rules.shows_personal_data_cases_q(user, took_part=took), pk=case.pk
            ).exists()
            took_part = case.participants.filter(person=user).exists()
            assert in_q == rules.shows_personal_data(case, user, took_part=took_part), (
                user.username,
                case.reference,
            )

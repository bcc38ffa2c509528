"""Who is notified of what, stored with the change; the bell, the list and mark-read over HTTP."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.errors import NotFound
from demo.lifecycles import dispute_to, help_request_to, work_open_task
from notifications.models import Notification
from tests.helpers import open_tasks
from workflow import services


def inbox(user):
    return [(n.type, n.text) for n in Notification.objects.filter(recipient=user).order_by("pk")]


def test_a_dispatched_request_notifies_exactly_the_professionals_who_may_take_it(people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    recipients = set(
        Notification.objects.filter(case=case, type="queue.new").values_list("recipient__username", flat=True)
    )
    assert recipients == {"lawyer", "lawyer2"}
    assert inbox(people["lawyer"]) == [("queue.new", f"待认领任务：{case.reference} · 法律意见")]


def test_the_registering_liaison_hears_of_the_claim_and_the_other_lawyer_of_nothing_more(people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    services.task_claim(task_id=open_tasks(case)["advise_legal"].pk, user=people["lawyer"])
    assert inbox(people["liaison"]) == [("case.claimed", f"您登记的案件 {case.reference} 已由周律师认领")]
    assert [t for t, _ in inbox(people["lawyer2"])] == ["queue.new"]
    assert [t for t, _ in inbox(people["lawyer"])] == ["queue.new"]  # not of her own claim


def test_release_and_reassign_notify_the_people_concerned(people):
    case = help_request_to("claimed", people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    services.task_reassign(
        task_id=task.pk, user=people["supervisor"], to_user=people["lawyer2"], reason="均衡"
    )
    assert inbox(people["lawyer"])[-1] == (
        "task.reassigned_away",
        f"{case.reference} · 法律意见 已改派给吴律师",
    )
    assert inbox(people["lawyer2"])[-1] == ("task.assigned", f"{case.reference} · 法律意见 已交由您办理")
    services.task_release(task_id=task.pk, user=people["supervisor"], code="other", reason="另行安排")
    assert inbox(people["lawyer2"])[-2:] == [
        ("task.released", f"{case.reference} · 法律意见 已从您名下释放，回到待认领"),
        ("queue.new", f"待认领任务：{case.reference} · 法律意见"),
    ]


def test_the_mediator_hears_when_her_dispute_is_escalated_and_the_street_mediator_gets_the_triage(people):
    case = dispute_to("triaged", people)
    services.case_side_exit(
        reference=case.reference, user=people["supervisor"], action="escalate", reason="跨社区"
    )
    assert inbox(people["mediator"]) == [("case.escalate", f"案件 {case.reference} 已上报至济川街道")]
    assert inbox(people["mediator_street"]) == [("queue.new", f"待认领任务：{case.reference} · 研判")]


def test_meeting_invitations_and_points(people):
    case = dispute_to("triaged", people)
    work_open_task(
        case,
        people,
        attendees=[people["mediator2"]],
        scheduled_at=datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    assert inbox(people["mediator2"]) == [
        ("meeting.invited", f"邀请您参加 {case.reference} 的议事会商：2026-12-01 10:00，祥泰社区议事厅")
    ]
    for _ in range(4):
        work_open_task(case, people)
    points = Notification.objects.get(recipient=people["mediator"], type="points.awarded")
    # 5 steps on time (50 + 5), satisfied (8), quality 5 (10)
    assert points.text == f"您因案件 {case.reference} 获得 73 积分"


def test_a_refused_step_stores_no_notification(people):
    case = help_request_to("dispatched", people, specialties=["legal"])
    before = Notification.objects.count()
    with pytest.raises(NotFound):
        services.task_claim(task_id=open_tasks(case)["advise_legal"].pk, user=people["accountant"])
    assert Notification.objects.count() == before


def test_the_bell_the_list_and_mark_read_over_http(client, people):
    first = help_request_to("dispatched", people, specialties=["legal"])
    second = help_request_to("dispatched", people, specialties=["legal"])
    client.force_login(people["lawyer"])
    page = client.get(reverse("inbox")).content.decode()
    assert '<span id="bell-count" class="count">2</span>' in page
    listing = client.get(reverse("notifications")).content.decode()
    assert listing.index(second.reference) < listing.index(first.reference)  # newest first

    oldest = Notification.objects.filter(recipient=people["lawyer"]).order_by("pk").first()
    response = client.post(
        reverse("notifications_read"), {"ids": [oldest.pk]}, HTTP_ACCEPT="application/json"
    )
    assert json.loads(response.content) == {"unread": 1}
    response = client.post(reverse("notifications_read"))
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=people["lawyer"], read_at__isnull=True).count() == 0
    assert 'id="bell-count" class="count" hidden' in client.get(reverse("inbox")).content.decode()


def test_marking_another_persons_notification_read_changes_nothing(client, people):
    help_request_to("dispatched", people, specialties=["tax"])
    theirs = Notification.objects.get(recipient=people["tax_advisor"])
    client.force_login(people["lawyer"])
    response = client.post(
        reverse("notifications_read"), {"ids": [theirs.pk]}, HTTP_ACCEPT="application/json"
    )
    assert json.loads(response.content) == {"unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_board_page_is_for_supervisors(client, people):
    client.force_login(people["lawyer"])
    assert client.get(reverse("board")).status_code == 404
    client.force_login(people["supervisor_hailing"])
    page = client.get(reverse("board")).content.decode()
    assert "实时看板 · 海陵区" in page and "js/board.js" in page

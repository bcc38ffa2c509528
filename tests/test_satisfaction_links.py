"""The party rates the outcome through a single-use link that expires: sent when the follow-up (dispute) or the
feedback (help request) step opens; the answer completes the step as if its holder had recorded it (through
the workflow's own complete command, under the case's lock); the worker may still record a phone answer
instead, and then the link is dead. Broken, expired or reused links: 410 with a clear page; a rating outside
1-5: 400; nothing changes on a refusal. On PostgreSQL the same link used twice at once completes the step
once."""

import re
import threading
from datetime import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases.models import (
    AuditEntry,
    Case,
    PointAward,
    SatisfactionLink,
    SmsMessage,
    SmsPurpose,
)
from cases.sms_backends import SmsBackend
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to, step_data, work_to
from notifications.models import Notification
from tests.helpers import audit_trail, case_snapshot, open_task, visible_text
from workflow import services


@pytest.fixture
def frozen(time_machine):
    def move(text: str) -> None:
        time_machine.move_to(datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE), tick=False)

    return move


def token_of(case: Case) -> str:
    """The token of the case's newest satisfaction link, read from its SMS before it is sent (the only place
    it ever is: the database keeps its hash)."""
    message = SmsMessage.objects.filter(case=case, purpose=SmsPurpose.SATISFACTION).latest("pk")
    return message.secret


def link_url(token: str) -> str:
    return reverse("satisfaction", args=[token])


def world(case: Case) -> dict:
    """What a refused answer must leave alone."""
    return {
        **case_snapshot(case),
        "links": list(
            SatisfactionLink.objects.order_by("pk").values_list("pk", "used_at", "rating", "comment")
        ),
        "notifications": Notification.objects.count(),
        "details": list(
            Case.objects.filter(pk=case.pk).values_list("dispute__follow_up_answer", "help_request__rating")
        ),
    }


def test_the_follow_up_step_sends_a_link_and_the_partys_answer_completes_it_as_its_holder(people, frozen):
    # given a dispute whose follow-up call just opened, with the mediator
    frozen("2026-11-02 09:00")
    case = dispute_to("follow_up", people)
    mediator = people["mediator"]
    follow_up = open_task(case, "follow_up")
    assert follow_up.owner == mediator
    # then a link for that step was sent to the applicant, valid 7 days, its token only in the message
    link = SatisfactionLink.objects.get(case=case)
    token = token_of(case)
    assert (link.task_id, link.step, link.used_at) == (follow_up.pk, "follow_up", None)
    assert link.expires_at == datetime(2026, 11, 9, 9, 0, tzinfo=CALENDAR_ZONE)
    assert token not in link.digest and len(token) == 32
    message = SmsMessage.objects.get(case=case, purpose=SmsPurpose.SATISFACTION)
    assert message.phone == "13812341234" and "••••" in message.text_shown and token not in message.body
    assert message.text_to_send().startswith("【同心助力】您的事项")
    assert f"http://127.0.0.1:8000/satisfaction/{token}/" in message.text_to_send()
    # when the party opens it on their phone, without a login
    frozen("2026-11-03 20:00")
    party = Client()
    page = party.get(link_url(token))
    assert page.status_code == 200 and "服务评价" in page.content.decode()
    assert "13812341234" not in page.content.decode() and "张三" not in page.content.decode()
    # and rates 4 with a comment
    answer = party.post(link_url(token), {"rating": "4", "comment": "调解员很耐心"})
    # then the step is done as if the mediator had recorded a satisfied answer
    assert answer.status_code == 200 and "您对事项" in answer.content.decode()
    case.refresh_from_db()
    assert case.state == "commending"
    assert (case.dispute.follow_up_answer, case.dispute.follow_up_note) == ("satisfied", "调解员很耐心")
    assert audit_trail(case)[-3:] == [
        ("party_answered", "follow_up", "", "", None),
        ("transition", "confirm", "follow_up", "commending", "mediator"),
        ("task_done", "follow_up", "", "", "mediator"),
    ]
    link.refresh_from_db()
    assert (link.rating, link.comment) == (4, "调解员很耐心")
    assert link.used_at == datetime(2026, 11, 3, 20, 0, tzinfo=CALENDAR_ZONE)
    # and the mediator heard it (her own completion tells her nothing)
    with translation.override("en"):
        heard = [n.text for n in Notification.objects.filter(recipient=mediator, type="party.rated")]
    assert heard == [f"The party rated {case.reference} through their link: 4 of 5"]
    # and the case page says who answered
    client = Client()
    client.force_login(mediator)
    detail = visible_text(client.get(reverse("case", args=[case.reference])).content.decode())
    assert "当事人（评价链接）" in detail and "已于 2026-11-03 20:00 评价：4 分（满分5分）" in detail


def test_the_answer_counts_for_the_holders_points_as_a_recorded_one_would(people):
    # given two disputes at their follow-up: the mediator records one answer, the party gives the other's
    recorded, rated = dispute_to("follow_up", people), dispute_to("follow_up", people)
    task = open_task(recorded, "follow_up")
    services.task_complete(task_id=task.pk, user=task.owner, data={"answer": "satisfied", "note": ""})
    assert Client().post(link_url(token_of(rated)), {"rating": "5"}).status_code == 200
    # when both are assessed alike
    for case in (recorded, rated):
        work_to(case, "closed", people)
    # then the mediator earned the same for each
    awards = PointAward.objects.order_by("assessment__case_id")
    assert [(award.person.username, award.points) for award in awards] == [("mediator", 73), ("mediator", 73)]


def test_a_help_requests_feedback_link_records_the_enterprises_rating(people):
    case = help_request_to("feedback", people)
    token = token_of(case)
    assert Client().post(link_url(token), {"rating": "2", "comment": "回复太慢"}).status_code == 200
    case.refresh_from_db()
    assert case.state == "commending"
    assert (case.help_request.rating, case.help_request.rating_comment) == (2, "回复太慢")
    assert audit_trail(case)[-2][:2] == ("transition", "rate")


def test_a_dissatisfied_party_reopens_the_consultation_and_the_next_follow_up_sends_a_new_link(people):
    case = dispute_to("follow_up", people)
    first = token_of(case)
    assert Client().post(link_url(first), {"rating": "1", "comment": "仍有噪音"}).status_code == 200
    case.refresh_from_db()
    assert (case.state, case.dispute.follow_up_answer) == ("consulting", "dissatisfied")
    consult = open_task(case, "consult")
    again = step_data(
        case, consult, scheduled_at=datetime(2026, 12, 1, 10, tzinfo=CALENDAR_ZONE), place="议事厅"
    )
    services.task_complete(task_id=consult.pk, user=consult.owner, data=again)
    work_to(case, "follow_up", people)
    second = token_of(case)
    assert second != first and SatisfactionLink.objects.filter(case=case).count() == 2
    assert Client().get(link_url(first)).status_code == 410  # used
    assert Client().get(link_url(second)).status_code == 200


def test_the_worker_may_record_a_phone_answer_and_then_the_link_is_dead(people):
    case = dispute_to("follow_up", people)
    token = token_of(case)
    task = open_task(case, "follow_up")
    services.task_complete(task_id=task.pk, user=task.owner, data=step_data(case, task))
    before = world(case)
    for response in (Client().get(link_url(token)), Client().post(link_url(token), {"rating": "1"})):
        assert response.status_code == 410
        assert "您的意见已登记" in response.content.decode()
    assert world(case) == before
    assert SatisfactionLink.objects.get(case=case).used_at is None
    # the worker's case page says the link was not needed
    client = Client()
    client.force_login(people["mediator"])
    assert (
        "未使用：工作人员已登记回访意见"
        in client.get(reverse("case", args=[case.reference])).content.decode()
    )


# ---- refusals ------------------------------------------------------------------------------------------------


def test_a_reused_link_is_a_410_that_says_so_and_changes_nothing(people):
    case = dispute_to("follow_up", people)
    token = token_of(case)
    assert Client().post(link_url(token), {"rating": "5"}).status_code == 200
    before = world(case)
    again = Client().post(link_url(token), {"rating": "1", "comment": "改主意了"})
    assert again.status_code == 410
    assert "您已评价过" in again.content.decode()
    assert Client().get(link_url(token)).status_code == 410
    assert world(case) == before


@pytest.mark.parametrize("rating", ["0", "6", "x", "", "4.5", "-1", "５"])
def test_a_rating_outside_one_to_five_is_a_400_and_changes_nothing(people, rating):
    case = dispute_to("follow_up", people)
    token = token_of(case)
    before = world(case)
    response = Client().post(link_url(token), {"rating": rating, "comment": "好"})
    assert response.status_code == 400
    assert "请选择1至5分。" in response.content.decode()
    assert world(case) == before
    assert Client().get(link_url(token)).status_code == 200  # still usable


def test_a_comment_past_its_limit_is_a_400_and_changes_nothing(people):
    case = dispute_to("follow_up", people)
    before = world(case)
    response = Client().post(link_url(token_of(case)), {"rating": "5", "comment": "长" * 1001})
    assert response.status_code == 400
    assert world(case) == before


@pytest.mark.parametrize(
    "token",
    ["x", "A" * 32, "A" * 31 + "!", "A" * 33, "%00" * 11, "link%20copied%20badly"],
)
def test_a_broken_link_is_a_410_with_a_clear_page(people, token):
    case = dispute_to("follow_up", people)
    before = world(case)
    for response in (
        Client().get(f"/satisfaction/{token}/"),
        Client().post(f"/satisfaction/{token}/", {"rating": "5"}),
    ):
        assert response.status_code == 410
        assert "此链接无效" in response.content.decode()
    assert world(case) == before


def test_a_link_expires_after_the_setting_s_days(people, settings, frozen):
    settings.SATISFACTION_LINK_DAYS = 2
    frozen("2026-11-02 09:00")
    case = help_request_to("feedback", people)
    token = token_of(case)
    assert "2天内有效" in SmsMessage.objects.get(case=case, purpose=SmsPurpose.SATISFACTION).text_to_send()
    frozen("2026-11-04 08:59")
    assert Client().get(link_url(token)).status_code == 200
    frozen("2026-11-04 09:00")
    before = world(case)
    response = Client().post(link_url(token), {"rating": "5"})
    assert response.status_code == 410 and "此链接已过期" in response.content.decode()
    assert world(case) == before


def test_while_the_step_waits_in_a_queue_the_answer_waits_too(people):
    # given the mediator released the follow-up back to the queue
    case = dispute_to("follow_up", people)
    token = token_of(case)
    task = open_task(case, "follow_up")
    services.task_release(task_id=task.pk, user=people["mediator"], code="other", reason="调岗")
    before = world(case)
    # when the party answers: a 409 saying to try later, nothing changed, the link still good
    response = Client().post(link_url(token), {"rating": "5"})
    assert response.status_code == 409 and "暂时无法记录您的评价" in response.content.decode()
    assert world(case) == before
    # once someone claimed the step, the answer goes in as theirs
    services.task_claim(task_id=task.pk, user=people["mediator2"])
    assert Client().post(link_url(token), {"rating": "5"}).status_code == 200
    assert audit_trail(Case.objects.get(pk=case.pk))[-1] == ("task_done", "follow_up", "", "", "mediator2")


# ---- concurrency ----------------------------------------------------------------------------------------------


class Phone(SmsBackend):
    """The party's phone: what the outbox sent, in order."""

    received: list[str] = []

    def send(self, *, phone: str, text: str) -> str:
        Phone.received.append(text)
        return ""


@pytest.mark.django_db(transaction=True)
def test_the_same_link_used_twice_at_once_completes_the_step_once(postgres_only, committed_people, settings):
    # given a follow-up whose link reached the party's phone (sent after commit, its secret then cleared)
    settings.SMS_BACKEND = "tests.test_satisfaction_links.Phone"
    Phone.received.clear()
    case = dispute_to("follow_up", committed_people)
    assert token_of(case) == ""
    token = re.search(r"/satisfaction/([A-Za-z0-9_-]{32})/", Phone.received[-1])[1]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def answer(rating: str) -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            statuses.append(client.post(link_url(token), {"rating": rating}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(rating,)) for rating in ("5", "1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200, 410]
    case.refresh_from_db()
    satisfied = case.dispute.follow_up_answer == "satisfied"  # whichever answer won, it alone went in
    assert (case.state, case.dispute.follow_up_answer) in {
        ("commending", "satisfied"),
        ("consulting", "dissatisfied"),
    }
    assert SatisfactionLink.objects.get(case=case).rating == (5 if satisfied else 1)
    assert AuditEntry.objects.filter(case=case, action="task_done", name="follow_up").count() == 1
    assert AuditEntry.objects.filter(case=case, action="party_answered").count() == 1
    link = SatisfactionLink.objects.get(case=case)
    assert link.used_at is not None and link.rating in (5, 1)
    assert Notification.objects.filter(type="party.rated").count() == 1

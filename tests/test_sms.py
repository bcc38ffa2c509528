"""The SMS outbox: the messages to the parties are rows written in the transaction of the change (a change that
rolls back sends nothing), sent after commit by ``SMS_BACKEND`` (console by default, the database outbox here,
a provider's adapter in production) with retries; a failing provider never blocks or undoes the change: the row
stays queued with its attempts counted and the runner (or ``manage.py send_sms``) retries it. Numbers are
validated, never logged or notified, and masked in the admin for whoever may not see personal data."""

import json
import logging
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.models import Case, SmsMessage, SmsPurpose, SmsStatus
from cases.services import sms
from cases.sms_backends import ConsoleBackend, SmsBackend, SmsSendFailed
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification
from tests.helpers import dispute_body, help_request_body
from workflow import services

PHONE = "13812341234"  # the demo dispute's applicant
CONTACT = "13912345678"  # the demo help request's contact


class Provider(SmsBackend):
    """A provider that fails while ``failing`` is set (its error names the number, as careless SDKs do) and
    otherwise records what it delivered."""

    failing = False
    delivered: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> str:
        if Provider.failing:
            raise SmsSendFailed(f"isv.BUSINESS_LIMIT_CONTROL for {phone}")
        Provider.delivered.append((phone, text))
        return f"biz-{len(Provider.delivered)}"


@pytest.fixture(autouse=True)
def provider(settings):
    settings.SMS_BACKEND = "tests.test_sms.Provider"
    Provider.failing = False
    Provider.delivered = []
    return Provider


@pytest.fixture
def frozen(time_machine):
    def move(text: str) -> None:
        time_machine.move_to(datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE), tick=False)

    return move


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def intake(user, path: str, body: dict):
    return api(user).post(path, json.dumps(body), content_type="application/json")


def rows() -> list[tuple]:
    return list(
        SmsMessage.objects.order_by("pk").values_list("purpose", "phone", "status", "attempts", "last_error")
    )


# ---- queued with the change, sent after it ---------------------------------------------------------------------


def test_the_receipt_is_queued_with_the_intake_and_sent_after_commit(
    people, django_capture_on_commit_callbacks
):
    # when a dispute is registered
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = intake(people["mediator"], "/api/v1/disputes/", dispute_body())
    reference, code = response.json()["reference"], response.json()["tracking_code"]
    # then its receipt is in the outbox with the change, waiting for the commit, its code kept until then
    message = SmsMessage.objects.get()
    assert (message.purpose, message.phone, message.status, message.attempts) == (
        "receipt",
        PHONE,
        "queued",
        0,
    )
    assert message.secret == code and Provider.delivered == []
    # when the transaction has committed
    for callback in after_commit:
        callback()
    # then the provider delivered it, with the code and the tracking link; the outbox keeps it without the code
    assert Provider.delivered == [
        (
            PHONE,
            f"【同心助力】您的事项已受理，编号{reference}，查询码{code}（请妥善保管）。查询办理进度："
            f"http://127.0.0.1:8000/track/?reference={reference}",
        )
    ]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.secret, message.provider_id) == ("sent", 1, "", "biz-1")
    assert message.sent_at is not None and message.next_attempt_at is None
    assert message.text_shown == (
        f"【同心助力】您的事项已受理，编号{reference}，查询码••••（请妥善保管）。查询办理进度："
        f"http://127.0.0.1:8000/track/?reference={reference}"
    )
    # a second sender (a runner passing by) finds nothing to send
    assert sms.sms_send(ids=[message.pk]) == 0 and len(Provider.delivered) == 1


def test_a_refused_intake_queues_nothing(people):
    response = intake(people["liaison"], "/api/v1/help-requests/", help_request_body(card_code="TXK-NOPE"))
    assert response.status_code == 400
    assert Case.objects.count() == 0 and rows() == []


def test_the_help_requests_receipt_goes_to_its_contact(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = intake(people["liaison"], "/api/v1/help-requests/", help_request_body())
    assert response.status_code == 201
    assert rows() == [("receipt", CONTACT, "sent", 1, "")]


def test_the_default_console_backend_prints_the_message_with_the_number_masked(
    people, settings, capsys, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "cases.sms_backends.ConsoleBackend"
    with django_capture_on_commit_callbacks(execute=True):
        case = services.dispute_intake(actor=people["mediator"], **dispute_body())
    printed = capsys.readouterr().out
    assert f"SMS to 138****1234: 【同心助力】您的事项已受理，编号{case.reference}，查询码" in printed
    assert PHONE not in printed
    assert SmsMessage.objects.get().status == SmsStatus.SENT
    assert ConsoleBackend().send(phone=PHONE, text="x") == ""


# ---- a failing provider --------------------------------------------------------------------------------------


def test_a_failing_provider_never_undoes_the_change_and_the_runner_retries(
    people, frozen, caplog, django_capture_on_commit_callbacks
):
    # given a provider that fails
    frozen("2026-11-02 09:00")
    Provider.failing = True
    # when a dispute is registered
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = intake(people["mediator"], "/api/v1/disputes/", dispute_body())
    # then the intake succeeded; the receipt waits, its attempt counted, the next one in a minute
    assert (
        response.status_code == 201 and Case.objects.filter(reference=response.json()["reference"]).exists()
    )
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == ("queued", 1, "SmsSendFailed")
    assert message.next_attempt_at == datetime(2026, 11, 2, 9, 1, tzinfo=CALENDAR_ZONE)
    assert message.secret == response.json()["tracking_code"]  # kept for the next attempt
    # and the log says so without the number (the provider's error named it)
    assert f"sms {message.pk}: attempt 1 failed (SmsSendFailed)" in caplog.messages
    assert PHONE not in caplog.text
    # the runner does not try before it is due
    frozen("2026-11-02 09:00:59")
    assert services.timers_run() == 0 and SmsMessage.objects.get().attempts == 1
    # it tries when due, fails again: two minutes on
    frozen("2026-11-02 09:01")
    services.timers_run()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 2)
    assert message.next_attempt_at == datetime(2026, 11, 2, 9, 3, tzinfo=CALENDAR_ZONE)
    # once the provider works again, the runner's next pass sends it
    Provider.failing = False
    frozen("2026-11-02 09:03")
    services.timers_run()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.secret, message.last_error) == ("sent", 3, "", "")
    assert [phone for phone, _text in Provider.delivered] == [PHONE]


def test_after_the_last_attempt_a_message_is_given_up_and_its_secret_cleared(people, settings, frozen):
    settings.SMS_MAX_ATTEMPTS = 2
    Provider.failing = True
    frozen("2026-11-02 09:00")
    dispute_to("registered", people)  # its receipt waits (no commit here)
    assert sms.sms_send_due() == 0
    frozen("2026-11-02 09:01")
    assert sms.sms_send_due() == 0
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts, message.secret, message.next_attempt_at) == (
        "failed",
        2,
        "",
        None,
    )
    frozen("2026-11-03 09:00")
    assert sms.sms_send_due() == 0 and SmsMessage.objects.get().attempts == 2


def test_send_sms_sends_what_is_due(people):
    dispute_to("registered", people)
    help_request_to("submitted", people)
    out = StringIO()
    call_command("send_sms", stdout=out)
    assert out.getvalue().strip() == "sms sent: 2"
    assert [row[2] for row in rows()] == ["sent", "sent"]


def test_a_message_a_dead_sender_left_sending_is_sent_again_after_its_lease(people, frozen):
    frozen("2026-11-02 09:00")
    dispute_to("registered", people)
    message = SmsMessage.objects.get()
    # a sender claimed it, then died before it could say how it went
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.SENDING, attempts=1, next_attempt_at=timezone.now() + sms.SENDING_LEASE
    )
    assert sms.sms_send_due() == 0
    frozen("2026-11-02 09:05")
    assert sms.sms_send_due() == 1
    assert SmsMessage.objects.get().status == SmsStatus.SENT and SmsMessage.objects.get().attempts == 2


# ---- numbers, and the other messages --------------------------------------------------------------------------


def test_a_number_the_mobile_validator_refuses_queues_nothing_and_is_not_logged(people, caplog):
    case = dispute_to("registered", people)
    before = rows()
    with transaction.atomic(), caplog.at_level(logging.WARNING):
        for number in ("12345678901", "1381234123", "+8613812341234", "１３８１２３４１２３４"):
            assert sms.sms_queue(case=case, purpose=SmsPurpose.RECEIPT, phone=number, text="x") is None
    assert rows() == before
    assert (
        caplog.messages
        == [f"sms for case {case.pk} (receipt) not queued: the number is not a mainland mobile"] * 4
    )
    assert "1234" not in caplog.text.replace(str(case.pk), "")


def test_an_approved_extension_tells_the_party_the_new_due_moment(people, django_capture_on_commit_callbacks):
    case = help_request_to("claimed", people)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = sms.sms_extension_approved(case, until=datetime(2026, 12, 18, 17, 30, tzinfo=CALENDAR_ZONE))
    assert message is not None and message.purpose == SmsPurpose.EXTENSION
    assert Provider.delivered[-1] == (
        CONTACT,
        f"【同心助力】您的事项{case.reference}办理期限已延长至2026-12-18 17:30。",
    )


def test_numbers_never_reach_notifications_or_logs_over_a_whole_lifecycle(people, caplog):
    with caplog.at_level(logging.DEBUG):
        dispute_to("follow_up", people)
        request = help_request_to("feedback", people)
    assert SmsMessage.objects.filter(purpose=SmsPurpose.SATISFACTION).count() == 2
    payloads = json.dumps(list(Notification.objects.values_list("payload", flat=True)))
    for number in (PHONE, CONTACT):
        assert number not in payloads and number not in caplog.text
    assert request.reference in payloads  # the notifications were there to look at


# ---- the admin page ------------------------------------------------------------------------------------------


def test_the_admin_lists_what_was_sent_masking_numbers_for_who_may_not_see_them(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = intake(people["mediator"], "/api/v1/disputes/", dispute_body())
    code = response.json()["tracking_code"]
    Provider.failing = True
    with django_capture_on_commit_callbacks(execute=True):
        intake(people["liaison"], "/api/v1/help-requests/", help_request_body())
    # the administrator sees the numbers, never a code
    admin = Client()
    admin.force_login(people["admin"])
    page = admin.get("/admin/cases/smsmessage/").content.decode()
    assert PHONE in page and CONTACT in page and code not in page and "••••" in page
    assert "已发送" in page and "待发送" in page
    # a staff member who may read the outbox but not the parties' data sees them masked
    clerk = people["mediator2"]
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_smsmessage"))
    staff = Client()
    staff.force_login(clerk)
    page = staff.get("/admin/cases/smsmessage/").content.decode()
    assert "138****1234" in page and "139****5678" in page
    assert PHONE not in page and CONTACT not in page and code not in page
    message = SmsMessage.objects.filter(phone=CONTACT).get()
    detail = staff.get(f"/admin/cases/smsmessage/{message.pk}/change/").content.decode()
    assert detail.count("139****5678") >= 1 and CONTACT not in detail and message.secret not in detail
    # searching by number finds nothing (a search would tell what the mask hides); by reference, the message
    assert "139****5678" not in staff.get(f"/admin/cases/smsmessage/?q={CONTACT}").content.decode()
    found = staff.get(f"/admin/cases/smsmessage/?q={message.case.reference}").content.decode()
    assert "139****5678" in found and "138****1234" not in found
    # and nobody changes, adds or deletes messages there
    assert staff.get("/admin/cases/smsmessage/add/").status_code == 403
    assert admin.post(f"/admin/cases/smsmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SmsMessage.objects.count() == 2


def test_a_new_code_queues_a_new_receipt_and_the_retry_delay_is_capped():
    assert sms.retry_delay(1) == timedelta(minutes=1)
    assert sms.retry_delay(3) == timedelta(minutes=4)
    assert sms.retry_delay(20) == timedelta(hours=1)

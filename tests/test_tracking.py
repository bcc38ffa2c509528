"""The parties' receipt and public status: a tracking code issued at intake (page and API), shown once and kept
as a hash; ``/track/`` and ``POST /api/v1/track/`` show the stage, its dates, the due moment and the public
notes, nothing personal; a wrong code and an unknown reference get the same answer by the same path; lookups
are limited per address; the worker may issue a new code (the old one dies) and write public notes."""

import contextlib
import json
import re
from datetime import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework.authtoken.models import Token

from api.models import IdempotencyKey
from cases import documents, ratelimit, tokens
from cases.models import (
    AuditAction,
    AuditEntry,
    Case,
    Clock,
    PublicNote,
    SmsMessage,
    SmsPurpose,
    SmsStatus,
    TrackingCode,
)
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import work_to
from notifications.models import Notification
from tests.helpers import case_snapshot, dispute_body, help_request_body, visible_text
from workflow import services
from workflow.selectors import case_human_tasks_open
from workflow.services import parties

CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")
NO_MATCH = "没有与此编号和查询码相符的案件。"


@pytest.fixture(autouse=True)
def fresh_rates(settings):
    """Each test counts lookups from nothing, at a rate it does not reach unless it sets one."""
    settings.TRACK_RATE = "1000/min"
    cache.clear()
    ratelimit.local_counts.clear()
    ratelimit.tracking_lookups.shared_cache_failing = False
    yield
    with contextlib.suppress(RedisError):  # a test may leave the cache on a Redis it stopped
        cache.clear()
    ratelimit.local_counts.clear()
    ratelimit.tracking_lookups.shared_cache_failing = False


@pytest.fixture
def frozen(time_machine):
    def move(text: str) -> None:
        time_machine.move_to(datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE), tick=False)

    return move


def api(user=None, language="zh-hans", **headers):
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return Client(HTTP_ACCEPT_LANGUAGE=language, **headers)


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def track(reference: str, code: str, **client_options):
    return post(api(**client_options), "/api/v1/track/", {"reference": reference, "code": code})


def track_page(reference: str, code: str, client=None):
    return (client or Client()).post(reverse("track"), {"reference": reference, "code": code})


def dispute(people, state: str = "registered", actor: str = "mediator", **intake) -> tuple[Case, str]:
    """A dispute worked to ``state``, with the tracking code its intake issued (in memory only)."""
    fields = {**dispute_body(category="property", description="楼上漏水，物业推诿，邻里争执。"), **intake}
    case = services.dispute_intake(actor=people[actor], **fields)
    code = case.issued_tracking_code
    assert CODE.fullmatch(code), code
    return work_to(case, state, people), code


def help_request(people, state: str = "submitted", **intake) -> tuple[Case, str]:
    fields = {**help_request_body(specialties=["tax"]), **intake}
    case = services.help_request_intake(actor=people["liaison"], **fields)
    code = case.issued_tracking_code
    assert CODE.fullmatch(code), code
    return work_to(case, state, people), code


def world() -> tuple:
    """What a refused lookup or worker's act must leave alone."""
    return (
        list(TrackingCode.objects.order_by("pk").values_list("pk", "digest", "issued_at")),
        AuditEntry.objects.count(),
        PublicNote.objects.count(),
        list(SmsMessage.objects.order_by("pk").values_list("pk", "status")),
        Notification.objects.count(),
    )


def at(value: str) -> str:
    """An API timestamp as it reads in Asia/Shanghai, to the minute."""
    return datetime.fromisoformat(value).astimezone(CALENDAR_ZONE).strftime("%Y-%m-%d %H:%M")


# ---- the code at intake ------------------------------------------------------------------------------------


def test_the_apis_intake_answers_the_tracking_code_once_and_keeps_only_its_hash(people):
    # when the liaison officer registers a help request through the API
    response = post(api(people["liaison"]), "/api/v1/help-requests/", help_request_body())
    assert response.status_code == 201
    code, reference = response.json()["tracking_code"], response.json()["reference"]
    # then the answer carries a code of 12 unambiguous characters, and the database only its keyed hash
    assert CODE.fullmatch(code)
    stored = TrackingCode.objects.get(case__reference=reference)
    assert stored.digest == tokens.secret_digest(code.replace("-", "")) and len(stored.digest) == 64
    assert stored.issued_by == people["liaison"]
    receipt = SmsMessage.objects.get(case__reference=reference)
    assert code not in receipt.body and code not in receipt.text_shown and "••••" in receipt.text_shown
    # and no audit row, notification or case field carries it
    assert not AuditEntry.objects.filter(reason__contains=code).exists()
    assert code not in json.dumps(list(Notification.objects.values_list("payload", flat=True)))
    # when the party looks it up, however they type it
    for typed in (code, code.lower(), code.replace("-", " "), code.replace("-", "")):
        assert track(reference, typed).status_code == 200, typed
    # and the case reads back without the code (a worker sees that one was issued, not which)
    detail = api(people["liaison"]).get(f"/api/v1/cases/{reference}/").json()
    assert "tracking_code" not in detail


def test_a_repeat_with_the_same_idempotency_key_never_stores_nor_answers_the_code(people):
    client = api(people["liaison"], HTTP_IDEMPOTENCY_KEY="kiosk-9")
    first = post(client, "/api/v1/help-requests/", help_request_body())
    again = post(client, "/api/v1/help-requests/", help_request_body())
    code = first.json()["tracking_code"]
    assert CODE.fullmatch(code) and again.json()["tracking_code"] is None
    assert code not in json.dumps(IdempotencyKey.objects.get(key="kiosk-9").response)
    assert track(first.json()["reference"], code).status_code == 200


def test_the_intake_page_leads_to_the_receipt_which_shows_the_code_once(client, people):
    # given the mediator registers a dispute on the page
    client.force_login(people["mediator"])
    response = client.post(reverse("dispute_new"), dispute_body(applicant_id_number="11010519491231002X"))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("receipt", args=[case.reference])
    # when she opens the receipt (the redirect)
    page = client.get(response["Location"]).content.decode()
    # then it shows the reference, the code, where to track, the unit and a print button, in Chinese
    code = CODE.search(page)[0]
    text = visible_text(page)
    assert f"编号 {case.reference}" in text and "受理回执" in text and "祥泰社区" in text
    assert "http://testserver/track/" in text and "打印" in text
    whole_case = timezone.localtime(
        Clock.objects.get(case=case, task_id=None).due_at
    )  # a month, for the party
    assert f"办理时限 {whole_case:%Y-%m-%d %H:%M}" in text
    assert track(case.reference, code).status_code == 200
    # and nothing personal: the receipt may be left on a counter
    for personal in ("张三", "13812341234", "11010519491231002X", "噪音"):
        assert personal not in page
    # when the receipt is opened again: the code is not there any more, a new one may be issued
    again = client.get(response["Location"]).content.decode()
    assert CODE.search(again) is None and "重新生成查询码" in again
    assert "查询码只在生成时显示一次" in visible_text(again)


def test_the_receipt_gives_its_pdf_through_the_one_renderer_for_the_code_of_the_case_only(
    client, people, monkeypatch
):
    rendered = []

    def fake_renderer(html):
        rendered.append(html)
        return b"%PDF-1.7 receipt"

    # given a PDF renderer (WeasyPrint, once installed, behind documents.pdf_from_html)
    monkeypatch.setattr(documents, "pdf_available", lambda: True)
    monkeypatch.setattr(documents, "pdf_from_html", fake_renderer)
    client.force_login(people["mediator"])
    client.post(reverse("dispute_new"), dispute_body())
    case = Case.objects.get()
    page = client.get(reverse("receipt", args=[case.reference])).content.decode()
    code = CODE.search(page)[0]
    assert "下载 PDF" in page
    # when the PDF is asked for with the code on the page: the same receipt, as a PDF
    response = client.post(reverse("receipt", args=[case.reference]), {"code": code})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 receipt"
    assert code in rendered[0] and "<style>" in rendered[0] and "<link" not in rendered[0]
    # and with any other code: a 404, nothing rendered
    _other, other_code = dispute(people)
    for wrong in ("AAAA-BBBB-CCCC", other_code):
        assert client.post(reverse("receipt", args=[case.reference]), {"code": wrong}).status_code == 404
    assert len(rendered) == 1


def test_with_weasyprint_the_receipts_pdf_is_made_offline(client, people):
    pytest.importorskip("weasyprint")
    client.force_login(people["mediator"])
    client.post(reverse("dispute_new"), dispute_body())
    case = Case.objects.get()
    code = CODE.search(client.get(reverse("receipt", args=[case.reference])).content.decode())[0]
    response = client.post(reverse("receipt", args=[case.reference]), {"code": code})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{case.reference}.pdf"'


def test_without_a_pdf_renderer_the_receipt_offers_printing_only(client, people, monkeypatch):
    monkeypatch.setattr(documents, "_weasyprint", lambda: None)
    client.force_login(people["mediator"])
    client.post(reverse("dispute_new"), dispute_body())
    case = Case.objects.get()
    page = client.get(reverse("receipt", args=[case.reference])).content.decode()
    code = CODE.search(page)[0]
    assert "下载 PDF" not in page and "打印" in page
    assert client.post(reverse("receipt", args=[case.reference]), {"code": code}).status_code == 404


def test_a_receipt_is_for_who_may_see_the_case(client, people):
    case, _code = dispute(people)
    client.force_login(people["mediator_chengxi"])  # 海陵区: another unit
    assert client.get(reverse("receipt", args=[case.reference])).status_code == 404
    client.logout()
    response = client.get(reverse("receipt", args=[case.reference]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ---- what the party reads -------------------------------------------------------------------------------------


def test_the_public_status_shows_the_stage_its_dates_the_due_moment_and_the_public_notes_only(people, frozen):
    # given a dispute worked to its follow-up call, with minutes, decisions, an agreement, and a public note
    frozen("2026-11-02 09:00")
    case, code = dispute(people, applicant_id_number="11010519491231002X")
    frozen("2026-11-02 10:00")
    parties.public_note_add(
        reference=case.reference, user=people["mediator"], text="已约双方周四到社区面谈。"
    )
    frozen("2026-11-03 09:40")
    case = work_to(case, "follow_up", people)
    # when the party looks it up
    response = track(case.reference, code)
    # then the stage, when each began, the due moment and the note; nothing else
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == case.reference and body["kind"] == "dispute" and body["unit"] == "祥泰社区"
    assert (body["stage"], body["stage_label"]) == ("follow_up", "征求您的意见")
    assert [(entry["stage"], at(entry["since"])) for entry in body["stages"]] == [
        ("received", "2026-11-02 09:00"),
        ("in_progress", "2026-11-03 09:40"),
        ("consulting", "2026-11-03 09:40"),
        ("resolving", "2026-11-03 09:40"),
        ("follow_up", "2026-11-03 09:40"),
    ]
    assert at(body["since"]) == "2026-11-03 09:40" and at(body["registered_at"]) == "2026-11-02 09:00"
    # the whole case's month (人民调解), not the follow-up call's two working days the office works to
    assert at(body["due_at"]) == "2026-12-02 09:00"
    assert Case.objects.get(pk=case.pk).due_at < datetime(2026, 11, 10, tzinfo=CALENDAR_ZONE)
    assert [(at(note["at"]), note["text"]) for note in body["notes"]] == [
        ("2026-11-02 10:00", "已约双方周四到社区面谈。")
    ]
    assert (body["waiting_for_party"], body["referred_to"]) == (False, "")
    assert set(body) == {
        "reference", "kind", "unit", "stage", "stage_label", "since", "registered_at", "due_at",
        "waiting_for_party", "referred_to", "stages", "notes",
    }  # fmt: skip
    # and none of the parties' names, numbers, the minutes, decisions, agreement or the mediator
    page = track_page(case.reference, code).content.decode()
    mediator = people["mediator"]
    for secret in (
        "张三", "13812341234", "11010519491231002X", "双方陈述诉求", "物业限期整改", "双方达成调解协议",
        mediator.username, str(mediator), "楼上漏水",
    ):  # fmt: skip
        assert secret not in response.content.decode(), secret
        assert secret not in page, secret
    assert "征求您的意见" in page and "已约双方周四到社区面谈。" in page and "2026-11-02 09:00" in page


def test_the_public_status_in_english_and_the_stages_of_the_side_exits(people):
    referred, code = dispute(people)
    services.case_side_exit(
        reference=referred.reference,
        user=people["mediator"],
        action="refer",
        reason="属劳动争议，张三已知悉",
        to="泰兴市劳动人事争议仲裁委员会",
    )
    body = track(referred.reference, code, language="en").json()
    assert (body["stage"], body["stage_label"]) == ("referred", "Referred to another office")
    assert body["referred_to"] == "泰兴市劳动人事争议仲裁委员会" and body["due_at"] is None
    assert "张三" not in json.dumps(body, ensure_ascii=False)  # the reason is the office's, not the party's
    escalated, code = dispute(people)
    services.case_side_exit(
        reference=escalated.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    body = track(escalated.reference, code).json()
    assert (body["stage"], body["unit"]) == ("escalated", "济川街道")
    request, code = help_request(people, "claimed")
    body = track(request.reference, code, language="en").json()
    assert [entry["stage"] for entry in body["stages"]] == ["received", "in_progress"]
    assert body["stage_label"] == "Being handled" and body["kind"] == "help_request"
    assert "刘经理" not in json.dumps(body, ensure_ascii=False)


def test_the_tracking_page_needs_no_login_and_is_in_chinese_first(client, people):
    case, code = dispute(people, "triaged")
    form = client.get(reverse("track") + f"?reference={case.reference}")
    assert form.status_code == 200 and "Content-Security-Policy" in form
    assert f'value="{case.reference}"' in form.content.decode()
    assert "查询办理进度" in form.content.decode() and 'name="viewport"' in form.content.decode()
    page = track_page(case.reference, code, client)
    assert page.status_code == 200 and "正在办理" in visible_text(page.content.decode())


# ---- refusals: the same answer, nothing changed -----------------------------------------------------------------


def test_a_wrong_code_an_unknown_reference_and_another_cases_code_get_the_same_answer_by_the_same_path(
    people,
):
    (case, code), (other, other_code) = dispute(people), dispute(people)
    before = world()
    answers, queries = [], []
    for reference, typed in (
        (case.reference, "AAAA-BBBB-CCCC"),  # a wrong code
        ("TX-2026-999999", code),  # an unknown reference
        (case.reference, other_code),  # the code of another case
        (other.reference, code),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = track(reference, typed)
        answers.append((response.status_code, response.json()))
        queries.append(len(captured))
        page = track_page(reference, typed)
        assert page.status_code == 404 and NO_MATCH in page.content.decode()
    assert answers == [(404, {"error": {"code": "not_found", "message": NO_MATCH, "fields": {}}})] * 4
    assert len(set(queries)) == 1  # one read by reference, then the hash compared in constant time
    assert world() == before


def test_a_lookup_without_a_reference_or_code_is_a_400_that_says_which(people):
    before = world()
    response = post(api(), "/api/v1/track/", {"reference": "TX-2026-000001"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"code": ["请输入回执上的查询码。"]}
    too_long = post(api(), "/api/v1/track/", {"reference": "TX-" + "9" * 40, "code": "X"})
    assert too_long.status_code == 400 and "reference" in too_long.json()["error"]["fields"]
    page = Client().post(reverse("track"), {"code": "AAAA"})
    assert page.status_code == 400 and "请输入回执上的案件编号。" in page.content.decode()
    assert world() == before


def test_lookups_are_limited_per_address_page_and_api_together(people, settings, frozen):
    settings.TRACK_RATE = "3/min"
    frozen("2026-11-02 09:00:10")
    case, code = dispute(people)
    # three lookups from one address, by page and API alike
    assert track(case.reference, code).status_code == 200
    assert track_page(case.reference, "WRONG-CODE").status_code == 404
    assert track("TX-2026-999999", code).status_code == 404
    # the fourth is refused, even with the right code, with when to come back
    refused = track(case.reference, code)
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    assert refused.json()["error"]["code"] == "throttled"
    page = track_page(case.reference, code)
    assert page.status_code == 429 and "查询过于频繁" in page.content.decode() and page["Retry-After"] == "50"
    # another address is not held back
    assert track(case.reference, code, REMOTE_ADDR="10.1.2.3").status_code == 200
    # nor is a forged forwarding header an escape
    assert track(case.reference, code, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    # and the next minute counts afresh
    frozen("2026-11-02 09:01:00")
    assert track(case.reference, code).status_code == 200


def test_while_the_shared_cache_fails_lookups_are_counted_in_the_process(people, settings, caplog, frozen):
    from tests.live import redis_server

    settings.TRACK_RATE = "2/min"
    frozen("2026-11-02 09:00:10")  # the three lookups fall in one window of the rate
    case, code = dispute(people)
    with redis_server() as (url, stop, _start):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        stop()
        statuses = [track(case.reference, code).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "rate track: the shared cache fails; counting in this process meanwhile" in caplog.messages


# ---- the worker: a new code, public notes ------------------------------------------------------------------------


def test_a_new_code_replaces_the_old_cancels_its_unsent_receipt_and_is_audited(client, people, settings):
    settings.SMS_BACKEND = "cases.sms_backends.DatabaseBackend"
    case, old = dispute(people, "triaged")
    client.force_login(people["mediator"])
    # when the mediator issues a new code on the case page
    response = client.post(reverse("tracking_code_reissue", args=[case.reference]))
    assert response.status_code == 302 and response["Location"] == reverse("receipt", args=[case.reference])
    new = CODE.search(client.get(response["Location"]).content.decode())[0]
    # then only the new one works
    assert new != old
    assert track(case.reference, old).status_code == 404
    assert track(case.reference, new).status_code == 200
    # the receipt with the old code, not sent yet, is not sent; a receipt with the new one is queued
    receipts = SmsMessage.objects.filter(case=case, purpose=SmsPurpose.RECEIPT).order_by("pk")
    assert [(m.status, m.secret) for m in receipts] == [(SmsStatus.CANCELLED, ""), (SmsStatus.QUEUED, new)]
    # and the timeline says who did it, without the code
    entry = AuditEntry.objects.get(case=case, action=AuditAction.TRACKING_CODE_ISSUED)
    assert (entry.actor, entry.reason) == (people["mediator"], "")
    # the API does the same, answering the code once
    answer = post(api(people["supervisor_taixing"]), f"/api/v1/cases/{case.reference}/tracking-code/", {})
    assert answer.status_code == 200 and answer.json()["reference"] == case.reference
    assert CODE.fullmatch(answer.json()["tracking_code"])
    assert track(case.reference, new).status_code == 404
    assert track(case.reference, answer.json()["tracking_code"]).status_code == 200


def test_who_may_not_speak_for_the_case_gets_no_new_code_and_writes_no_note(client, people):
    case, code = help_request(people, "dispatched", specialties=["legal"])
    before, snapshot = world(), case_snapshot(case)
    # a lawyer sees the queued request (masked) but does not work it: 403; 海陵区's supervisor does not see it
    lawyer = api(people["lawyer"], language="en")
    refused = post(lawyer, f"/api/v1/cases/{case.reference}/tracking-code/", {})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "Only a worker or a supervisor of the case may issue a new tracking code."
    )
    note = post(lawyer, f"/api/v1/cases/{case.reference}/public-notes/", {"note": "进展"})
    assert note.status_code == 403
    hailing = api(people["supervisor_hailing"])
    assert post(hailing, f"/api/v1/cases/{case.reference}/tracking-code/", {}).status_code == 404
    assert post(hailing, f"/api/v1/cases/{case.reference}/public-notes/", {"note": "x"}).status_code == 404
    client.force_login(people["supervisor_hailing"])
    assert client.post(reverse("tracking_code_reissue", args=[case.reference])).status_code == 404
    assert client.post(reverse("public_note_add", args=[case.reference]), {"note": "x"}).status_code == 404
    client.force_login(people["lawyer"])
    page = client.post(reverse("public_note_add", args=[case.reference]), {"note": "进展"}, follow=True)
    assert "只有本案的工作人员或督导可以发布公开说明。" in page.content.decode()
    assert world() == before and case_snapshot(case) == snapshot
    assert track(case.reference, code).status_code == 200  # the code still works


def test_a_public_note_from_the_page_and_the_api_and_its_refusals(client, people):
    case, code = dispute(people, "consulting")
    client.force_login(people["mediator"])
    response = client.post(reverse("public_note_add", args=[case.reference]), {"note": "  已组织双方协商。 "})
    assert response.status_code == 302
    created = post(
        api(people["mediator"]), f"/api/v1/cases/{case.reference}/public-notes/", {"note": "下周回复"}
    )
    assert (
        created.status_code == 201
        and created.json()["text"] == "下周回复"
        and set(created.json()) == {"at", "text"}
    )
    notes = track(case.reference, code).json()["notes"]
    assert [note["text"] for note in notes] == ["已组织双方协商。", "下周回复"]
    entries = AuditEntry.objects.filter(case=case, action=AuditAction.PUBLIC_NOTE).order_by("pk")
    assert [(e.actor.username, e.reason) for e in entries] == [
        ("mediator", "已组织双方协商。"),
        ("mediator", "下周回复"),
    ]
    page = client.get(reverse("case", args=[case.reference])).content.decode()
    assert "已组织双方协商。" in page and "公开进展说明" in page
    # refused: empty, blank, too long; nothing written
    before = world()
    for text in ("", "   ", "长" * 1001):
        answer = post(
            api(people["mediator"]), f"/api/v1/cases/{case.reference}/public-notes/", {"note": text}
        )
        assert answer.status_code == 400 and "note" in answer.json()["error"]["fields"], text
        page = client.post(reverse("public_note_add", args=[case.reference]), {"note": text}, follow=True)
        assert page.status_code == 200
    assert world() == before


def test_the_parties_answers_are_what_the_schema_says(client, people, settings, frozen):
    from tests.test_api_schema import Answers

    frozen("2026-11-02 09:00:10")  # the two last lookups fall in one window of the rate
    answers = Answers(client)
    created = post(api(people["mediator"]), "/api/v1/disputes/", dispute_body())
    answers.check(created, "/api/v1/disputes/", "post")
    reference, code = created.json()["reference"], created.json()["tracking_code"]
    note = post(api(people["mediator"]), f"/api/v1/cases/{reference}/public-notes/", {"note": "已受理"})
    answers.check(note, "/api/v1/cases/{reference}/public-notes/", "post")
    new = post(api(people["mediator"]), f"/api/v1/cases/{reference}/tracking-code/", {})
    answers.check(new, "/api/v1/cases/{reference}/tracking-code/", "post")
    found = track(reference, new.json()["tracking_code"])
    assert answers.check(found, "/api/v1/track/", "post")["notes"][0]["text"] == "已受理"
    answers.check(track(reference, code), "/api/v1/track/", "post")  # the old code: 404
    answers.check(post(api(), "/api/v1/track/", {}), "/api/v1/track/", "post")  # 400
    settings.TRACK_RATE = "1/min"
    cache.clear()
    track(reference, code)
    answers.check(track(reference, code), "/api/v1/track/", "post")  # 429
    assert {status for _method, path, status in answers.checked if path == "/api/v1/track/"} == {
        200,
        400,
        404,
        429,
    }


def test_while_the_office_waits_for_a_party_the_status_says_the_clock_stands_still(people):
    case, code = dispute(people, "registered")
    triage = case_human_tasks_open(case=case).get()
    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待申请人补充房屋漏水照片")
    body = track(case.reference, code).json()
    assert body["waiting_for_party"] is True and body["stage"] == "received"
    page = track_page(case.reference, code).content.decode()
    assert "期间办理时限暂停计算" in page and "漏水照片" not in page  # the reason is the office's
    services.task_resume(task_id=triage.pk, user=people["mediator"])
    assert track(case.reference, code).json()["waiting_for_party"] is False

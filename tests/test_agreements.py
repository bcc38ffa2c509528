"""调解协议书: the resolution step records the agreement as structured data (page and API), the follow-up records
whether each term was performed, the documents come as Word and PDF with the numbers masked as the reader must
see them, and the 司法确认 reminder fires once on day 20 after signing (frozen clock; on PostgreSQL, two runner
processes)."""

import io
import re
import zlib
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document

from cases import documents
from cases.models import (
    AgreementParty,
    AgreementTerm,
    AuditEntry,
    Case,
    MediationAgreement,
    SmsMessage,
    Timer,
    TimerKind,
)
from cases.workdays import CALENDAR_ZONE
from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification
from tests.helpers import agreement_post, case_snapshot, open_task
from tests.test_api import api, post
from tests.test_timers import runner, wait_until
from workflow import services

ID_NUMBER = "321283199001011237"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


def resolving(people) -> Case:
    return dispute_to(
        "resolving",
        people,
        applicant_id_number=ID_NUMBER,
        respondent_name="李四",
        respondent_phone="13900001111",
    )


def agreement_body(**fields) -> dict:
    return {
        "facts": "楼上住户装修，噪音扰民。",
        "dispute": "施工时间与赔偿。",
        "terms": [
            {"content": "每日18:00后停止施工。", "method": "自行履行", "deadline": "2026-12-10"},
            {"content": "赔偿申请人500元。", "method": "现金当面支付", "deadline": "2026-12-15"},
        ],
        "respondent_id_number": "321283198502021236",
        "mediators": "王调解、刘调解",
        "committee": "祥泰社区人民调解委员会",
        "signed_on": "2026-12-03",
        "judicial_confirmation": True,
        "outcome": "调解成功",
        **fields,
    }


def agreement_rows(case: Case) -> dict:
    return {
        "agreement": list(MediationAgreement.objects.filter(case=case).values_list("facts", "signed_on")),
        "parties": list(
            AgreementParty.objects.filter(agreement__case=case).values_list("role", "name", "id_number")
        ),
        "terms": list(
            AgreementTerm.objects.filter(agreement__case=case).values_list(
                "number", "content", "method", "deadline", "performance", "performed_on", "performance_note"
            )
        ),
        "timers": list(Timer.objects.filter(agreement__case=case).values_list("kind", "due_at", "fired_at")),
    }


# ---- recording it ----------------------------------------------------------------------------------------


def test_the_api_records_the_agreement_as_structured_data_and_day_20_reminder(people, time_machine):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = resolving(people)
    task = open_task(case, "resolution")

    response = post(api(people["mediator"]), f"/api/v1/tasks/{task.pk}/complete/", agreement_body())

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.state == "follow_up"
    assert agreement_rows(case) == {
        "agreement": [("楼上住户装修，噪音扰民。", date(2026, 12, 3))],
        "parties": [("applicant", "张三", ID_NUMBER), ("respondent", "李四", "321283198502021236")],
        "terms": [
            (1, "每日18:00后停止施工。", "自行履行", date(2026, 12, 10), "", None, ""),
            (2, "赔偿申请人500元。", "现金当面支付", date(2026, 12, 15), "", None, ""),
        ],
        "timers": [("confirmation", at("2026-12-23 09:00"), None)],
    }
    agreement = MediationAgreement.objects.get(case=case)
    assert (agreement.mediators, agreement.committee, agreement.recorded_by) == (
        "王调解、刘调解",
        "祥泰社区人民调解委员会",
        people["mediator"],
    )
    assert case.dispute.agreement_text == (
        "1. 每日18:00后停止施工。（自行履行，2026-12-10前）\n2. 赔偿申请人500元。（现金当面支付，2026-12-15前）"
    )


def test_the_task_page_records_the_terms_typed_in_its_rows(client, people):
    case = resolving(people)
    client.force_login(people["mediator"])
    task = open_task(case, "resolution")
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert page.count('name="terms-content"') == 3  # three empty rows to type terms in
    data = agreement_post("限期维修")
    data["terms-content"] = ["限期维修", "", "赔偿300元"]
    data["terms-method"] = ["物业派员", "", "转账"]
    data["terms-deadline"] = ["2026-12-20", "", "2026-12-25"]

    response = client.post(reverse("task", args=[task.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert agreement_rows(case)["terms"] == [
        (1, "限期维修", "物业派员", date(2026, 12, 20), "", None, ""),
        (2, "赔偿300元", "转账", date(2026, 12, 25), "", None, ""),
    ]
    assert agreement_rows(case)["timers"] == []  # no 司法确认 wanted: no reminder


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"terms": []}, "terms", "请至少填写一项协议条款。"),
        (
            {"terms": [{"content": "赔偿", "method": "现金", "deadline": "十二月"}]},
            "terms",
            "第1项：请填写履行期限（YYYY-MM-DD）。",
        ),
        (
            {"terms": [{"content": "赔偿", "method": "", "deadline": "2026-12-10"}]},
            "terms",
            "第1项：请写明履行方式。",
        ),
        ({"terms": "赔偿500元"}, "terms", "此处请填写对象列表。"),
        (
            {"terms": [{"content": "条", "method": "付", "deadline": "2026-12-10"}] * 21},
            "terms",
            "最多20项。",
        ),
        ({"signed_on": "2026-12-04"}, "signed_on", "协议签订日期不能晚于今天。"),
        ({"respondent_id_number": "123"}, "respondent_id_number", None),
        ({"facts": ""}, "facts", None),
    ],
)
def test_a_refused_agreement_changes_nothing(people, time_machine, change, field, message):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = resolving(people)
    task = open_task(case, "resolution")
    before = (case_snapshot(case), agreement_rows(case))

    response = post(api(people["mediator"]), f"/api/v1/tasks/{task.pk}/complete/", agreement_body(**change))

    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [field]
    if message is not None:
        assert error["message"] == message
    assert (case_snapshot(case), agreement_rows(case)) == before


# ---- performance at the follow-up ------------------------------------------------------------------------


def follow_up_ready(people) -> Case:
    case = resolving(people)
    task = open_task(case, "resolution")
    assert (
        post(api(people["mediator"]), f"/api/v1/tasks/{task.pk}/complete/", agreement_body()).status_code
        == 200
    )
    return case


def test_the_follow_up_records_each_terms_performance(people, time_machine):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    task = open_task(case, "follow_up")
    body = {
        "answer": "basically_satisfied",
        "note": "赔偿尚欠200元",
        "performance": [
            {"term": 1, "status": "performed", "performed_on": "2026-12-03"},
            {"term": 2, "status": "partly", "remark": "已付300元"},
        ],
    }

    response = post(api(people["mediator"]), f"/api/v1/tasks/{task.pk}/complete/", body)

    assert response.status_code == 200, response.content
    assert [row[4:] for row in agreement_rows(case)["terms"]] == [
        ("performed", date(2026, 12, 3), ""),
        ("partly", None, "已付300元"),
    ]


@pytest.mark.parametrize(
    ("performance", "message"),
    [
        ([{"term": 3, "status": "performed"}], "请按编号逐项填写本案的协议条款，每项一次。"),
        (
            [{"term": 1, "status": "performed"}, {"term": 1, "status": "partly"}],
            "请按编号逐项填写本案的协议条款，每项一次。",
        ),
        ([{"term": 1, "status": "done"}], "第1项：请选择已履行、部分履行或未履行。"),
        ([{"term": 2, "status": "partly", "performed_on": "昨天"}], "第2项：日期格式为YYYY-MM-DD。"),
    ],
)
def test_a_refused_performance_changes_nothing(people, time_machine, performance, message):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    task = open_task(case, "follow_up")
    before = (case_snapshot(case), agreement_rows(case))

    response = post(
        api(people["mediator"]),
        f"/api/v1/tasks/{task.pk}/complete/",
        {"answer": "satisfied", "performance": performance},
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert (case_snapshot(case), agreement_rows(case)) == before


def test_the_follow_up_page_offers_a_row_per_term(client, people, time_machine):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    task = open_task(case, "follow_up")
    client.force_login(people["mediator"])
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert page.count('name="performance-status"') == 2
    assert "1. 每日18:00后停止施工。" in page

    response = client.post(
        reverse("task", args=[task.pk]),
        {
            "answer": "satisfied",
            "performance-term": ["1", "2"],
            "performance-status": ["performed", ""],
            "performance-performed_on": ["2026-12-03", ""],
            "performance-remark": ["", ""],
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert [row[4] for row in agreement_rows(case)["terms"]] == ["performed", ""]  # term 2 left unrecorded


# ---- the documents ---------------------------------------------------------------------------------------


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def test_the_word_file_has_a_copy_per_party_and_the_committee_with_numbers_as_the_reader_sees_them(
    client, people, time_machine
):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)

    client.force_login(people["mediator"])  # works the case: prints the copies the parties sign
    response = client.get(reverse("agreement_docx", args=[case.reference]))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == f'attachment; filename="agreement-{case.reference}.docx"'
    text = docx_text(response.content)
    assert text.count("人民调解协议书") == 3
    assert [line for line in text.split("\n") if line.startswith("编号")] == [
        f"编号：{case.reference}　　（申请人张三收执）",
        f"编号：{case.reference}　　（被申请人李四收执）",
        f"编号：{case.reference}　　（祥泰社区人民调解委员会存档）",
    ]
    assert text.count(f"申请人：张三　身份证号码：{ID_NUMBER}　联系电话：13812341234") == 3
    assert text.count("赔偿申请人500元。") == 3
    assert text.count("本协议一式3份") == 3
    assert text.count("（2027年1月2日前）共同向有管辖权的人民法院申请司法确认") == 3
    assert text.count("申请人（签名、按指印）：____________") == 6  # both parties, each copy

    # a supervisor of the case reads it masked
    client.force_login(people["supervisor_taixing"])
    text = docx_text(client.get(reverse("agreement_docx", args=[case.reference])).content)
    assert ID_NUMBER not in text and "13812341234" not in text
    assert text.count("申请人：张三　身份证号码：3212**********1237　联系电话：138****1234") == 3

    # a mediator of another unit does not see the case
    client.force_login(people["mediator_chengxi"])
    assert client.get(reverse("agreement_docx", args=[case.reference])).status_code == 404


def pdf_unicode_maps(content: bytes) -> str:
    """The PDF's streams, inflated, joined: the fonts' ToUnicode maps say which characters the text is."""
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            texts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(texts)


def test_the_pdf_is_chinese_text_in_noto_cjk_selectable_through_its_unicode_maps(
    client, people, time_machine
):
    pytest.importorskip("weasyprint")
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    client.force_login(people["mediator"])

    response = client.get(reverse("agreement_pdf", args=[case.reference]))

    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="agreement-{case.reference}.pdf"'
    streams = pdf_unicode_maps(response.content)
    assert b"NotoSerifCJK" in response.content or "NotoSerifCJK" in streams
    assert "beginbfchar" in streams or "beginbfrange" in streams
    for character in "调解协议书赔偿":
        assert f"<{ord(character):04x}>" in streams.lower(), character


def test_without_an_agreement_the_documents_are_404(client, people):
    case = resolving(people)
    client.force_login(people["mediator"])
    assert client.get(reverse("agreement_docx", args=[case.reference])).status_code == 404
    assert client.get(reverse("agreement_pdf", args=[case.reference])).status_code == 404


def test_the_case_page_shows_the_agreement_and_its_downloads(client, people, time_machine):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    client.force_login(people["mediator"])
    page = client.get(reverse("case", args=[case.reference])).content.decode()
    assert reverse("agreement_docx", args=[case.reference]) in page
    assert "赔偿申请人500元。" in page and "现金当面支付" in page


# ---- the documents in the API ----------------------------------------------------------------------------

# Each role asking the API for the agreement of a 祥泰社区 dispute: (status, the numbers in full?). The page
# answers each with the same status (the one rule: whoever sees the case, numbers as on the case).
API_ROLES = {
    "mediator": (200, True),  # works the case
    "admin": (200, True),
    "supervisor_taixing": (200, False),  # supervises it: reads it masked
    "supervisor": (200, False),  # the city's supervisor
    "mediator_chengxi": (404, None),  # another unit's mediator
    "supervisor_hailing": (404, None),  # another district's supervisor
    "liaison": (404, None),  # help requests only
    "lawyer": (404, None),  # a professional with no step of it
}


@pytest.mark.parametrize("role", API_ROLES)
def test_the_api_gives_the_agreement_as_word_and_pdf_to_whoever_sees_the_case(
    client, people, time_machine, role, monkeypatch
):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    status, in_full = API_ROLES[role]
    # the PDF's HTML instead of WeasyPrint's rendering of it (slow; the PDF test above renders for real)
    monkeypatch.setattr(documents, "pdf_from_html", lambda html: b"%PDF-1.7 " + html.encode())
    before = case_snapshot(case), AuditEntry.objects.count()

    word = api(people[role]).get(f"/api/v1/cases/{case.reference}/agreement.docx")
    pdf = api(people[role]).get(
        f"/api/v1/cases/{case.reference}/agreement.pdf", HTTP_ACCEPT="application/pdf"
    )

    assert (word.status_code, pdf.status_code) == (status, status)
    client.force_login(people[role])
    assert client.get(reverse("agreement_docx", args=[case.reference])).status_code == status
    assert (case_snapshot(case), AuditEntry.objects.count()) == before  # reading writes nothing
    if status == 404:
        for response in (word, pdf):
            assert response.json() == {
                "error": {"code": "not_found", "message": "未找到相关内容。", "fields": {}}
            }
            assert "张三" not in response.content.decode()
        return
    assert word["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert word["Content-Disposition"] == f'attachment; filename="agreement-{case.reference}.docx"'
    assert word["Cache-Control"] == "private, no-store"
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="agreement-{case.reference}.pdf"'
    text, html = docx_text(word.content), pdf.content.decode()
    assert text.count("人民调解协议书") == 3 and text.count("赔偿申请人500元。") == 3
    if in_full:
        assert text.count(f"申请人：张三　身份证号码：{ID_NUMBER}　联系电话：13812341234") == 3
        assert ID_NUMBER in html and "13812341234" in html
    else:
        assert ID_NUMBER not in text + html and "13812341234" not in text + html
        assert text.count("申请人：张三　身份证号码：3212**********1237　联系电话：138****1234") == 3
        assert "3212**********1237" in html and "138****1234" in html


def test_the_api_says_when_a_case_has_no_agreement_yet(people, monkeypatch):
    dispute = resolving(people)
    request = help_request_to("dispatched", people)
    monkeypatch.setattr(documents, "pdf_from_html", lambda html: b"%PDF-1.7")

    answers = [
        api(people["mediator"]).get(f"/api/v1/cases/{dispute.reference}/agreement.docx"),
        api(people["mediator"]).get(f"/api/v1/cases/{dispute.reference}/agreement.pdf"),
        api(people["liaison"]).get(f"/api/v1/cases/{request.reference}/agreement.pdf"),
        api(people["mediator"], language="en").get(f"/api/v1/cases/{dispute.reference}/agreement.docx"),
    ]

    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(404, "not_found")] * 4
    assert {r.json()["error"]["message"] for r in answers[:3]} == {"本案尚无人民调解协议书。"}
    assert answers[3].json()["error"]["message"] == "This case has no mediation agreement yet."


def test_without_a_pdf_renderer_the_api_says_so_and_the_word_file_still_comes(
    people, time_machine, monkeypatch
):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    monkeypatch.setattr(documents, "_weasyprint", lambda: None)

    pdf = api(people["mediator"], language="en").get(f"/api/v1/cases/{case.reference}/agreement.pdf")
    word = api(people["mediator"]).get(f"/api/v1/cases/{case.reference}/agreement.docx")

    assert pdf.status_code == 404
    assert pdf.json()["error"]["message"] == (
        "PDF documents cannot be made on this server; download the Word file instead."
    )
    assert word.status_code == 200


def test_the_api_refuses_an_anonymous_caller_and_a_write(people, time_machine):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    before = agreement_rows(case)

    anonymous = api().get(f"/api/v1/cases/{case.reference}/agreement.docx")
    written = post(api(people["mediator"]), f"/api/v1/cases/{case.reference}/agreement.docx", {})

    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_authenticated"
    assert written.status_code == 405
    assert agreement_rows(case) == before


# ---- the 司法确认 reminder -------------------------------------------------------------------------------


def heard(user) -> list[str]:
    with translation.override("zh-hans"):
        return [n.text for n in Notification.objects.filter(recipient=user, type="agreement.confirmation")]


def test_the_confirmation_reminder_fires_once_on_day_20_to_the_mediator_and_the_parties(people, time_machine):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    mediator = people["mediator"]

    time_machine.move_to(at("2026-12-23 08:59"), tick=False)
    assert services.confirmations_fire() == 0
    time_machine.move_to(at("2026-12-23 09:00"), tick=False)
    assert services.confirmations_fire() == 1
    assert services.confirmations_fire() == 0
    time_machine.move_to(at("2026-12-24 09:00"), tick=False)
    services.timers_run()

    assert heard(mediator) == [
        f"{case.reference}：2026-12-03签订的调解协议可于2027-01-02前申请法院司法确认，请提醒双方当事人共同申请"
    ]
    messages = SmsMessage.objects.filter(case=case, purpose="confirmation").order_by("pk")
    assert list(messages.values_list("phone", "body")) == [
        (
            phone,
            f"【同心助力】您的案件{case.reference}的调解协议已于2026-12-03签订。如需司法确认，请双方于2027-01-02前"
            "共同向人民法院申请。",
        )
        for phone in ("13812341234", "13900001111")
    ]
    assert AuditEntry.objects.filter(case=case, action="confirm_reminded").count() == 1
    assert agreement_rows(case)["timers"] == [
        ("confirmation", at("2026-12-23 09:00"), at("2026-12-23 09:00"))
    ]


def test_an_agreement_recorded_again_after_a_reopened_follow_up_replaces_its_reminder(people, time_machine):
    time_machine.move_to(at("2026-12-03 10:00"), tick=False)
    case = follow_up_ready(people)
    mediator = api(people["mediator"])
    post(mediator, f"/api/v1/tasks/{open_task(case, 'follow_up').pk}/complete/", {"answer": "dissatisfied"})
    consult = {
        "minutes": "再议",
        "decisions": "补充协议",
        "scheduled_at": "2026-12-04T10:00",
        "place": "议事厅",
    }
    post(mediator, f"/api/v1/tasks/{open_task(case, 'consult').pk}/complete/", consult)

    time_machine.move_to(at("2026-12-05 10:00"), tick=False)
    body = agreement_body(signed_on="2026-12-05", terms=[agreement_body()["terms"][0]])
    assert (
        post(mediator, f"/api/v1/tasks/{open_task(case, 'resolution').pk}/complete/", body).status_code == 200
    )

    rows = agreement_rows(case)
    assert [row[:2] for row in rows["terms"]] == [(1, "每日18:00后停止施工。")]
    assert rows["timers"] == [("confirmation", at("2026-12-25 09:00"), None)]


def test_an_agreement_recorded_after_its_day_20_reminds_at_once_and_after_its_30_days_never(
    people, time_machine
):
    time_machine.move_to(at("2026-12-30 10:00"), tick=False)
    case = resolving(people)
    body = agreement_body(signed_on="2026-12-05")
    post(api(people["mediator"]), f"/api/v1/tasks/{open_task(case, 'resolution').pk}/complete/", body)
    assert agreement_rows(case)["timers"] == [("confirmation", timezone.now(), None)]

    late = resolving(people)
    body = agreement_body(signed_on="2026-11-20")
    post(api(people["mediator"]), f"/api/v1/tasks/{open_task(late, 'resolution').pk}/complete/", body)
    assert agreement_rows(late)["timers"] == []


@pytest.mark.django_db(transaction=True)
def test_two_runner_processes_send_each_confirmation_reminder_once(postgres_only, committed_people):
    # given 30 agreements whose parties want 司法确认, their reminders due
    cases = [dispute_to("follow_up", committed_people, respondent_name="李四") for _ in range(30)]
    Timer.objects.filter(kind=TimerKind.CONFIRMATION).update(
        due_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    assert Timer.objects.filter(kind=TimerKind.CONFIRMATION, fired_at__isnull=True).count() == 30

    # when two runners pass at once
    first, second = runner("--batch", "5"), runner("--batch", "5")
    try:
        wait_until(
            lambda: not Timer.objects.filter(kind=TimerKind.CONFIRMATION, fired_at__isnull=True).exists(),
            60,
            "reminders left unfired",
        )
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(timeout=30)

    # then each agreement's reminder went out once: one audit row, one SMS per party, one notification
    for case in cases:
        assert AuditEntry.objects.filter(case=case, action="confirm_reminded").count() == 1
        assert SmsMessage.objects.filter(case=case, purpose="confirmation").count() == 1  # 李四 has no mobile
    assert Notification.objects.filter(type="agreement.confirmation").count() == 30

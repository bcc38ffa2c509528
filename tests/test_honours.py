"""考核表彰 beyond points: nominations decided one level up and the honour roll (page and PDF), the 六个一 targets,
progress and activity log with photos, the 五强 / 六好 sheets (scoring, history, PDF) and who sees what: driven
through the real pages as each role, every refusal with nothing changed."""

import io
import json
import re
import zlib
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from cases.models import Unit
from demo.lifecycles import help_request_to
from honours.models import (
    Activity,
    ActivityPhoto,
    AnnualTarget,
    AssessmentSheet,
    CriterionWeight,
    Grade,
    HonourAction,
    HonourAuditEntry,
    Nomination,
    NominationState,
    grade_for,
)
from honours.selectors.evidence import unit_figures
from honours.services import weighted_total
from notifications.models import Notification
from tests.helpers import visible_text
from tests.test_api_schema import Answers, api_client

YEAR = 2026
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(YEAR, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def evidence(settings, tmp_path) -> Path:
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


def stored(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def page(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (183, 28, 28)).save(buffer, "PNG")
    return buffer.getvalue()


def honours_state() -> tuple:
    """What a refusal leaves as it was."""
    return (
        list(Nomination.objects.values_list("pk", "state", "decided_by", "decision_reason").order_by("pk")),
        list(AnnualTarget.objects.values_list("unit", "year", "task", "target").order_by("pk")),
        Activity.objects.count(),
        ActivityPhoto.objects.count(),
        AssessmentSheet.objects.count(),
        HonourAuditEntry.objects.count(),
        Notification.objects.count(),
    )


def nominate(user, person, **fields):
    body = {
        "person": person.pk,
        "kind": "pioneer",
        "year": YEAR,
        "citation": "全年按时办结，企业满意。",
        **fields,
    }
    return page(user).post("/honours/nominate/", body)


def pdf_fonts(pdf: bytes) -> tuple[set[str], int]:
    """The fonts a PDF embeds and how many of them map back to text (``ToUnicode``: the text is selectable)."""
    inflated = b"".join(
        zlib.decompress(stream)
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
        if stream[:1] == b"x"
    )
    names = {
        name.decode().split("+")[-1] for name in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", inflated)
    }
    return names, inflated.count(b"/ToUnicode")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---- nominations -----------------------------------------------------------------------------------------


def test_a_supervisor_nominates_and_the_supervisor_one_level_up_approves_onto_the_roll(people):
    lawyer, taixing, city = people["lawyer"], people["supervisor_taixing"], people["supervisor"]
    form = page(taixing).get(f"/honours/nominate/?person={lawyer.pk}")
    assert form.status_code == 200
    assert form.context["form"].initial == {"person": lawyer.pk}

    response = nominate(taixing, lawyer)
    nomination = Nomination.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/honours/nominations/{nomination.pk}/"
    assert (nomination.unit.name, nomination.nominating_unit.name, nomination.state) == (
        "三师服务分团",
        "泰兴市",
        NominationState.PENDING,
    )
    assert list(Notification.objects.values_list("recipient__username", "type")) == [
        ("supervisor", "nomination.submitted")
    ]
    # the nominator may not decide it; the supervisor one level up may
    own = page(taixing).post(f"/honours/nominations/{nomination.pk}/decide/", {"decision": "approve"})
    assert own.status_code == 403
    decided = page(city).post(f"/honours/nominations/{nomination.pk}/decide/", {"decision": "approve"})
    assert decided.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.state, nomination.decided_by) == (NominationState.APPROVED, city)
    approved = Notification.objects.filter(type="nomination.approved").order_by("recipient__username")
    with translation.override("zh-hans"):
        texts = [(n.recipient.username, n.text, n.url) for n in approved]
    assert texts == [
        (
            "lawyer",
            f"周律师被评为三师先锋（{YEAR}年度，钱部长批准）",
            f"/honours/nominations/{nomination.pk}/",
        ),
        (
            "supervisor_taixing",
            f"周律师被评为三师先锋（{YEAR}年度，钱部长批准）",
            f"/honours/nominations/{nomination.pk}/",
        ),
    ]
    assert list(HonourAuditEntry.objects.values_list("actor__username", "action", "target_id")) == [
        ("supervisor_taixing", HonourAction.NOMINATED, nomination.pk),
        ("supervisor", HonourAction.APPROVED, nomination.pk),
    ]
    roll = page(people["lawyer"]).get(f"/honours/roll/?year={YEAR}")
    assert (
        "周律师" in visible_text(roll.content.decode())
        and "全年按时办结，企业满意。" in roll.content.decode()
    )


def test_a_refusal_needs_a_reason_and_tells_the_nominator_only(people):
    lawyer, taixing, city = people["lawyer"], people["supervisor_taixing"], people["supervisor"]
    nominate(taixing, lawyer)
    nomination = Nomination.objects.get()
    before = honours_state()
    no_reason = page(city).post(f"/honours/nominations/{nomination.pk}/decide/", {"decision": "refuse"})
    assert no_reason.status_code == 400
    assert no_reason.context["decision_form"].errors == {"reason": ["Give the reason for refusing."]}
    assert honours_state() == before
    refused = page(city).post(
        f"/honours/nominations/{nomination.pk}/decide/", {"decision": "refuse", "reason": "材料不足"}
    )
    assert refused.status_code == 302
    assert list(
        Notification.objects.filter(type="nomination.refused").values_list("recipient__username", flat=True)
    ) == ["supervisor_taixing"]
    # decided once: a second decision is a 409 and changes nothing
    before = honours_state()
    again = page(city).post(f"/honours/nominations/{nomination.pk}/decide/", {"decision": "approve"})
    assert again.status_code == 409
    assert messages_of(again) == ["This nomination was decided already."]
    assert honours_state() == before
    # refused: the person may be nominated again
    assert nominate(taixing, lawyer).status_code == 302


def test_nominations_refused_change_nothing(people):
    taixing, hailing, lawyer = people["supervisor_taixing"], people["supervisor_hailing"], people["lawyer"]
    before = honours_state()
    # someone outside the subtree (海陵区's supervisor and a 泰兴 lawyer): not a choice
    outside = nominate(hailing, lawyer)
    assert outside.status_code == 400
    assert list(outside.context["form"].errors) == ["person"]
    # a person who is not a supervisor has no nomination form
    assert page(people["mediator"]).get("/honours/nominate/").status_code == 404
    assert nominate(people["mediator"], lawyer).status_code == 404
    # a year out of range, an empty citation, the supervisor themselves
    assert nominate(taixing, lawyer, year=1999).status_code == 400
    assert nominate(taixing, lawyer, year=YEAR + 2).status_code == 400
    assert nominate(taixing, lawyer, citation="   ").status_code == 400
    assert nominate(taixing, taixing).status_code == 400
    # ?person= of someone outside is simply not preselected
    form = page(hailing).get(f"/honours/nominate/?person={lawyer.pk}")
    assert form.status_code == 200 and form.context["form"].initial == {}
    assert page(hailing).get("/honours/nominate/?person=x1").context["form"].initial == {}
    assert honours_state() == before
    # twice the same honour and year: 409
    nominate(taixing, lawyer)
    before = honours_state()
    twice = nominate(people["supervisor"], lawyer)
    assert twice.status_code == 409
    assert messages_of(twice) == ["This person is already nominated for this honour this year."]
    assert honours_state() == before


def test_a_nomination_is_seen_only_in_its_line_and_decided_only_one_level_up(people):
    taixing, hailing, city = people["supervisor_taixing"], people["supervisor_hailing"], people["supervisor"]
    nominate(taixing, people["lawyer"])
    nomination = Nomination.objects.get()
    url = f"/honours/nominations/{nomination.pk}/"
    before = honours_state()
    assert page(hailing).get(url).status_code == 404
    assert page(hailing).post(url + "decide/", {"decision": "approve"}).status_code == 404
    assert page(people["mediator_chengxi"]).get(url).status_code == 404
    assert page(people["lawyer2"]).get(url).status_code == 404
    assert page(people["lawyer"]).get(url).status_code == 404  # the nominee, while it is pending
    assert page(people["lawyer"]).post(url + "decide/", {"decision": "approve"}).status_code == 404
    assert page(people["admin"]).get(url).status_code == 200
    assert honours_state() == before
    assert page(city).get(url).context["decision_form"] is not None
    assert page(taixing).get(url).context["decision_form"] is None
    page(city).post(url + "decide/", {"decision": "approve"})
    assert page(people["lawyer"]).get(url).status_code == 200  # the nominee, once approved
    assert page(people["lawyer"]).get(url).context["decision_form"] is None


def test_a_nomination_at_the_top_is_decided_by_an_administrator(people):
    city = people["supervisor"]
    nominate(city, people["mediator"])
    nomination = Nomination.objects.get()
    assert list(
        Notification.objects.filter(type="nomination.submitted").values_list("recipient__username", flat=True)
    ) == ["admin"]
    before = honours_state()
    assert (
        page(city).post(f"/honours/nominations/{nomination.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    assert honours_state() == before
    decided = page(people["admin"]).post(
        f"/honours/nominations/{nomination.pk}/decide/", {"decision": "approve"}
    )
    assert decided.status_code == 302


def test_the_honour_roll_shows_each_scope_only_and_prints_as_pdf(people):
    taixing, hailing, city = people["supervisor_taixing"], people["supervisor_hailing"], people["supervisor"]
    nominate(taixing, people["lawyer"], citation="泰兴的先锋")
    nominate(hailing, people["mediator_chengxi"], citation="海陵的表彰", kind="commendation")
    for nomination in Nomination.objects.all():
        page(city).post(f"/honours/nominations/{nomination.pk}/decide/", {"decision": "approve"})

    def roll(user) -> str:
        return visible_text(page(user).get(f"/honours/roll/?year={YEAR}").content.decode())

    assert "泰兴的先锋" in roll(city) and "海陵的表彰" in roll(city)
    assert "泰兴的先锋" not in roll(hailing) and "海陵的表彰" in roll(hailing)
    assert "泰兴的先锋" in roll(taixing) and "海陵的表彰" not in roll(taixing)
    assert "泰兴的先锋" in roll(people["lawyer2"])  # the same unit
    assert "泰兴的先锋" not in roll(people["mediator"]) and "海陵的表彰" not in roll(people["mediator"])
    assert "泰兴的先锋" not in page(city).get(f"/honours/roll/?year={YEAR - 1}").content.decode()
    pdf = page(hailing).get(f"/honours/roll/{YEAR}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    fonts, mapped = pdf_fonts(pdf.content)
    assert "Noto-Sans-CJK-SC" in fonts and mapped == len(fonts)  # Chinese text, selectable
    assert page(hailing).get("/honours/roll/99999999999/pdf/").status_code == 404


# ---- 六个一 annual tasks ---------------------------------------------------------------------------------

TARGETS = {"visit": "1", "problems": "2", "proxy": "1", "knowledge": "2", "pioneers": "1", "brands": ""}


def test_targets_set_by_the_supervisor_and_progress_counted_from_the_data_and_the_log(people, evidence):
    team = unit("三师服务分团")
    taixing = people["supervisor_taixing"]
    set_targets = page(taixing).post(f"/honours/tasks/{team.pk}/targets/?year={YEAR}", TARGETS)
    assert set_targets.status_code == 302
    assert dict(AnnualTarget.objects.filter(unit=team, year=YEAR).values_list("task", "target")) == {
        "visit": 1,
        "problems": 2,
        "proxy": 1,
        "knowledge": 2,
        "pioneers": 1,
    }
    help_request_to("closed", people)  # the tax advisor of the team solves it, with a proxy service
    logged = page(people["liaison"]).post(
        f"/honours/tasks/{team.pk}/activities/",
        {
            "task": "visit",
            "held_on": "2026-06-10",
            "place": "泰兴城区工业园区",
            "topic": "三师入园服务日",
            "people_reached": "45",
            "photos": [SimpleUploadedFile("现场.png", png(), "image/png")],
        },
    )
    assert logged.status_code == 302, logged.content
    activity = Activity.objects.get()
    photo = activity.photos.get()
    assert (photo.name, photo.content_type, len(stored(evidence))) == ("现场.png", "image/png", 1)
    progress = {
        row.task.value: (row.target, row.done, row.met)
        for row in page(taixing).get(f"/honours/tasks/{team.pk}/?year={YEAR}").context["progress"]
    }
    assert progress == {
        "visit": (1, 1, True),
        "problems": (2, 1, False),
        "proxy": (1, 1, True),
        "knowledge": (2, 0, False),
        "pioneers": (1, 0, False),
        "brands": (None, 0, False),
    }
    download = page(taixing).get(f"/honours/photos/{photo.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == png()
    assert page(people["supervisor_hailing"]).get(f"/honours/photos/{photo.pk}/").status_code == 404
    assert page(people["lawyer"]).get(f"/honours/tasks/{team.pk}/").status_code == 200  # a member sees it
    assert page(people["supervisor_hailing"]).get(f"/honours/tasks/{team.pk}/").status_code == 404
    listed = page(people["supervisor"]).get(f"/honours/tasks/?year={YEAR}")
    assert [row[0].name for row in listed.context["rows"]] == ["三师服务分团", "祥泰社区", "成蹊新联之家"]
    hailing_list = page(people["supervisor_hailing"]).get(f"/honours/tasks/?year={YEAR}")
    assert [row[0].name for row in hailing_list.context["rows"]] == ["成蹊新联之家"]


def test_targets_and_activities_refused_change_nothing(people, evidence):
    team = unit("三师服务分团")
    before = honours_state()
    # a liaison officer logs, but sets no targets; a member of the team neither
    assert page(people["liaison"]).post(f"/honours/tasks/{team.pk}/targets/", TARGETS).status_code == 403
    assert page(people["lawyer"]).post(f"/honours/tasks/{team.pk}/targets/", TARGETS).status_code == 403
    # another district's supervisor does not see the team at all
    assert (
        page(people["supervisor_hailing"]).post(f"/honours/tasks/{team.pk}/targets/", TARGETS).status_code
        == 404
    )
    bad = page(people["supervisor_taixing"]).post(f"/honours/tasks/{team.pk}/targets/", {"visit": "-1"})
    assert bad.status_code == 400
    activity = {
        "task": "knowledge",
        "held_on": "2026-06-10",
        "place": "工作站",
        "topic": "普法",
        "people_reached": "3",
    }
    assert page(people["lawyer"]).post(f"/honours/tasks/{team.pk}/activities/", activity).status_code == 403
    assert (
        page(people["mediator_chengxi"]).post(f"/honours/tasks/{team.pk}/activities/", activity).status_code
        == 404
    )
    future = page(people["liaison"]).post(
        f"/honours/tasks/{team.pk}/activities/", {**activity, "held_on": "2026-06-16"}
    )
    assert future.status_code == 400
    assert future.context["activity_form"].errors == {
        "held_on": ["An activity is logged once it took place: the date may not be in the future."]
    }
    script = page(people["liaison"]).post(
        f"/honours/tasks/{team.pk}/activities/",
        {**activity, "photos": [SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")]},
    )
    assert script.status_code == 400
    assert (
        page(people["liaison"])
        .post(f"/honours/tasks/{team.pk}/activities/", {**activity, "people_reached": "-3"})
        .status_code
        == 400
    )
    # a unit that has no annual tasks (a 工作室)
    studio = unit("e呼百应工作室")
    assert page(people["supervisor"]).get(f"/honours/tasks/{studio.pk}/").status_code == 404
    assert honours_state() == before
    assert stored(evidence) == []


# ---- 五强 / 六好 assessment ------------------------------------------------------------------------------

FIVE = {"score_political": "95", "score_development": "90", "score_cohesion": "80", "score_example": "70"}
FIVE |= {"score_influence": "85", "note_political": "学习教育经常", "note": "组织健全"}


def test_grades_and_the_weighted_total():
    assert weighted_total([(25, 95), (20, 90), (20, 80), (15, 70), (20, 85)]) == Decimal("85.25")
    assert [grade_for(Decimal(v)) for v in ("90", "89.99", "75", "74.99", "60", "59.99")] == [
        Grade.EXCELLENT,
        Grade.GOOD,
        Grade.GOOD,
        Grade.PASS,
        Grade.PASS,
        Grade.FAIL,
    ]


def test_a_supervisor_scores_a_sheet_with_its_evidence_and_each_sheet_stays_in_the_history(people):
    xiangtai = unit("祥泰社区")
    taixing = people["supervisor_taixing"]
    help_request = help_request_to("closed", people)  # not the community's: no evidence for it
    assert help_request.unit.name == "泰兴城区工业园区三师助企工作站"
    sheet_page = page(taixing).get(f"/honours/assessments/{xiangtai.pk}/?year={YEAR}")
    assert [(row["label"], row["weight"]) for row in sheet_page.context["rows"]] == [
        ("Strong political leadership (政治引领力强)", 25),
        ("Strong service to development (服务发展力强)", 20),
        ("Strong cohesion (组织凝聚力强)", 20),
        ("Strong example to others (示范带动力强)", 15),
        ("Strong social influence (社会影响力强)", 20),
    ]
    assert sheet_page.context["rows"][1]["evidence"] == [("Cases closed", "0"), ("Proxy services done", "0")]
    submitted = page(taixing).post(f"/honours/assessments/{xiangtai.pk}/?year={YEAR}", FIVE)
    sheet = AssessmentSheet.objects.get()
    assert submitted.status_code == 302 and submitted["Location"] == f"/honours/sheets/{sheet.pk}/"
    assert (sheet.total, sheet.grade, sheet.scheme, sheet.year) == (
        Decimal("85.25"),
        "good",
        "five_strong",
        YEAR,
    )
    assert list(sheet.rows.values_list("criterion", "weight", "score", "note")) == [
        ("political", 25, 95, "学习教育经常"),
        ("development", 20, 90, ""),
        ("cohesion", 20, 80, ""),
        ("example", 15, 70, ""),
        ("influence", 20, 85, ""),
    ]
    assert sheet.rows.get(criterion="cohesion").evidence == {
        "activities": "0",
        "people_reached": "0",
        "members": "2",
    }
    # a new weight applies to new sheets; the submitted one keeps its own
    CriterionWeight.objects.update_or_create(criterion="political", defaults={"weight": 40})
    page(taixing).post(f"/honours/assessments/{xiangtai.pk}/?year={YEAR}", {**FIVE, "score_political": "100"})
    latest = AssessmentSheet.objects.order_by("-pk").first()
    assert latest is not None and (latest.total, latest.grade) == (Decimal("88.26"), "good")
    history = page(people["mediator"]).get(f"/honours/assessments/{xiangtai.pk}/")
    assert [s.pk for s in history.context["sheets"]] == [latest.pk, sheet.pk]
    assert history.context["form"] is None  # the unit sees its sheets but does not grade itself
    shown = page(people["mediator"], "zh-hans").get(f"/honours/sheets/{sheet.pk}/")
    text = visible_text(shown.content.decode())
    assert "85.25" in text and "良好" in text and "政治引领力强" in text
    pdf = page(taixing).get(f"/honours/sheets/{sheet.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    fonts, mapped = pdf_fonts(pdf.content)
    assert "Noto-Sans-CJK-SC" in fonts and mapped == len(fonts)


def test_a_unit_never_sees_another_units_sheet_unless_it_supervises_it(people):
    xiangtai, chengxi = unit("祥泰社区"), unit("成蹊新联之家")
    page(people["supervisor_taixing"]).post(f"/honours/assessments/{xiangtai.pk}/?year={YEAR}", FIVE)
    sheet = AssessmentSheet.objects.get()
    for outsider in ("mediator_chengxi", "supervisor_hailing", "lawyer", "liaison", "mediator_street"):
        client = page(people[outsider])
        assert client.get(f"/honours/sheets/{sheet.pk}/").status_code == 404, outsider
        assert client.get(f"/honours/sheets/{sheet.pk}/pdf/").status_code == 404, outsider
        assert client.get(f"/honours/assessments/{xiangtai.pk}/").status_code == 404, outsider
    for insider in ("mediator", "mediator2", "supervisor_taixing", "supervisor", "admin"):
        assert page(people[insider]).get(f"/honours/sheets/{sheet.pk}/").status_code == 200, insider
    listed = page(people["mediator_chengxi"]).get("/honours/assessments/")
    assert [row[0] for row in listed.context["rows"]] == [chengxi]
    listed = page(people["supervisor_hailing"]).get("/honours/assessments/")
    assert [row[0].name for row in listed.context["rows"]] == ["成蹊新联之家", "e呼百应工作室"]


def test_sheets_refused_change_nothing(people):
    xiangtai = unit("祥泰社区")
    url = f"/honours/assessments/{xiangtai.pk}/?year={YEAR}"
    before = honours_state()
    assert page(people["mediator"]).post(url, FIVE).status_code == 403  # the unit itself
    assert page(people["supervisor_hailing"]).post(url, FIVE).status_code == 404
    too_high = page(people["supervisor_taixing"]).post(url, {**FIVE, "score_example": "101"})
    assert too_high.status_code == 400
    assert too_high.context["form"].errors == {
        "score_example": ["Ensure this value is less than or equal to 100."]
    }
    missing = dict(FIVE)
    del missing["score_influence"]
    assert page(people["supervisor_taixing"]).post(url, missing).status_code == 400
    old = page(people["supervisor_taixing"]).post(f"/honours/assessments/{xiangtai.pk}/?year=2019", FIVE)
    assert old.status_code == 400
    assert messages_of(old) == ["Choose a year from 2020 to next year."]
    assert page(people["supervisor_taixing"]).post(url.replace("2026", "x"), FIVE).status_code == 400
    team = unit("三师服务分团")  # a service team is not graded
    assert page(people["supervisor"]).get(f"/honours/assessments/{team.pk}/").status_code == 404
    assert page(people["supervisor"]).post(f"/honours/assessments/{team.pk}/", FIVE).status_code == 404
    assert honours_state() == before


def test_figures_count_the_units_cases_and_its_members_work(people):
    team = unit("三师服务分团")
    help_request_to("closed", people)
    figures = unit_figures(team, YEAR)
    assert figures == {
        "cases_closed": 1,
        "satisfaction": Decimal("5.00"),
        "satisfied_rate": Decimal("100.0"),
        "proxy_services": 1,
        "visits": 0,
        "knowledge_sessions": 0,
        "brands": 0,
        "activities": 0,
        "people_reached": 0,
        "pioneers": 0,
        "members": 4,
        "tasks_met": 0,
    }
    assert unit_figures(team, YEAR - 1)["cases_closed"] == 0


def test_pages_are_in_chinese_by_default(people):
    response = page(people["supervisor_taixing"], "zh-hans").get("/honours/")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "三师先锋与表彰" in text and "光荣榜" in text


# ---- the API ---------------------------------------------------------------------------------------------


def api_post(user, url: str, data: dict):
    return api_client(user).post(
        url, json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_the_api_nominates_decides_and_reads_as_the_schema_says(client, people):
    answers = Answers(client)
    taixing, city, lawyer = people["supervisor_taixing"], people["supervisor"], people["lawyer"]
    collection = "/api/v1/honours/nominations/"
    decide = "/api/v1/honours/nominations/{nomination_id}/decide/"
    body = {"person": lawyer.pk, "kind": "pioneer", "year": YEAR, "citation": "全年按时办结"}
    created = answers.check(api_post(taixing, collection, body), collection, "post")
    assert (created["person"]["username"], created["state"], created["nominating_unit"]["name"]) == (
        "lawyer",
        "pending",
        "泰兴市",
    )
    before = honours_state()
    for user, data, status in (
        (taixing, body, 409),  # twice
        (people["supervisor_hailing"], body, 400),  # outside the subtree
        (taixing, {**body, "person": "١"}, 400),
        (taixing, {**body, "year": "²"}, 400),
        (taixing, {**body, "citation": "a\x00b"}, 400),
        (taixing, {**body, "citation": {"a": 1}}, 400),
        (people["mediator"], body, 404),
    ):
        refused = api_post(user, collection, data)
        assert refused.status_code == status, (data, refused.content)
        answers.check(refused, collection, "post")
    url = f"/api/v1/honours/nominations/{created['id']}/decide/"
    assert (
        answers.check(api_post(taixing, url, {"decision": "approve"}), decide, "post")["error"]["code"]
        == "forbidden"
    )
    assert api_post(people["supervisor_hailing"], url, {"decision": "approve"}).status_code == 404
    assert api_post(city, url, {"decision": "refuse"}).status_code == 400
    assert api_post(city, url, {"decision": "maybe"}).status_code == 400
    assert honours_state() == before
    decided = answers.check(api_post(city, url, {"decision": "approve"}), decide, "post")
    assert (decided["state"], decided["decided_by"]) == ("approved", "supervisor")
    listed = answers.check(api_client(lawyer).get(collection), collection)
    assert [row["id"] for row in listed["results"]] == [created["id"]]
    roll = answers.check(
        api_client(people["supervisor_hailing"]).get("/api/v1/honours/roll/?year=2026"),
        "/api/v1/honours/roll/",
    )
    assert roll == {"year": YEAR, "results": []}
    roll = answers.check(api_client(taixing).get("/api/v1/honours/roll/"), "/api/v1/honours/roll/")
    assert [row["person"]["username"] for row in roll["results"]] == ["lawyer"]
    assert api_client(taixing).get("/api/v1/honours/roll/?year=1999").status_code == 400
    assert api_client(taixing).get("/api/v1/honours/roll/?year=٢٠٢٦").status_code == 400


def test_the_api_gives_a_units_tasks_and_sheets_to_who_sees_them_only(client, people):
    answers = Answers(client)
    team, xiangtai = unit("三师服务分团"), unit("祥泰社区")
    page(people["supervisor_taixing"]).post(f"/honours/tasks/{team.pk}/targets/?year={YEAR}", TARGETS)
    page(people["supervisor_taixing"]).post(f"/honours/assessments/{xiangtai.pk}/?year={YEAR}", FIVE)
    sheet = AssessmentSheet.objects.get()
    tasks_path = "/api/v1/honours/units/{unit_id}/tasks/"
    tasks = answers.check(
        api_client(people["liaison"]).get(f"/api/v1/honours/units/{team.pk}/tasks/"), tasks_path
    )
    assert [(row["task"], row["target"], row["done"]) for row in tasks["tasks"]] == [
        ("visit", 1, 0),
        ("problems", 2, 0),
        ("proxy", 1, 0),
        ("knowledge", 2, 0),
        ("pioneers", 1, 0),
        ("brands", None, 0),
    ]
    assert (
        api_client(people["supervisor_hailing"]).get(f"/api/v1/honours/units/{team.pk}/tasks/").status_code
        == 404
    )
    sheet_path = "/api/v1/honours/sheets/{sheet_id}/"
    shown = answers.check(
        api_client(people["mediator"]).get(f"/api/v1/honours/sheets/{sheet.pk}/"), sheet_path
    )
    assert (shown["total"], shown["grade"], len(shown["rows"])) == ("85.25", "good", 5)
    for outsider in ("mediator_chengxi", "supervisor_hailing", "lawyer"):
        refused = api_client(people[outsider]).get(f"/api/v1/honours/sheets/{sheet.pk}/")
        assert refused.status_code == 404
        answers.check(refused, sheet_path)

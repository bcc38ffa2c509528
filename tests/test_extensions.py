"""Extension requests (延期申请): the holder of a step asks before its due moment, with a reason and a new due
moment; a supervisor of the case's unit approves or refuses with a reason; at most two per step, one awaiting a
decision at a time; the decision is on the timeline and notified, and an approval gives the step its new due
moment, a fresh yellow moment and fresh reminders. Services, the task and case pages, the API, each refusal with
a check that nothing changed, and two supervisors deciding at once on PostgreSQL. Time is frozen (time-machine).

The dispute of most tests is registered on Monday 2 November 2026 at 09:00: its triage (研判) is due a working day
later, Tuesday 09:00, and yellow at 16:07:30 on Monday (75 % of 7.5 working hours)."""

import html
import json

import pytest
from django.urls import reverse
from django.utils import translation

from cases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import AuditEntry, Case, Clock, ExtensionRequest
from demo.lifecycles import dispute_to
from notifications.models import Notification
from tests.helpers import audit_trail, open_task, open_tasks, visible_text
from tests.test_api_schema import Answers
from tests.test_clocks import api_client, at, clock_of, clock_state, complete, local, post, timers
from tests.test_concurrency import race
from workflow import services

REASON = "申请人出差，周四方能到场调查"


@pytest.fixture
def frozen(time_machine):
    """Freeze time at a moment given as local Asia/Shanghai text: ``frozen("2026-11-02 09:00")``."""

    def move(text: str):
        time_machine.move_to(at(text), tick=False)
        return at(text)

    return move


def registered(people, freeze):
    """A dispute registered on Monday 2 November at 09:00 and its triage, held by the mediator who registered it."""
    freeze("2026-11-02 09:00")
    case = dispute_to("registered", people)
    return case, open_task(case, "triage")


def ask(task, user, moment: str = "2026-11-05 09:00", reason: str = REASON) -> ExtensionRequest:
    return services.task_extension_ask(task_id=task.pk, user=user, due_at=at(moment), reason=reason)


def decide(extension: ExtensionRequest, user, *, approve: bool, reason: str = "") -> ExtensionRequest:
    return services.extension_decide(extension_id=extension.pk, user=user, approve=approve, reason=reason)


def state_of(case: Case) -> dict:
    """What a refused request or decision must leave alone: the requests, the clocks (and whether one awaits a
    decision), the timers, the case's due moment, the audit trail and the notifications."""
    return {
        **clock_state(case),
        "extensions": list(
            ExtensionRequest.objects.filter(case=case)
            .order_by("pk")
            .values_list("pk", "state", "decided_by", "decision_reason", "decided_at", "due_requested")
        ),
        "pending": list(
            Clock.objects.filter(case=case).order_by("pk").values_list("pk", "extension_pending")
        ),
    }


def heard(type: str) -> list[tuple[str, str]]:
    """(recipient, English text) of each notification of a type, oldest first."""
    with translation.override("en"):
        return [
            (row.recipient.username, row.text)
            for row in Notification.objects.filter(type=type).select_related("recipient").order_by("pk")
        ]


# ---- asking and deciding -----------------------------------------------------------------------------------


def test_the_holder_asks_before_the_due_moment_and_a_supervisor_approves_it(people, frozen):
    case, triage = registered(people, frozen)
    mediator = people["mediator"]
    frozen("2026-11-02 10:00")

    # when the mediator asks to move triage from Tuesday 09:00 to Thursday 09:00
    asked = ask(triage, mediator)

    # then the request awaits a decision and the step's clock is as it was
    assert (
        asked.state,
        asked.number,
        asked.step,
        asked.task_id,
        asked.requested_by,
        asked.reason,
        local(asked.due_before),
        local(asked.due_requested),
        local(asked.asked_at),
    ) == (
        "pending",
        1,
        "triage",
        triage.pk,
        mediator,
        REASON,
        "2026-11-03 09:00:00",
        "2026-11-05 09:00:00",
        "2026-11-02 10:00:00",
    )
    clock = clock_of(triage)
    assert (local(clock.due_at), local(clock.yellow_at), clock.extension_pending) == (
        "2026-11-03 09:00:00",
        "2026-11-02 16:07:30",
        True,
    )
    # and the supervisors of the case's unit hear of it: the nearest that has any (祥泰社区 and 济川街道 have none)
    assert heard("extension.asked") == [
        (
            "supervisor_taixing",
            f"{case.reference} · Triage: 王调解 asks to extend its due moment from 2026-11-03 09:00 to "
            "2026-11-05 09:00",
        )
    ]
    with translation.override("zh-hans"):
        assert Notification.objects.get(type="extension.asked").text == (
            f"{case.reference} · 研判：王调解申请将期限由 2026-11-03 09:00 延至 2026-11-05 09:00"
        )

    # when a supervisor of a unit above (the city's) approves it an hour later
    frozen("2026-11-02 11:00")
    decided = decide(asked, people["supervisor"], approve=True)

    # then the step is due on Thursday, yellow at 75 % of its new time (16 h 52 min 30 s of 22.5 working hours)
    assert (decided.state, decided.decided_by, decided.decision_reason, local(decided.decided_at)) == (
        "approved",
        people["supervisor"],
        "",
        "2026-11-02 11:00:00",
    )
    clock = clock_of(triage)
    assert (local(clock.due_at), local(clock.yellow_at), clock.extension_pending) == (
        "2026-11-05 09:00:00",
        "2026-11-04 10:52:30",
        False,
    )
    # and its reminders moved with it: yellow, red, and the 督办 two working days after red
    assert timers(clock) == {
        "yellow": "2026-11-04 10:52:30",
        "red": "2026-11-05 09:00:00",
        "supervise": "2026-11-09 09:00:00",
    }
    # and the case is due when its step is
    case.refresh_from_db()
    assert (local(case.due_at), local(case.yellow_at), case.paused) == (
        "2026-11-05 09:00:00",
        "2026-11-04 10:52:30",
        False,
    )
    # and the request and the decision are on the timeline, and whoever asked hears of the decision
    assert audit_trail(case)[-2:] == [
        ("extension_asked", "triage", "", "", "mediator"),
        ("extension_approved", "triage", "", "", "supervisor"),
    ]
    approved = AuditEntry.objects.filter(case=case).latest("pk")
    assert (approved.subject, approved.task_id, approved.reason) == (mediator, triage.pk, "")
    assert AuditEntry.objects.get(case=case, action="extension_asked").reason == REASON
    assert heard("extension.approved") == [
        (
            "mediator",
            f"{case.reference} · Triage: your extension request was approved; it is now due by 2026-11-05 09:00",
        )
    ]
    assert api_client(mediator).get(f"/api/v1/cases/{case.reference}/").json()["sla"] == {
        "due_at": "2026-11-05T01:00:00+00:00",
        "light": "green",
        "paused": False,
    }


def test_a_refusal_says_why_changes_no_moment_and_is_heard_by_whoever_asked(people, frozen):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    asked = ask(triage, people["mediator"])
    before = {key: value for key, value in state_of(case).items() if key in ("case", "timers")}

    frozen("2026-11-02 11:00")
    decided = decide(asked, people["supervisor_taixing"], approve=False, reason="  调查可先电话进行  ")

    assert (decided.state, decided.decided_by, decided.decision_reason) == (
        "refused",
        people["supervisor_taixing"],
        "调查可先电话进行",
    )
    assert {key: value for key, value in state_of(case).items() if key in ("case", "timers")} == before
    assert (local(clock_of(triage).due_at), clock_of(triage).extension_pending) == (
        "2026-11-03 09:00:00",
        False,
    )
    refused = AuditEntry.objects.filter(case=case).latest("pk")
    assert (refused.action, refused.actor, refused.subject, refused.reason) == (
        "extension_refused",
        people["supervisor_taixing"],
        people["mediator"],
        "调查可先电话进行",
    )
    assert heard("extension.refused") == [
        (
            "mediator",
            f"{case.reference} · Triage: your extension request was refused; it is still due by 2026-11-03 09:00",
        )
    ]
    with translation.override("zh-hans"):
        assert Notification.objects.get(type="extension.refused").text == (
            f"{case.reference} · 研判：您的延期申请未获批准，仍须于 2026-11-03 09:00 前办结"
        )


def test_a_step_has_two_requests_at_most_whatever_became_of_them(people, frozen):
    case, triage = registered(people, frozen)
    mediator, supervisor = people["mediator"], people["supervisor"]
    frozen("2026-11-02 10:00")
    first = ask(triage, mediator, "2026-11-04 09:00")
    decide(first, supervisor, approve=False, reason="不必延期")
    second = ask(triage, mediator, "2026-11-04 09:00", reason="补充：被申请人下周才回本地")
    decide(second, supervisor, approve=True)
    assert (first.number, second.number) == (1, 2)
    before = state_of(case)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        ask(triage, mediator, "2026-11-06 09:00")

    assert str(refused.value) == "This step has had its 2 extension requests: no more may be asked for."
    assert state_of(case) == before


# ---- fresh reminders ---------------------------------------------------------------------------------------


def test_an_approval_gives_the_step_fresh_reminders_and_a_yellow_one_that_fired_fires_again(
    people,
    frozen,
):
    case, triage = registered(people, frozen)
    mediator = people["mediator"]
    # given the step turned yellow on Monday at 16:07:30 and its holder heard of it
    frozen("2026-11-02 16:30")
    assert services.timers_run() == 1
    assert [row[0] for row in heard("deadline.near")] == ["mediator"]

    # when an extension to Thursday 09:00 is asked and approved that afternoon
    ask(triage, mediator)
    decide(ExtensionRequest.objects.get(), people["supervisor_taixing"], approve=True)

    # then every reminder waits for its new moment, the yellow one too
    assert timers(clock_of(triage)) == {
        "yellow": "2026-11-04 10:52:30",
        "red": "2026-11-05 09:00:00",
        "supervise": "2026-11-09 09:00:00",
    }
    frozen("2026-11-03 09:00")  # the old due moment: nothing fires
    assert services.timers_run() == 0
    assert (
        api_client(mediator).get("/api/v1/tasks/?scope=inbox").json()["results"][0]["sla"]["light"] == "green"
    )
    frozen("2026-11-04 10:52:30")
    assert services.timers_run() == 1
    assert heard("deadline.near")[1] == ("mediator", f"{case.reference} · Triage is due by 2026-11-05 09:00")
    frozen("2026-11-05 09:00")
    assert services.timers_run() == 1
    assert [row[0] for row in heard("deadline.passed")] == ["mediator"]


def test_a_reminder_whose_new_moment_has_passed_does_not_fire_twice(people, frozen):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 16:30")
    assert services.timers_run() == 1  # yellow, for Tuesday 09:00

    # when, a quarter of an hour before the due moment, half an hour more is asked for and approved
    frozen("2026-11-03 08:45")
    ask(triage, people["mediator"], "2026-11-03 09:30", reason="等申请人到场签字")
    decide(ExtensionRequest.objects.get(), people["supervisor_taixing"], approve=True)

    # then the yellow moment of the new time (6 of its 8 working hours: Monday 16:30) has passed: it stays
    # fired, the red one moves
    clock = clock_of(triage)
    assert (local(clock.due_at), local(clock.yellow_at)) == ("2026-11-03 09:30:00", "2026-11-02 16:30:00")
    assert timers(clock) == {"red": "2026-11-03 09:30:00", "supervise": "2026-11-05 09:30:00"}
    frozen("2026-11-03 09:30")
    assert services.timers_run() == 1
    assert (len(heard("deadline.near")), len(heard("deadline.passed"))) == (1, 1)


def test_an_approval_after_the_due_moment_makes_a_red_step_green_and_re_arms_its_red_reminder(
    people,
    frozen,
):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    ask(triage, people["mediator"])
    # given nobody decided before the due moment: the step turned red and its holder heard
    frozen("2026-11-03 09:00")
    assert services.timers_run() == 2  # yellow (late) and red
    client = api_client(people["mediator"])
    assert client.get("/api/v1/tasks/?scope=inbox").json()["results"][0]["sla"]["light"] == "red"

    # when a supervisor approves it an hour later
    frozen("2026-11-03 10:00")
    decide(ExtensionRequest.objects.get(), people["supervisor_taixing"], approve=True)

    # then the step is green again and each reminder fires once more at its new moment
    assert client.get("/api/v1/tasks/?scope=inbox").json()["results"][0]["sla"]["light"] == "green"
    assert timers(clock_of(triage)) == {
        "yellow": "2026-11-04 10:52:30",
        "red": "2026-11-05 09:00:00",
        "supervise": "2026-11-09 09:00:00",
    }
    frozen("2026-11-05 09:00")
    assert services.timers_run() == 2
    assert (len(heard("deadline.near")), len(heard("deadline.passed"))) == (2, 2)


def test_a_paused_step_approved_meanwhile_keeps_its_reminders_parked_and_moves_on_by_the_pause(
    people,
    frozen,
):
    case, triage = registered(people, frozen)
    mediator = people["mediator"]
    frozen("2026-11-02 10:00")
    ask(triage, mediator)
    services.task_pause(task_id=triage.pk, user=mediator, reason="等待申请人补充材料", days=2)

    frozen("2026-11-02 11:00")
    decide(ExtensionRequest.objects.get(), people["supervisor_taixing"], approve=True)

    clock = clock_of(triage)
    assert (local(clock.due_at), clock.paused_at is not None) == ("2026-11-05 09:00:00", True)
    assert timers(clock) == {"yellow": None, "red": None, "supervise": None, "resume": "2026-11-04 10:00:00"}
    # when the holder resumes at noon, the approved moment moves on by the two working hours paused
    frozen("2026-11-02 12:00")
    services.task_resume(task_id=triage.pk, user=mediator)
    clock = clock_of(triage)
    assert local(clock.due_at) == "2026-11-05 11:00:00"
    assert timers(clock)["red"] == "2026-11-05 11:00:00"


def test_a_request_awaiting_a_decision_lapses_when_its_step_ends(people, frozen):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    asked = ask(triage, people["mediator"])

    frozen("2026-11-02 14:00")
    complete(case, "triage")

    asked.refresh_from_db()
    assert (asked.state, local(asked.decided_at), asked.decided_by) == ("lapsed", "2026-11-02 14:00:00", None)
    assert Clock.objects.get(task_id=triage.pk).extension_pending is False
    assert list(ExtensionRequest.objects.filter(state="pending")) == []
    before = state_of(case)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        decide(asked, people["supervisor"], approve=True)
    assert str(refused.value) == "The step ended before a decision: there is nothing left to decide."
    assert state_of(case) == before


def test_a_supervisor_holding_a_step_asks_the_supervisors_above_and_may_not_decide_it_himself(
    people,
    frozen,
):
    frozen("2026-11-02 09:00")
    case = dispute_to("commending", people)
    assess = open_task(case, "assess")
    services.task_claim(task_id=assess.pk, user=people["supervisor_taixing"])
    due = clock_of(assess).due_at

    asked = ask(assess, people["supervisor_taixing"], local(due)[:11] + "17:00", reason="需核对回访记录")

    # then the nearest supervisors but himself hear: the city's
    assert [row[0] for row in heard("extension.asked")] == ["supervisor"]
    before = state_of(case)
    with translation.override("en"), pytest.raises(NotAllowed) as refused:
        decide(asked, people["supervisor_taixing"], approve=True)
    assert str(refused.value) == "You may not decide on your own extension request."
    assert state_of(case) == before
    assert decide(asked, people["supervisor"], approve=True).state == "approved"


# ---- refusals: nothing changes -----------------------------------------------------------------------------

ASK_REFUSALS = [
    # (who, moment, reason, error, field, message)
    (
        "mediator",
        "2026-11-03 08:00",
        REASON,
        InvalidInput,
        "due_at",
        "Ask for a moment after the current due moment, 2026-11-03 09:00.",
    ),
    (
        "mediator",
        "2026-11-03 09:00",
        REASON,
        InvalidInput,
        "due_at",
        "Ask for a moment after the current due moment, 2026-11-03 09:00.",
    ),
    (
        "mediator",
        "2026-12-16 09:01",
        REASON,
        InvalidInput,
        "due_at",
        "An extension reaches at most 30 working days past the current due moment: 2026-12-15 09:00 at the "
        "latest.",
    ),
    ("mediator", "2026-11-05 09:00", "   ", InvalidInput, "reason", "Say why the step needs more time."),
    (
        "supervisor_taixing",
        "2026-11-05 09:00",
        REASON,
        NotAllowed,
        None,
        "Only the person who holds the step may ask for its extension.",
    ),
    ("mediator2", "2026-11-05 09:00", REASON, NotFound, None, "Not found."),
    ("mediator_chengxi", "2026-11-05 09:00", REASON, NotFound, None, "Not found."),
]


@pytest.mark.parametrize(("who", "moment", "reason", "error", "field", "message"), ASK_REFUSALS)
def test_a_request_for_a_moment_not_after_the_due_one_too_far_without_a_reason_or_by_another_changes_nothing(
    people,
    frozen,
    who,
    moment,
    reason,
    error,
    field,
    message,
):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    before = state_of(case)

    with translation.override("en"), pytest.raises(error) as refused:
        ask(triage, people[who], moment, reason)

    assert (str(refused.value), refused.value.field) == (message, field)
    assert state_of(case) == before


def test_a_request_at_or_after_the_due_moment_changes_nothing(people, frozen):
    case, triage = registered(people, frozen)
    for moment in ("2026-11-03 09:00", "2026-11-03 15:00"):
        frozen(moment)
        before = state_of(case)

        with translation.override("en"), pytest.raises(Conflict) as refused:
            ask(triage, people["mediator"])

        assert str(refused.value) == (
            "The step was due at 2026-11-03 09:00: an extension is asked for before the due moment."
        )
        assert state_of(case) == before


def test_a_request_while_one_awaits_a_decision_or_while_the_step_is_paused_changes_nothing(
    people,
    frozen,
):
    case, triage = registered(people, frozen)
    mediator = people["mediator"]
    frozen("2026-11-02 10:00")
    ask(triage, mediator)
    before = state_of(case)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        ask(triage, mediator, "2026-11-04 09:00")
    assert str(refused.value) == "This step has an extension request awaiting a decision."
    assert state_of(case) == before

    decide(ExtensionRequest.objects.get(), people["supervisor"], approve=False, reason="不同意")
    services.task_pause(task_id=triage.pk, user=mediator, reason="等待申请人", days=1)
    before = state_of(case)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        ask(triage, mediator, "2026-11-06 09:00")
    assert str(refused.value) == "The step is paused: resume it before asking for an extension."
    assert state_of(case) == before


DECISION_REFUSALS = [
    # (who, approve, reason, error, message)
    ("supervisor", False, "  ", InvalidInput, "Say why the extension is refused."),
    ("supervisor_hailing", True, "", NotFound, "Not found."),
    ("lawyer", True, "", NotFound, "Not found."),
    (
        "mediator2",
        True,
        "",
        NotAllowed,
        "Only a supervisor of the case's unit may decide on an extension request.",
    ),
    (
        "admin",
        True,
        "",
        NotAllowed,
        "Only a supervisor of the case's unit may decide on an extension request.",
    ),
    (
        "mediator",
        True,
        "",
        NotAllowed,
        "Only a supervisor of the case's unit may decide on an extension request.",
    ),
]


@pytest.mark.parametrize(("who", "approve", "reason", "error", "message"), DECISION_REFUSALS)
def test_a_decision_without_a_reason_to_refuse_or_by_someone_who_does_not_supervise_the_case_changes_nothing(
    people,
    frozen,
    who,
    approve,
    reason,
    error,
    message,
):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    asked = ask(triage, people["mediator"])
    before = state_of(case)

    with translation.override("en"), pytest.raises(error) as refused:
        decide(asked, people[who], approve=approve, reason=reason)

    assert str(refused.value) == message
    assert state_of(case) == before


def test_deciding_twice_changes_nothing(people, frozen):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    asked = ask(triage, people["mediator"])
    frozen("2026-11-02 11:00")
    decide(asked, people["supervisor"], approve=True)
    before = state_of(case)

    for who, approve, reason in (("supervisor", True, ""), ("supervisor_taixing", False, "改为不同意")):
        with translation.override("en"), pytest.raises(Conflict) as refused:
            decide(asked, people[who], approve=approve, reason=reason)
        assert str(refused.value) == (
            "This extension request was decided already: Approved by 钱部长 at 2026-11-02 11:00."
        )
    assert state_of(case) == before
    with translation.override("en"), pytest.raises(NotFound):
        services.extension_decide(
            extension_id=asked.pk + 1000, user=people["supervisor"], approve=True, reason=""
        )


# ---- the task page and the case page -----------------------------------------------------------------------


def page(client, name: str, *args, language: str = "en") -> str:
    response = client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(visible_text(response.content.decode()))


def test_the_holder_asks_on_the_task_page_and_the_supervisor_decides_on_the_case_page(client, people, frozen):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    client.force_login(people["mediator"])
    assert "申请延期" in page(client, "task", triage.pk, language="zh-hans")
    assert (
        reverse("task_extension_ask", args=[triage.pk])
        in client.get(reverse("task", args=[triage.pk])).content.decode()
    )

    response = client.post(
        reverse("task_extension_ask", args=[triage.pk]), {"due_at": "2026-11-05T09:00", "reason": REASON}
    )

    assert response.status_code == 302
    text = page(client, "task", triage.pk)
    assert (
        "Triage · request 1 · Awaiting a decision 王调解 asked at 2026-11-02 10:00 to move the due moment from "
        "2026-11-03 09:00 to 2026-11-05 09:00 " + REASON
    ) in text
    assert "This step has an extension request awaiting a decision." in text  # instead of the form
    assert (
        reverse("task_extension_ask", args=[triage.pk])
        not in client.get(reverse("task", args=[triage.pk])).content.decode()
    )
    extension = ExtensionRequest.objects.get()

    # the supervisor finds it from the inbox, in the list of requests awaiting a decision, then on the case page
    client.force_login(people["supervisor_taixing"])
    assert "1 extension request awaits your decision" in page(client, "inbox")
    listed = page(client, "extensions")
    assert (
        f"{case.reference} Triage 祥泰社区 王调解 2026-11-03 09:00 2026-11-05 09:00 2026-11-02 10:00"
        in listed
    )
    decide_url = reverse("extension_decide", args=[extension.pk])
    assert decide_url in client.get(reverse("case", args=[case.reference])).content.decode()

    frozen("2026-11-02 11:00")
    response = client.post(decide_url, {"decision": "refuse", "reason": "请先电话调查"})

    assert response.status_code == 302
    text = page(client, "case", case.reference)
    assert "Refused by 蒋部长 at 2026-11-02 11:00: 请先电话调查" in text
    assert "Extension refused" in text  # the timeline
    assert decide_url not in client.get(reverse("case", args=[case.reference])).content.decode()
    assert "No extension request awaits your decision." in page(client, "extensions")
    client.force_login(people["mediator"])
    assert (
        reverse("task_extension_ask", args=[triage.pk])
        in client.get(reverse("task", args=[triage.pk])).content.decode()
    )


@pytest.mark.parametrize(
    ("who", "form", "status", "message"),
    [
        ("mediator", {"due_at": "2026-11-03T08:00", "reason": REASON}, 400, "Ask for a moment after the current due moment, 2026-11-03 09:00."),
        ("mediator", {"due_at": "", "reason": REASON}, 400, "Give the new due moment."),
        ("mediator", {"due_at": "下周四", "reason": REASON}, 400, "Enter a valid date/time."),
        ("mediator", {"due_at": "2026-11-05T09:00", "reason": ""}, 400, "Say why the step needs more time."),
        ("supervisor", {"due_at": "2026-11-05T09:00", "reason": REASON}, 403, "Only the person who holds the step may ask for its extension."),
    ],
)  # fmt: skip
def test_the_task_page_refuses_a_bad_request_in_the_users_language_and_changes_nothing(
    client,
    people,
    frozen,
    who,
    form,
    status,
    message,
):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    before = state_of(case)
    client.force_login(people[who])

    response = client.post(reverse("task_extension_ask", args=[triage.pk]), form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    assert message in html.unescape(visible_text(response.content.decode()))
    assert state_of(case) == before


@pytest.mark.parametrize(
    ("who", "form", "status", "message"),
    [
        ("supervisor", {"decision": "refuse", "reason": ""}, 400, "Say why the extension is refused."),
        ("supervisor", {"reason": "同意"}, 400, "Approve or refuse the request."),
        ("supervisor", {"decision": "maybe"}, 400, "Approve or refuse the request."),
        ("mediator2", {"decision": "approve"}, 403, "Only a supervisor of the case's unit may decide on an extension request."),
        ("supervisor_hailing", {"decision": "approve"}, 404, ""),
        ("lawyer", {"decision": "approve"}, 404, ""),
    ],
)  # fmt: skip
def test_the_case_page_refuses_a_bad_decision_and_changes_nothing(
    client,
    people,
    frozen,
    who,
    form,
    status,
    message,
):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    extension = ask(triage, people["mediator"])
    before = state_of(case)
    client.force_login(people[who])

    response = client.post(reverse("extension_decide", args=[extension.pk]), form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    assert message in html.unescape(visible_text(response.content.decode()))
    assert state_of(case) == before


def test_only_the_supervisors_of_the_subtree_list_a_request_and_the_pages_are_in_chinese(
    client,
    people,
    frozen,
):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    ask(triage, people["mediator"])

    for who, listed in (
        ("supervisor", True),
        ("supervisor_taixing", True),
        ("supervisor_hailing", False),
        ("mediator", False),
    ):
        client.force_login(people[who])
        assert (case.reference in page(client, "extensions")) is listed, who
    client.force_login(people["supervisor"])
    text = page(client, "case", case.reference, language="zh-hans")
    assert "待审批" in text and "批准" in text and "不予批准" in text
    assert "Awaiting a decision" not in text


# ---- the API -------------------------------------------------------------------------------------------------


def test_the_api_asks_and_decides_and_lists_the_requests_in_the_task_and_case_answers(client, people, frozen):
    case, triage = registered(people, frozen)
    answers = Answers(client)
    frozen("2026-11-02 10:00")

    asked = post(
        people["mediator"],
        f"/api/v1/tasks/{triage.pk}/extensions/",
        {"due_at": "2026-11-05T09:00:00+08:00", "reason": REASON},
    )

    assert asked.status_code == 201, asked.content
    extension = ExtensionRequest.objects.get()
    expected = {
        "id": extension.pk,
        "reference": case.reference,
        "task": triage.pk,
        "step": "triage",
        "number": 1,
        "state": "pending",
        "requested_by": "mediator",
        "reason": REASON,
        "due_before": "2026-11-03T01:00:00+00:00",
        "due_requested": "2026-11-05T01:00:00+00:00",
        "asked_at": "2026-11-02T02:00:00+00:00",
        "decided_by": None,
        "decision_reason": "",
        "decided_at": None,
    }
    assert answers.check(asked, "/api/v1/tasks/{task_id}/extensions/", "post") == expected

    frozen("2026-11-02 11:00")
    decided = post(
        people["supervisor"], f"/api/v1/extensions/{extension.pk}/decide/", {"decision": "approve"}
    )

    assert decided.status_code == 200, decided.content
    expected |= {
        "state": "approved",
        "decided_by": "supervisor",
        "decided_at": "2026-11-02T03:00:00+00:00",
    }
    assert answers.check(decided, "/api/v1/extensions/{extension_id}/decide/", "post") == expected
    # the case's answer lists its steps' requests, and a task's answer its step's
    detail = api_client(people["mediator"]).get(f"/api/v1/cases/{case.reference}/")
    body = answers.check(detail, "/api/v1/cases/{reference}/")
    assert body["extensions"] == [expected]
    assert body["open_tasks"][0]["sla"]["due_at"] == "2026-11-05T01:00:00+00:00"
    paused = post(people["mediator"], f"/api/v1/tasks/{triage.pk}/pause/", {"reason": "等待申请人"})
    assert answers.check(paused, "/api/v1/tasks/{task_id}/pause/", "post")["extensions"] == [expected]


@pytest.mark.parametrize(
    ("who", "body", "status", "message", "fields"),
    [
        ("mediator", {"due_at": "2026-11-03T08:59", "reason": REASON}, 400, "Ask for a moment after the current due moment, 2026-11-03 09:00.", {"due_at": ["Ask for a moment after the current due moment, 2026-11-03 09:00."]}),
        ("mediator", {"due_at": "0001-01-01T00:00", "reason": REASON}, 400, "Ask for a moment after the current due moment, 2026-11-03 09:00.", {"due_at": ["Ask for a moment after the current due moment, 2026-11-03 09:00."]}),
        ("mediator", {"due_at": "9999-12-31T23:59:59-23:59", "reason": REASON}, 400, "An extension reaches at most 30 working days past the current due moment: 2026-12-15 09:00 at the latest.", {"due_at": ["An extension reaches at most 30 working days past the current due moment: 2026-12-15 09:00 at the latest."]}),
        ("mediator", {"due_at": "2026-11-05T09:00"}, 400, "Say why the step needs more time.", {"reason": ["Say why the step needs more time."]}),
        ("mediator", {"reason": REASON}, 400, "Give the new due moment.", {"due_at": ["Give the new due moment."]}),
        ("mediator", {"due_at": "2026-13-05T09:00", "reason": REASON}, 400, "Enter a valid date/time.", {"due_at": ["Enter a valid date/time."]}),
        ("mediator", {"due_at": 1762304400, "reason": REASON}, 400, "Send text here, not a number, a list or an object.", {"due_at": ["Send text here, not a number, a list or an object."]}),
        ("mediator", {"due_at": "2026-11-05T09:00", "reason": "理" * 1001}, 400, "Ensure this value has at most 1000 characters (it has 1001).", {"reason": ["Ensure this value has at most 1000 characters (it has 1001)."]}),
        ("supervisor_taixing", {"due_at": "2026-11-05T09:00", "reason": REASON}, 403, "Only the person who holds the step may ask for its extension.", {}),
        ("mediator_chengxi", {"due_at": "2026-11-05T09:00", "reason": REASON}, 404, "Not found.", {}),
    ],
)  # fmt: skip
def test_the_api_refuses_a_bad_request_and_changes_nothing(
    people, frozen, who, body, status, message, fields
):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    before = state_of(case)

    response = post(people[who], f"/api/v1/tasks/{triage.pk}/extensions/", body)

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["message"], error["fields"]) == (message, fields)
    assert state_of(case) == before


def test_the_api_answers_409_to_a_late_second_or_third_request_and_to_a_second_decision(people, frozen):
    case, triage = registered(people, frozen)
    mediator, supervisor = people["mediator"], people["supervisor"]
    url = f"/api/v1/tasks/{triage.pk}/extensions/"
    frozen("2026-11-02 10:00")
    assert post(mediator, url, {"due_at": "2026-11-04T09:00", "reason": REASON}).status_code == 201
    first = ExtensionRequest.objects.get()
    refusals = []

    def refused(response) -> tuple[int, str]:
        return response.status_code, response.json()["error"]["message"]

    before = state_of(case)
    refusals.append(refused(post(mediator, url, {"due_at": "2026-11-04T10:00", "reason": REASON})))
    assert state_of(case) == before
    decide_url = f"/api/v1/extensions/{first.pk}/decide/"
    assert post(supervisor, decide_url, {"decision": "approve", "reason": "同意"}).status_code == 200
    before = state_of(case)
    refusals.append(refused(post(supervisor, decide_url, {"decision": "refuse", "reason": "撤回同意"})))
    assert state_of(case) == before
    assert post(mediator, url, {"due_at": "2026-11-05T09:00", "reason": REASON}).status_code == 201
    second = ExtensionRequest.objects.get(number=2)
    assert (
        post(supervisor, f"/api/v1/extensions/{second.pk}/decide/", {"decision": "approve"}).status_code
        == 200
    )
    before = state_of(case)
    refusals.append(refused(post(mediator, url, {"due_at": "2026-11-06T09:00", "reason": REASON})))
    assert state_of(case) == before
    frozen("2026-11-05 09:00")
    before = state_of(case)
    refusals.append(refused(post(mediator, url, {"due_at": "2026-11-06T09:00", "reason": REASON})))
    assert state_of(case) == before

    assert refusals == [
        (409, "This step has an extension request awaiting a decision."),
        (409, "This extension request was decided already: Approved by 钱部长 at 2026-11-02 10:00."),
        (409, "This step has had its 2 extension requests: no more may be asked for."),
        (409, "The step was due at 2026-11-05 09:00: an extension is asked for before the due moment."),
    ]


@pytest.mark.parametrize(
    ("who", "body", "status", "message"),
    [
        ("supervisor", {"decision": "refuse"}, 400, "Say why the extension is refused."),
        ("supervisor", {"decision": "ok"}, 400, "Approve or refuse the request."),
        ("supervisor", {"decision": ["approve"]}, 400, "Send a single value here, not a list or an object."),
        ("mediator", {"decision": "approve"}, 403, "Only a supervisor of the case's unit may decide on an extension request."),
        ("admin", {"decision": "approve"}, 403, "Only a supervisor of the case's unit may decide on an extension request."),
        ("supervisor_hailing", {"decision": "approve"}, 404, "Not found."),
        ("liaison", {"decision": "approve"}, 404, "Not found."),
    ],
)  # fmt: skip
def test_the_api_refuses_a_bad_decision_and_changes_nothing(people, frozen, who, body, status, message):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    extension = ask(triage, people["mediator"])
    before = state_of(case)

    response = post(people[who], f"/api/v1/extensions/{extension.pk}/decide/", body)

    assert response.status_code == status, response.content
    assert response.json()["error"]["message"] == message
    assert state_of(case) == before


def test_no_notification_of_a_request_carries_the_parties_phone_numbers(people, frozen):
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    decide(ask(triage, people["mediator"]), people["supervisor"], approve=False, reason="不同意")

    stored = json.dumps(list(Notification.objects.values_list("payload", flat=True)), ensure_ascii=False)
    assert "13812341234" not in stored
    assert {row[0] for row in heard("extension.asked") + heard("extension.refused")} == {
        "supervisor_taixing",
        "mediator",
    }


# ---- two supervisors at once (PostgreSQL) ----------------------------------------------------------------


def test_two_supervisors_deciding_one_request_at_once_make_exactly_one_decision(
    postgres_only,
    committed_people,
    frozen,
):
    people = committed_people
    case, triage = registered(people, frozen)
    frozen("2026-11-02 10:00")
    extension = ask(triage, people["mediator"])

    outcomes = race(
        [
            lambda: decide(extension, people["supervisor"], approve=True),
            lambda: decide(extension, people["supervisor_taixing"], approve=False, reason="不同意"),
        ]
    )

    winners = [outcome for outcome in outcomes if isinstance(outcome, ExtensionRequest)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert (len(winners), [type(error) for error in losers]) == (1, [Conflict]), outcomes
    assert str(losers[0]).startswith("This extension request was decided already: ")
    fresh = ExtensionRequest.objects.get(pk=extension.pk)
    assert (fresh.state, fresh.decided_by_id) == (winners[0].state, winners[0].decided_by_id)
    decisions = AuditEntry.objects.filter(case=case, action__in=["extension_approved", "extension_refused"])
    assert decisions.count() == 1
    assert Notification.objects.filter(type__in=["extension.approved", "extension.refused"]).count() == 1
    expected_due = "2026-11-05 09:00:00" if fresh.state == "approved" else "2026-11-03 09:00:00"
    assert (local(clock_of(triage).due_at), clock_of(triage).extension_pending) == (expected_due, False)
    assert open_tasks(case)["triage"].owner_id == people["mediator"].pk

"""Clocks that count working time (``cases.services.clocks``): every step and every case is due by its policy on
the work calendar, turns yellow at 75 % and red when overdue; releasing, reassigning and escalating never restart
a clock; the holder pauses a step while waiting for a party and the paused working time is not counted. Services,
the task page and the API, each refusal with a check that nothing changed. Time is frozen with time-machine."""

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from viewflow.workflow.models import Task

from cases.errors import Conflict, InvalidInput, NotAllowed
from cases.models import AuditEntry, Case, Clock, Light, Timer
from cases.workdays import CALENDAR_ZONE, WorkCalendar
from demo.lifecycles import dispute_to, step_data
from notifications.models import Notification
from tests.factories import ProfessionalFactory
from tests.helpers import dispute_body, help_request_body, open_task, visible_text
from workflow import services


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


def local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(CALENDAR_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def clock_of(task: Task) -> Clock:
    return Clock.objects.get(task_id=task.pk)


def case_clock(case: Case) -> Clock:
    return Clock.objects.get(case=case, task_id__isnull=True)


def timers(clock: Clock) -> dict[str, str | None]:
    return {
        timer.kind: local(timer.due_at) for timer in Timer.objects.filter(clock=clock, fired_at__isnull=True)
    }


def complete(case: Case, name: str, **overrides) -> None:
    task = open_task(case, name)
    services.task_complete(task_id=task.pk, user=task.owner, data=step_data(case, task, **overrides))


def clock_state(case: Case) -> dict:
    """What a refused pause or resume must leave alone."""
    return {
        "case": Case.objects.filter(pk=case.pk).values_list("due_at", "yellow_at", "paused").get(),
        "clocks": list(
            Clock.objects.filter(case=case)
            .order_by("pk")
            .values_list("pk", "due_at", "yellow_at", "paused_at", "resumes_at", "pause_reason", "paused_for")
        ),
        "timers": list(
            Timer.objects.filter(clock__case=case)
            .order_by("pk")
            .values_list("pk", "kind", "due_at", "fired_at")
        ),
        "audit": AuditEntry.objects.filter(case=case).count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def frozen(time_machine):
    """Freeze time at a moment given as local Asia/Shanghai text: ``frozen("2026-11-02 09:00")``."""

    def move(text: str) -> datetime:
        time_machine.move_to(at(text), tick=False)
        return at(text)

    return move


# ---- due moments by the policies, on the work calendar ------------------------------------------------------


def test_a_dispute_is_due_by_its_policies_on_the_work_calendar(people, frozen):
    # given a dispute registered on the eve of the National Day holidays (1–7 October 2026, 10 October worked)
    frozen("2026-09-30 10:00")

    case = services.dispute_intake(actor=people["mediator"], **dispute_body())

    # then its triage is due a working day later, after the holidays, and yellow once 75 % of that is used
    triage = clock_of(open_task(case, "triage"))
    assert (local(triage.started_at), local(triage.due_at), local(triage.yellow_at)) == (
        "2026-09-30 10:00:00",
        "2026-10-08 10:00:00",
        "2026-09-30 17:07:30",  # 7.5 working hours in all: 5 h 37 min 30 s of them
    )
    assert WorkCalendar().share_used(start=triage.started_at, due=triage.due_at, now=triage.yellow_at) == 0.75
    # and its reminders: yellow, red, and the 督办 two working days after red (10 October is worked)
    assert timers(triage) == {
        "yellow": "2026-09-30 17:07:30",
        "red": "2026-10-08 10:00:00",
        "supervise": "2026-10-10 10:00:00",
    }
    # and the whole dispute is due 30 calendar days after its registration, with no reminder of its own
    whole = case_clock(case)
    assert (local(whole.started_at), local(whole.due_at)) == ("2026-09-30 10:00:00", "2026-10-30 10:00:00")
    assert timers(whole) == {}
    # and the case is due when its earliest running clock is
    case.refresh_from_db()
    assert (local(case.due_at), local(case.yellow_at), case.paused) == (
        "2026-10-08 10:00:00",
        "2026-09-30 17:07:30",
        False,
    )


def test_an_urgent_dispute_is_triaged_within_four_working_hours(people, frozen):
    # given an urgent dispute (it may intensify) registered an hour before the end of the working day
    frozen("2026-09-30 16:30")

    case = services.dispute_intake(actor=people["mediator"], **dispute_body(may_escalate=True))

    # then one working hour counts that day and three after the holidays
    assert case.priority == 3
    assert local(clock_of(open_task(case, "triage")).due_at) == "2026-10-08 11:30:00"


def test_the_consultation_shares_one_window_with_the_call_for_it_and_the_follow_up_counts_from_the_agreement(
    people, frozen
):
    # given a dispute triaged on Monday 2 November at 10:00
    frozen("2026-11-02 09:00")
    case = services.dispute_intake(actor=people["mediator"], **dispute_body())
    frozen("2026-11-02 10:00")
    complete(case, "triage")
    convene = clock_of(open_task(case, "convene"))
    assert local(convene.due_at) == "2026-11-09 10:00:00"  # 5 working days

    # when the consultation is called on Wednesday
    frozen("2026-11-04 10:00")
    complete(case, "convene")

    # then it is still due by the window that opened on Monday: the consultation is held within 5 working days
    consult = clock_of(open_task(case, "consult"))
    assert (local(consult.started_at), local(consult.due_at)) == (
        "2026-11-02 10:00:00",
        "2026-11-09 10:00:00",
    )
    assert local(clock_of_task_done(case, "convene").stopped_at) == "2026-11-04 10:00:00"

    # when it is held on Thursday and the agreement reached on Friday
    frozen("2026-11-05 10:00")
    complete(case, "consult")
    assert local(clock_of(open_task(case, "resolution")).due_at) == "2026-11-19 10:00:00"  # 10 working days
    frozen("2026-11-06 10:00")
    complete(case, "resolution")

    # then the follow-up call is due 2 working days after the agreement
    assert local(clock_of(open_task(case, "follow_up")).due_at) == "2026-11-10 10:00:00"


def clock_of_task_done(case: Case, name: str) -> Clock:
    done = AuditEntry.objects.get(case=case, action="task_done", name=name)
    return Clock.objects.get(task_id=done.task_id)


def test_an_advice_is_claimed_within_a_day_of_dispatch_and_given_within_five_of_the_claim(people, frozen):
    # given a help request registered on Monday 2 November at 09:00 and dispatched an hour later
    frozen("2026-11-02 09:00")
    case = services.help_request_intake(actor=people["liaison"], **help_request_body(specialties=["tax"]))
    assert local(clock_of(open_task(case, "dispatch")).due_at) == "2026-11-03 09:00:00"
    assert local(case_clock(case).due_at) == "2026-11-23 09:00:00"  # the whole request: 15 working days
    frozen("2026-11-02 10:00")
    complete(case, "dispatch")

    # then the advice waits in the queue, to be claimed within a working day
    advice = open_task(case, "advise_tax")
    assert (local(clock_of(advice).due_at), clock_of(advice).claim_amount) == ("2026-11-03 10:00:00", 5)

    # when the tax advisor claims it on Tuesday afternoon
    frozen("2026-11-03 14:00")
    services.task_claim(task_id=advice.pk, user=people["tax_advisor"])

    # then it is due 5 working days after the claim, and its reminders moved with it
    clock = clock_of(advice)
    assert (local(clock.started_at), local(clock.due_at), clock.claim_amount) == (
        "2026-11-03 14:00:00",
        "2026-11-10 14:00:00",
        None,
    )
    assert timers(clock)["red"] == "2026-11-10 14:00:00"

    # when it goes back to the queue and is claimed again, then given to another by a supervisor
    frozen("2026-11-04 09:00")
    services.task_release(task_id=advice.pk, user=people["tax_advisor"], code="other", reason="出差")
    services.task_claim(task_id=advice.pk, user=people["tax_advisor"])
    services.task_reassign(
        task_id=advice.pk, user=people["supervisor"], to_user=ProfessionalFactory(specialty="tax")
    )

    # then its clock goes on as it was: a release, a claim and a reassignment never restart it
    assert clock_state_of(clock) == clock_state_of(clock_of(advice))


def clock_state_of(clock: Clock) -> tuple:
    fresh = Clock.objects.get(pk=clock.pk)
    return (fresh.started_at, fresh.due_at, fresh.yellow_at, fresh.claim_amount, timers(fresh))


def test_reassigning_a_claimed_step_keeps_its_due_moment(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("triaged", people)
    convene = open_task(case, "convene")
    before = clock_state_of(clock_of(convene))

    frozen("2026-11-03 11:00")
    services.task_reassign(
        task_id=convene.pk, user=people["supervisor"], to_user=people["mediator2"], reason="休假"
    )

    assert clock_state_of(clock_of(convene)) == before


def test_an_escalation_keeps_the_case_clock_and_starts_triage_again_at_the_parent_unit(people, frozen):
    # given a dispute registered on Monday 2 November
    frozen("2026-11-02 09:00")
    case = dispute_to("triaged", people)
    whole = case_clock(case)

    # when the mediator escalates it on Wednesday
    frozen("2026-11-04 15:00")
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )

    # then the case's own clock runs on from the registration; the convene clock stopped; triage starts again
    assert Clock.objects.get(pk=whole.pk).due_at == whole.due_at
    assert local(whole.due_at) == "2026-12-02 09:00:00"
    triage = clock_of(open_task(case, "triage"))
    assert (local(triage.started_at), local(triage.due_at)) == ("2026-11-04 15:00:00", "2026-11-05 15:00:00")
    assert Clock.objects.filter(case=case, stopped_at__isnull=True).count() == 2
    assert Timer.objects.filter(clock__case=case).exclude(clock=triage).count() == 0


def test_a_case_that_ends_stops_every_clock_and_cancels_every_reminder(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)

    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="reject", reason="不属于受理范围"
    )

    case.refresh_from_db()
    assert (case.due_at, case.yellow_at, case.paused) == (None, None, False)
    assert not Clock.objects.filter(case=case, stopped_at__isnull=True).exists()
    assert not Timer.objects.filter(clock__case=case).exists()


# ---- lights -----------------------------------------------------------------------------------------------


def test_the_light_is_green_then_yellow_at_three_quarters_then_red_when_overdue(people, frozen):
    frozen("2026-09-30 10:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    client = api_client(people["mediator"])

    def lights() -> tuple[str, str]:
        answer = client.get(f"/api/v1/cases/{case.reference}/").json()
        return answer["open_tasks"][0]["sla"]["light"], answer["sla"]["light"]

    assert lights() == ("green", "green")
    frozen("2026-09-30 17:07:29")
    assert lights() == ("green", "green")
    frozen("2026-09-30 17:07:30")
    assert lights() == ("yellow", "yellow")
    frozen("2026-10-08 10:00")
    assert lights() == ("red", "red")
    answer = client.get(f"/api/v1/cases/{case.reference}/").json()
    assert answer["sla"] == {"due_at": answer["due_at"], "light": "red", "paused": False}
    assert answer["open_tasks"][0]["sla"] == {
        "due_at": clock_of(triage).due_at.isoformat(),
        "light": "red",
        "paused": False,
    }


def test_a_step_done_late_shows_red_in_the_archive_and_costs_its_on_time_mark(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    frozen("2026-11-04 09:00")  # triage was due on Tuesday

    complete(case, "triage")

    assert AuditEntry.objects.get(case=case, action="task_done", name="triage").on_time is False
    archive = api_client(people["mediator"]).get("/api/v1/tasks/?scope=archive").json()["results"]
    assert [(row["step"], row["sla"]["light"]) for row in archive] == [("triage", "red")]


# ---- pauses -------------------------------------------------------------------------------------------------


def test_the_holder_pauses_a_step_and_the_paused_working_time_is_not_counted(people, frozen):
    # given a dispute registered on Monday 2 November at 09:00: triage due on Tuesday at 09:00
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    mediator = people["mediator"]

    # when the mediator pauses it at 10:00 for two working days, waiting for the applicant's papers
    frozen("2026-11-02 10:00")
    services.task_pause(task_id=triage.pk, user=mediator, reason="等待申请人补充材料", days=2)

    # then the step is paused, its reminders are parked and the pause ends by itself on Wednesday at 10:00
    clock = clock_of(triage)
    assert (local(clock.paused_at), local(clock.resumes_at), clock.pause_reason) == (
        "2026-11-02 10:00:00",
        "2026-11-04 10:00:00",
        "等待申请人补充材料",
    )
    assert timers(clock) == {"yellow": None, "red": None, "supervise": None, "resume": "2026-11-04 10:00:00"}
    case.refresh_from_db()
    assert (case.paused, local(case.due_at)) == (
        True,
        "2026-12-02 09:00:00",
    )  # only the case's own clock runs
    assert api_sla(mediator, triage) == {
        "due_at": clock.due_at.isoformat(),
        "light": "paused",
        "paused": True,
    }
    entry = AuditEntry.objects.filter(case=case).latest("pk")
    assert (entry.action, entry.name, entry.actor, entry.reason, entry.task_id) == (
        "paused",
        "triage",
        mediator,
        "等待申请人补充材料",
        triage.pk,
    )

    # and it stays paused past its first due moment: the paused time does not count
    frozen("2026-11-03 11:00")
    assert api_sla(mediator, triage)["light"] == "paused"

    # when she resumes it on Tuesday at 11:00 (8.5 working hours later)
    services.task_resume(task_id=triage.pk, user=mediator)

    # then its due moment moved on by those 8.5 working hours, and its reminders with it
    clock = clock_of(triage)
    assert (local(clock.due_at), clock.paused_for, clock.paused_at) == (
        "2026-11-04 10:00:00",
        timedelta(hours=8, minutes=30),
        None,
    )
    assert timers(clock) == {
        "yellow": local(clock.yellow_at),
        "red": "2026-11-04 10:00:00",
        "supervise": "2026-11-06 10:00:00",
    }
    case.refresh_from_db()
    assert (case.paused, local(case.due_at)) == (False, "2026-11-04 10:00:00")
    assert AuditEntry.objects.filter(case=case).latest("pk").action == "resumed"


def test_a_pause_ends_by_itself_when_its_working_days_are_over(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    frozen("2026-11-02 10:00")
    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待被申请人回复", days=1)

    # when the runner passes once the pause is over (Tuesday 10:00)
    frozen("2026-11-03 10:00")
    assert services.timers_run() == 1

    # then the step counts again, by nobody, without the 7.5 working hours it was paused
    clock = clock_of(triage)
    assert (clock.paused_at, local(clock.due_at), clock.paused_for) == (
        None,
        "2026-11-04 09:00:00",
        timedelta(hours=7, minutes=30),
    )
    entry = AuditEntry.objects.filter(case=case).latest("pk")
    assert (entry.action, entry.actor) == ("resumed", None)
    assert services.timers_run() == 0


def test_a_step_paused_when_it_was_late_stays_red(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    frozen("2026-11-03 10:00")  # an hour late

    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待申请人", days=2)

    assert api_sla(people["mediator"], triage)["light"] == "red"
    case_sla = api_client(people["mediator"]).get(f"/api/v1/cases/{case.reference}/").json()["sla"]
    assert (case_sla["light"], case_sla["paused"]) == ("red", True)


def test_completing_a_paused_step_counts_its_pause_out(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    frozen("2026-11-02 10:00")
    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待申请人", days=5)

    frozen("2026-11-03 16:00")  # after the first due moment, but the paused time is not counted
    complete(case, "triage")

    assert AuditEntry.objects.get(case=case, action="task_done").on_time is True
    clock = Clock.objects.get(task_id=triage.pk)
    assert (clock.paused_at, local(clock.stopped_at)) == (None, "2026-11-03 16:00:00")
    assert not Timer.objects.filter(clock=clock).exists()


PAUSE_REFUSALS = [
    # (who, body, the error, its field, its message)
    (
        "mediator",
        {"reason": "  ", "days": 2},
        InvalidInput,
        "reason",
        "Say which party the step waits for, and why.",
    ),
    ("mediator", {"reason": "等待", "days": 11}, InvalidInput, "days", "A pause lasts 1 to 10 working days."),
    ("mediator", {"reason": "等待", "days": 0}, InvalidInput, "days", "A pause lasts 1 to 10 working days."),
    (
        "supervisor",
        {"reason": "等待", "days": 2},
        NotAllowed,
        None,
        "Only the person who holds the step may pause it.",
    ),
]


@pytest.mark.parametrize(("who", "body", "error", "field", "message"), PAUSE_REFUSALS)
def test_a_pause_is_refused_without_a_reason_beyond_the_limit_or_by_someone_else_and_nothing_changes(
    people, frozen, who, body, error, field, message
):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    before = clock_state(case)

    with translation.override("en"), pytest.raises(error) as refused:
        services.task_pause(task_id=triage.pk, user=people[who], **body)

    assert (str(refused.value), refused.value.field) == (message, field)
    assert clock_state(case) == before


def test_a_second_pause_and_a_resume_of_a_running_step_are_conflicts_and_change_nothing(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    mediator = people["mediator"]
    running = clock_state(case)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.task_resume(task_id=triage.pk, user=mediator)
    assert str(refused.value) == "The step is not paused."
    assert clock_state(case) == running

    services.task_pause(task_id=triage.pk, user=mediator, reason="等待申请人", days=2)
    paused = clock_state(case)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.task_pause(task_id=triage.pk, user=mediator, reason="再等等", days=3)
    assert str(refused.value) == "The step is paused already."
    with translation.override("en"), pytest.raises(NotAllowed) as refused:
        services.task_resume(task_id=triage.pk, user=people["supervisor"])
    assert str(refused.value) == "Only the person who holds the step may resume it."
    assert clock_state(case) == paused


def test_the_pause_limit_is_a_setting(people, frozen, settings):
    settings.PAUSE_MAX_WORKING_DAYS = 3
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")

    with translation.override("en"), pytest.raises(InvalidInput, match="A pause lasts 1 to 3 working days."):
        services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待", days=4)
    services.task_pause(task_id=triage.pk, user=people["mediator"], reason="等待")  # the limit when not given

    assert local(clock_of(triage).resumes_at) == "2026-11-05 09:00:00"


# ---- the task page -----------------------------------------------------------------------------------------


def test_the_holder_pauses_and_resumes_on_the_task_page(client, people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    client.force_login(people["mediator"])
    page = client.get(reverse("task", args=[triage.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        reverse("task_pause", args=[triage.pk]) in page
        and reverse("task_resume", args=[triage.pk]) not in page
    )

    response = client.post(
        reverse("task_pause", args=[triage.pk]), {"reason": "等待申请人补充材料", "days": "2"}
    )

    assert response.status_code == 302
    page = visible_text(
        client.get(reverse("task", args=[triage.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "paused since 2026-11-02 09:00 (等待申请人补充材料); resumes by itself at 2026-11-04 09:00" in page
    assert clock_of(triage).paused_at is not None

    response = client.post(reverse("task_resume", args=[triage.pk]))

    assert response.status_code == 302
    assert clock_of(triage).paused_at is None


@pytest.mark.parametrize(
    ("who", "form", "status", "message"),
    [
        ("mediator", {"reason": "", "days": "2"}, 400, "Say which party the step waits for, and why."),
        ("mediator", {"reason": "等待", "days": "30"}, 400, "A pause lasts 1 to 10 working days."),
        ("mediator", {"reason": "等待", "days": "两"}, 400, "Enter a whole number in digits 0-9."),
        (
            "supervisor",
            {"reason": "等待", "days": "2"},
            403,
            "Only the person who holds the step may pause it.",
        ),
    ],
)
def test_the_task_page_refuses_a_bad_pause_in_the_users_language_and_changes_nothing(
    client, people, frozen, who, form, status, message
):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    before = clock_state(case)
    client.force_login(people[who])

    response = client.post(reverse("task_pause", args=[triage.pk]), form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    assert message in response.content.decode()
    assert clock_state(case) == before


def test_someone_who_may_not_see_the_task_gets_a_404_and_nothing_changes(client, people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    before = clock_state(case)
    client.force_login(people["mediator_chengxi"])

    assert client.post(reverse("task_pause", args=[triage.pk]), {"reason": "等待"}).status_code == 404
    assert client.post(reverse("task_resume", args=[triage.pk])).status_code == 404
    assert clock_state(case) == before


# ---- the queues: due moment and light, the most urgent first ---------------------------------------------


def test_the_queue_and_the_inbox_show_the_due_moment_and_light_and_sort_by_it(client, people, frozen):
    # given three requests dispatched into the tax queue: two normal ones a day apart, then an urgent one
    def dispatched(priority: int) -> Case:
        case = services.help_request_intake(actor=people["liaison"], **help_request_body(specialties=["tax"]))
        complete(case, "dispatch", priority=priority)
        return case

    frozen("2026-11-02 09:00")
    first = dispatched(1)
    frozen("2026-11-03 09:00")
    second = dispatched(1)
    frozen("2026-11-03 10:00")
    urgent = dispatched(3)
    frozen("2026-11-03 11:00")  # the first is overdue (claim within a working day)

    # then the queue shows the urgent one first, then the one due first, each with its light and due moment
    client.force_login(people["tax_advisor"])
    page = client.get(reverse("queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    references = [ref for ref in (urgent.reference, first.reference, second.reference) if ref in page]
    assert sorted(references, key=page.index) == [urgent.reference, first.reference, second.reference]
    assert 'class="light light-red" role="img" title="Overdue"' in page
    assert "2026-11-03 09:00" in page  # the first's claim deadline (a working day after its dispatch)
    rows = api_client(people["tax_advisor"]).get("/api/v1/tasks/?scope=queue").json()["results"]
    assert [(row["reference"], row["sla"]["light"]) for row in rows] == [
        (urgent.reference, "green"),  # 1 of its 4 working hours used
        (first.reference, "red"),
        (second.reference, "green"),  # 2 of its 7.5 working hours used
    ]

    # and once claimed, the inbox is in the same order
    for case in (second, first, urgent):
        services.task_claim(task_id=open_task(case, "advise_tax").pk, user=people["tax_advisor"])
    rows = api_client(people["tax_advisor"]).get("/api/v1/tasks/?scope=inbox").json()["results"]
    assert [row["reference"] for row in rows] == [urgent.reference, first.reference, second.reference]


# ---- the API --------------------------------------------------------------------------------------------------


def api_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def api_sla(user, task: Task) -> dict:
    return api_client(user).get("/api/v1/tasks/?scope=inbox").json()["results"][0]["sla"]


def post(user, url: str, body: dict | list | None = None):
    return api_client(user).post(
        url,
        json.dumps({} if body is None else body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_api_pauses_and_resumes_a_step_and_answers_with_the_task(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    mediator = people["mediator"]

    paused = post(mediator, f"/api/v1/tasks/{triage.pk}/pause/", {"reason": "等待申请人补充材料", "days": 2})

    assert paused.status_code == 200
    assert (paused.json()["id"], paused.json()["sla"]) == (
        triage.pk,
        {"due_at": clock_of(triage).due_at.isoformat(), "light": "paused", "paused": True},
    )
    frozen("2026-11-02 10:00")
    resumed = post(mediator, f"/api/v1/tasks/{triage.pk}/resume/")
    assert resumed.status_code == 200
    assert resumed.json()["sla"] == {"due_at": "2026-11-03T02:00:00+00:00", "light": "green", "paused": False}


REASON_MISSING = "Say which party the step waits for, and why."
BEYOND = "A pause lasts 1 to 10 working days."
NOT_DIGITS = "Enter a whole number in digits 0-9."


@pytest.mark.parametrize(
    ("who", "body", "status", "message", "fields"),
    [
        ("mediator", {"days": 2}, 400, REASON_MISSING, {"reason": [REASON_MISSING]}),
        ("mediator", {"reason": "等待", "days": 11}, 400, BEYOND, {"days": [BEYOND]}),
        ("mediator", {"reason": "等待", "days": "2.5"}, 400, NOT_DIGITS, {"days": [NOT_DIGITS]}),
        ("mediator", [], 400, "Send a JSON object.", {}),
        ("supervisor", {"reason": "等待"}, 403, "Only the person who holds the step may pause it.", {}),
        ("mediator_chengxi", {"reason": "等待"}, 404, "Not found.", {}),
    ],
)
def test_the_api_refuses_a_bad_pause_and_changes_nothing(people, frozen, who, body, status, message, fields):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    before = clock_state(case)

    response = post(people[who], f"/api/v1/tasks/{triage.pk}/pause/", body)

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["message"], error["fields"]) == (message, fields)
    assert clock_state(case) == before


def test_the_api_answers_409_to_a_second_pause_and_to_resuming_a_running_step(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    triage = open_task(case, "triage")
    mediator = people["mediator"]
    assert post(mediator, f"/api/v1/tasks/{triage.pk}/resume/").status_code == 409
    assert post(mediator, f"/api/v1/tasks/{triage.pk}/pause/", {"reason": "等待"}).status_code == 200
    before = clock_state(case)

    again = post(mediator, f"/api/v1/tasks/{triage.pk}/pause/", {"reason": "等待", "days": 1})

    assert (again.status_code, again.json()["error"]["message"]) == (409, "The step is paused already.")
    assert clock_state(case) == before


def test_the_case_list_api_gives_each_case_its_sla(people, frozen):
    frozen("2026-11-02 09:00")
    case = dispute_to("registered", people)
    frozen("2026-11-03 09:00")

    rows = api_client(people["supervisor"]).get("/api/v1/cases/").json()["results"]

    assert [(row["reference"], row["sla"]) for row in rows] == [
        (case.reference, {"due_at": "2026-11-03T01:00:00+00:00", "light": Light.RED, "paused": False})
    ]

"""The 同心接访 micro-dispute through workflow.services: intake, every step, the side exits and the refusals.

Messages are read under ``override("en")`` (the project's zh_Hans catalogue is not filled yet).
"""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from cases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import (
    Assessment,
    AuditAction,
    AuditEntry,
    Case,
    CaseKind,
    CaseState,
    DisputeDetail,
    Meeting,
    PointAward,
    ReferenceCounter,
    Unit,
)
from cases.workdays import CALENDAR_ZONE, add_working_days
from tests.helpers import agreement_data, audit_trail, case_snapshot, open_task, open_tasks
from workflow import selectors, services
from workflow.models import CaseProcess

INTAKE = {
    "category": "property",
    "description": "楼上漏水，物业推诿，邻里争执。",
    "channel": "visit",
    "applicant_name": "张三",
    "applicant_phone": "13812341234",
    "applicant_id_number": "11010519491231002x",
    "respondent_name": "李四",
    "respondent_phone": "13987654321",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def reference(number: int) -> str:
    return f"TX-{timezone.localdate().year}-{number:06d}"


def complete(case: Case, name: str, user, **data) -> Task:
    return services.task_complete(task_id=open_task(case, name).pk, user=user, data=data)


def meeting_time():
    return timezone.now() + timedelta(days=1)


def work_to_follow_up(case: Case, mediator) -> None:
    complete(case, "triage", mediator, category="property", priority=2, note="物业漏水")
    complete(
        case, "convene", mediator, scheduled_at=meeting_time(), place="祥泰社区议事厅", departments="司法所"
    )
    complete(case, "consult", mediator, minutes="双方陈述诉求。", decisions="物业限期整改。")
    complete(case, "resolution", mediator, **agreement_data())


# ---- intake ----------------------------------------------------------------------------------------------


def test_intake_registers_the_dispute_and_gives_triage_to_the_registering_mediator(people):
    # given the mediator of 祥泰社区
    mediator = people["mediator"]

    # when a walk-in dispute is registered
    case = services.dispute_intake(actor=mediator, **INTAKE)

    # then the case is registered in the mediator's unit with the next reference number
    case = Case.objects.select_related("dispute", "unit").get(pk=case.pk)
    assert (case.reference, case.kind, case.unit.name, case.state, case.brand, case.priority) == (
        reference(1),
        CaseKind.DISPUTE,
        "祥泰社区",
        CaseState.REGISTERED,
        "tongxin_jiefang",
        1,
    )
    assert (case.dispute.applicant_phone, case.dispute.applicant_id_number) == (
        "13812341234",
        "11010519491231002X",
    )
    assert audit_trail(case) == [("registered", "register", "", "registered", "mediator")]
    # and the triage task is already hers
    triage = open_task(case, "triage")
    assert (triage.status, triage.owner) == (STATUS.ASSIGNED, mediator)
    # and it is due a working day later (the dispute's own 30 calendar days come after that)
    assert case.due_at == add_working_days(triage.created, 1)


def test_intake_by_a_supervisor_leaves_triage_in_the_units_queue(people):
    # given a supervisor of 泰兴市 registering a dispute for 祥泰社区
    xiangtai = Unit.objects.get(name="祥泰社区")

    # when the dispute is registered
    case = services.dispute_intake(actor=people["supervisor_taixing"], unit=xiangtai, **INTAKE)

    # then the triage task waits unclaimed in the queue of 祥泰社区's mediators
    triage = open_task(case, "triage")
    assert (triage.status, triage.owner) == (STATUS.NEW, None)
    assert list(selectors.task_queue(user=people["mediator2"])) == [triage]
    assert list(selectors.task_queue(user=people["mediator_street"])) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "applicant_phone",
            "12812341234",
            "Enter a mainland mobile number: 11 digits starting with 13 to 19.",
        ),
        (
            "applicant_id_number",
            "110105194912310021",
            "This ID number is wrong: its check digit does not match.",
        ),
        ("respondent_phone", "1381234", "Enter a mainland mobile number: 11 digits starting with 13 to 19."),
    ],
)
def test_intake_refuses_a_bad_phone_or_id_number_and_writes_nothing(people, field, value, message):
    # given a dispute with one bad identifier
    fields = {**INTAKE, field: value}

    # when it is registered
    with pytest.raises(InvalidInput) as excinfo:
        services.dispute_intake(actor=people["mediator"], **fields)

    # then it is refused on that field and nothing was written
    assert (str(excinfo.value), excinfo.value.field) == (message, field)
    assert Case.objects.count() == 0
    assert DisputeDetail.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert CaseProcess.objects.count() == 0
    assert ReferenceCounter.objects.count() == 0


def test_intake_refuses_a_liaison_officer_the_wrong_role(people):
    # given the liaison officer, who registers help requests, not disputes
    # when he registers a dispute
    with pytest.raises(NotAllowed) as excinfo:
        services.dispute_intake(actor=people["liaison"], **INTAKE)

    # then it is refused and no case exists
    assert str(excinfo.value) == "You may not register this kind of case in 泰兴城区工业园区三师助企工作站."
    assert Case.objects.count() == 0


def test_intake_refuses_a_mediator_of_another_unit(people):
    # given the mediator of 成蹊新联之家 naming 祥泰社区
    xiangtai = Unit.objects.get(name="祥泰社区")

    # when she registers a dispute there
    with pytest.raises(NotAllowed) as excinfo:
        services.dispute_intake(actor=people["mediator_chengxi"], unit=xiangtai, **INTAKE)

    # then it is refused and no case exists
    assert str(excinfo.value) == "You may not register this kind of case in 祥泰社区."
    assert Case.objects.count() == 0


# ---- the main line -------------------------------------------------------------------------------------


def test_lifecycle_from_intake_to_closed_audits_every_step_and_awards_points(people):
    # given a registered dispute
    mediator, supervisor = people["mediator"], people["supervisor"]
    case = services.dispute_intake(actor=mediator, **INTAKE)

    # when the mediator works every step and a supervisor assesses it
    complete(case, "triage", mediator, category="neighbour", priority=2, note="邻里纠纷")
    assert Case.objects.get(pk=case.pk).state == CaseState.TRIAGED
    complete(
        case, "convene", mediator, scheduled_at=meeting_time(), place="祥泰社区议事厅", departments="司法所"
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.CONSULTING
    complete(case, "consult", mediator, minutes="双方陈述诉求。", decisions="物业限期整改。")
    assert Case.objects.get(pk=case.pk).state == CaseState.RESOLVING
    complete(case, "resolution", mediator, **agreement_data())
    assert Case.objects.get(pk=case.pk).state == CaseState.FOLLOW_UP
    complete(case, "follow_up", mediator, answer="satisfied", note="回访满意")
    assert Case.objects.get(pk=case.pk).state == CaseState.COMMENDING
    assess = open_task(case, "assess")
    assert (assess.status, assess.owner) == (STATUS.NEW, None)
    services.task_claim(task_id=assess.pk, user=supervisor)
    complete(case, "assess", supervisor, quality_score=4, comment="及时高效")

    # then the case is closed with what each step recorded
    case = Case.objects.select_related("dispute").get(pk=case.pk)
    assert (case.state, case.priority, case.due_at) == (CaseState.CLOSED, 2, None)
    assert case.closed_at is not None
    assert (case.dispute.category, case.dispute.agreement_text, case.dispute.outcome) == (
        "neighbour",
        "1. 双方达成调解协议。（自行履行，2026-12-31前）",
        "调解成功",
    )
    assert (case.dispute.follow_up_answer, case.dispute.follow_up_note) == ("satisfied", "回访满意")
    meeting = Meeting.objects.get(case=case)
    assert (meeting.place, meeting.minutes, meeting.decisions, meeting.held) == (
        "祥泰社区议事厅",
        "双方陈述诉求。",
        "物业限期整改。",
        True,
    )
    assert CaseProcess.objects.get(case=case).status == PROCESS.DONE
    # and the audit trail holds every transition and step, in order
    assert audit_trail(case) == [
        ("registered", "register", "", "registered", "mediator"),
        ("transition", "triage", "registered", "triaged", "mediator"),
        ("task_done", "triage", "", "", "mediator"),
        ("transition", "convene", "triaged", "consulting", "mediator"),
        ("task_done", "convene", "", "", "mediator"),
        ("transition", "conclude", "consulting", "resolving", "mediator"),
        ("task_done", "consult", "", "", "mediator"),
        ("transition", "resolve", "resolving", "follow_up", "mediator"),
        ("task_done", "resolution", "", "", "mediator"),
        ("transition", "confirm", "follow_up", "commending", "mediator"),
        ("task_done", "follow_up", "", "", "mediator"),
        ("claimed", "assess", "", "", "supervisor"),
        ("transition", "commend", "commending", "closed", "supervisor"),
        ("task_done", "assess", "", "", "supervisor"),
    ]
    assert (
        list(
            AuditEntry.objects.filter(case=case, action=AuditAction.TASK_DONE).values_list(
                "on_time", flat=True
            )
        )
        == [True] * 6
    )
    # and the mediator earns 5 steps × 10 + 5 on time + 2 × (5 − 1) satisfied + 2 × 4 quality = 71;
    # the assessing supervisor earns nothing
    assessment = Assessment.objects.get(case=case)
    assert (
        assessment.steps_total,
        assessment.steps_on_time,
        assessment.satisfaction,
        assessment.quality_score,
    ) == (
        5,
        5,
        5,
        4,
    )
    assert list(PointAward.objects.values_list("person__username", "points", "breakdown")) == [
        ("mediator", 71, "50+5+8+8")
    ]


def test_dissatisfied_follow_up_reopens_consultation_and_loops_to_the_consult_task(people):
    # given a dispute at the follow-up call
    mediator = people["mediator"]
    case = services.dispute_intake(actor=mediator, **INTAKE)
    work_to_follow_up(case, mediator)

    # when the applicant is dissatisfied
    complete(case, "follow_up", mediator, answer="dissatisfied", note="漏水仍未修好")

    # then the case is back in consultation, with a new consult task for the same mediator
    case.refresh_from_db()
    assert case.state == CaseState.CONSULTING
    consult = open_task(case, "consult")
    assert (consult.status, consult.owner) == (STATUS.ASSIGNED, mediator)
    assert audit_trail(case)[-2:] == [
        ("transition", "reopen", "follow_up", "consulting", "mediator"),
        ("task_done", "follow_up", "", "", "mediator"),
    ]
    assert AuditEntry.objects.get(case=case, name="reopen").reason == "漏水仍未修好"

    # when the second consultation is recorded without a meeting time (the first meeting was held)
    with pytest.raises(InvalidInput) as excinfo:
        complete(case, "consult", mediator, minutes="再次会商。", decisions="物业当周维修。")

    # then it is refused: a new meeting needs a time and a place
    assert (str(excinfo.value), excinfo.value.field) == (
        "A meeting needs a time and a place.",
        "scheduled_at",
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.CONSULTING

    # when it is recorded with one, resolved again and the applicant is satisfied, then assessed
    complete(
        case,
        "consult",
        mediator,
        minutes="再次会商。",
        decisions="物业当周维修。",
        scheduled_at=meeting_time(),
        place="祥泰社区议事厅",
    )
    complete(case, "resolution", mediator, **agreement_data("补充协议。"))
    complete(case, "follow_up", mediator, answer="satisfied", note="已修好")
    services.task_claim(task_id=open_task(case, "assess").pk, user=people["supervisor_taixing"])
    complete(case, "assess", people["supervisor_taixing"], quality_score=3)

    # then it closes after the loop; two meetings were held
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert Meeting.objects.filter(case=case, held=True).count() == 2
    assert [row[1] for row in audit_trail(case) if row[0] == "transition"] == [
        "triage",
        "convene",
        "conclude",
        "resolve",
        "reopen",
        "conclude",
        "resolve",
        "confirm",
        "commend",
    ]
    # and the mediator earns 8 steps × 10 + 5 on time + 2 × (5 − 1) + 2 × 3 = 99
    assert list(PointAward.objects.values_list("person__username", "points", "breakdown")) == [
        ("mediator", 99, "80+5+8+6")
    ]


def test_a_late_step_costs_the_on_time_bonus(people, time_machine):
    # given a dispute registered on Monday 2 November 2026 at 10:00 (triage: 1 working day)
    mediator = people["mediator"]
    time_machine.move_to(datetime(2026, 11, 2, 10, 0, tzinfo=CALENDAR_ZONE), tick=False)
    case = services.dispute_intake(actor=mediator, **INTAKE)

    # when the case is worked to the end from Wednesday on, with a basically satisfied applicant
    time_machine.move_to(datetime(2026, 11, 4, 10, 0, tzinfo=CALENDAR_ZONE), tick=False)
    work_to_follow_up(case, mediator)
    complete(case, "follow_up", mediator, answer="basically_satisfied")
    services.task_claim(task_id=open_task(case, "assess").pk, user=people["supervisor"])
    complete(case, "assess", people["supervisor"], quality_score=5)

    # then the late triage is recorded, and the mediator earns 50 + 0 + 2 × (4 − 1) + 2 × 5 = 66
    assert list(
        AuditEntry.objects.filter(case=case, action=AuditAction.TASK_DONE).values_list("name", "on_time")
    ) == [
        ("triage", False),
        ("convene", True),
        ("consult", True),
        ("resolution", True),
        ("follow_up", True),
        ("assess", True),
    ]
    assessment = Assessment.objects.get(case=case)
    assert (assessment.steps_total, assessment.steps_on_time, assessment.satisfaction) == (5, 4, 4)
    assert list(PointAward.objects.values_list("person__username", "points", "breakdown")) == [
        ("mediator", 66, "50+0+6+10")
    ]


# ---- side exits ----------------------------------------------------------------------------------------


def test_reject_ends_a_registered_dispute_and_cancels_its_flow(people):
    # given a registered dispute
    case = services.dispute_intake(actor=people["mediator"], **INTAKE)

    # when the mediator rejects it
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="reject", reason=" 不属于受理范围 "
    )

    # then it is rejected with the reason, closed, and its open task cancelled
    case.refresh_from_db()
    assert (case.state, case.exit_reason, case.due_at) == (CaseState.REJECTED, "不属于受理范围", None)
    assert case.closed_at is not None
    assert audit_trail(case)[-1] == ("transition", "reject", "registered", "rejected", "mediator")
    assert AuditEntry.objects.filter(case=case).last().reason == "不属于受理范围"
    assert CaseProcess.objects.get(case=case).status == PROCESS.CANCELED
    assert open_tasks(case) == {}
    assert Task.objects.get(process__caseprocess__case=case, flow_task_type="HUMAN").status == STATUS.CANCELED


def test_refer_hands_a_triaged_dispute_to_an_outside_body(people):
    # given a triaged dispute
    mediator = people["mediator"]
    case = services.dispute_intake(actor=mediator, **INTAKE)
    complete(case, "triage", mediator, category="labour", priority=1)

    # when a supervisor refers it to the arbitration committee
    services.case_side_exit(
        reference=case.reference,
        user=people["supervisor_taixing"],
        action="refer",
        reason="属于劳动争议",
        to="泰兴市劳动人事争议仲裁委员会",
    )

    # then it is referred there, and the convene task is cancelled
    case.refresh_from_db()
    assert (case.state, case.referred_to, case.exit_reason) == (
        CaseState.REFERRED,
        "泰兴市劳动人事争议仲裁委员会",
        "属于劳动争议",
    )
    assert audit_trail(case)[-1] == ("transition", "refer", "triaged", "referred", "supervisor_taixing")
    assert CaseProcess.objects.get(case=case).status == PROCESS.CANCELED
    assert open_tasks(case) == {}


def test_escalate_moves_the_dispute_to_the_parent_unit_and_restarts_triage_there(people):
    # given a dispute in consultation at 祥泰社区
    mediator, street = people["mediator"], people["mediator_street"]
    case = services.dispute_intake(actor=mediator, **INTAKE)
    complete(case, "triage", mediator, category="property", priority=2)
    complete(case, "convene", mediator, scheduled_at=meeting_time(), place="祥泰社区议事厅")
    old_process = CaseProcess.objects.get(case=case)

    # when the mediator escalates it
    services.case_side_exit(
        reference=case.reference, user=mediator, action="escalate", reason="跨社区，需街道协调"
    )

    # then the case belongs to 济川街道 and is escalated
    case.refresh_from_db()
    assert (case.unit.name, case.state, case.exit_reason, case.closed_at) == (
        "济川街道",
        CaseState.ESCALATED,
        "跨社区，需街道协调",
        None,
    )
    assert audit_trail(case)[-1] == ("transition", "escalate", "consulting", "escalated", "mediator")
    # and the old process is cancelled with its consult task
    old_process.refresh_from_db()
    assert old_process.status == PROCESS.CANCELED
    assert (
        old_process.task_set.get(flow_task_type="HUMAN", status=STATUS.CANCELED).flow_task.name == "consult"
    )
    # and a new process waits with a triage task in the street mediators' queue, not the community's
    new_process = CaseProcess.objects.get(case=case, status=PROCESS.NEW)
    triage = open_task(case, "triage")
    assert (triage.process_id, triage.status, triage.owner) == (new_process.pk, STATUS.NEW, None)
    assert list(selectors.task_queue(user=street)) == [triage]
    assert list(selectors.task_queue(user=mediator)) == []

    # when the street mediator claims and triages it
    services.task_claim(task_id=triage.pk, user=street)
    complete(case, "triage", street, category="property", priority=3)

    # then it is triaged at the street, and the next step is hers
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGED
    assert audit_trail(case)[-3:] == [
        ("claimed", "triage", "", "", "mediator_street"),
        ("transition", "triage", "escalated", "triaged", "mediator_street"),
        ("task_done", "triage", "", "", "mediator_street"),
    ]
    assert open_task(case, "convene").owner == street


def test_withdraw_ends_a_dispute_in_resolution(people):
    # given a dispute being resolved
    mediator = people["mediator"]
    case = services.dispute_intake(actor=mediator, **INTAKE)
    complete(case, "triage", mediator, category="property", priority=1)
    complete(case, "convene", mediator, scheduled_at=meeting_time(), place="祥泰社区议事厅")
    complete(case, "consult", mediator, minutes="会商。", decisions="和解。")

    # when the applicant withdraws
    services.case_side_exit(
        reference=case.reference, user=mediator, action="withdraw", reason="双方已自行和解"
    )

    # then the case is withdrawn and its flow cancelled
    case.refresh_from_db()
    assert (case.state, case.exit_reason) == (CaseState.WITHDRAWN, "双方已自行和解")
    assert case.closed_at is not None
    assert audit_trail(case)[-1] == ("transition", "withdraw", "resolving", "withdrawn", "mediator")
    assert CaseProcess.objects.get(case=case).status == PROCESS.CANCELED
    assert open_tasks(case) == {}


# ---- refusals: nothing changes -------------------------------------------------------------------------


@pytest.fixture
def consulting_case(people):
    mediator = people["mediator"]
    case = services.dispute_intake(actor=mediator, **INTAKE)
    complete(case, "triage", mediator, category="property", priority=1)
    complete(case, "convene", mediator, scheduled_at=meeting_time(), place="祥泰社区议事厅")
    return case


def test_rejecting_a_dispute_in_consultation_is_a_conflict(
    people, consulting_case, django_capture_on_commit_callbacks
):
    # given a dispute in consultation
    before = case_snapshot(consulting_case)

    # when the mediator tries to reject it
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Conflict) as excinfo:
        services.case_side_exit(
            reference=consulting_case.reference, user=people["mediator"], action="reject", reason="不受理"
        )

    # then it is refused and nothing changed, nothing was announced
    assert (
        str(excinfo.value)
        == f"Case {consulting_case.reference} is Consultation now: this step is not possible."
    )
    assert case_snapshot(consulting_case) == before
    assert callbacks == []


@pytest.mark.parametrize(
    ("action", "reason", "to", "field", "message"),
    [
        ("withdraw", "", "", "reason", "Give a reason."),
        ("escalate", "   ", "", "reason", "Give a reason."),
        ("refer", "属于劳动争议", " ", "to", "Say where the case is referred to."),
        ("close", "结案", "", "action", "Unknown action."),
    ],
)
def test_side_exit_without_its_input_is_refused(people, consulting_case, action, reason, to, field, message):
    before = case_snapshot(consulting_case)

    with pytest.raises(InvalidInput) as excinfo:
        services.case_side_exit(
            reference=consulting_case.reference, user=people["mediator"], action=action, reason=reason, to=to
        )

    assert (str(excinfo.value), excinfo.value.field) == (message, field)
    assert case_snapshot(consulting_case) == before


def test_a_mediator_of_another_unit_cannot_find_the_dispute(people, consulting_case):
    # given the mediator of 成蹊新联之家 and a dispute of 祥泰社区
    chengxi = people["mediator_chengxi"]
    before = case_snapshot(consulting_case)
    consult = open_task(consulting_case, "consult")

    # when she tries a side exit or the open step
    with pytest.raises(NotFound) as exit_refused:
        services.case_side_exit(
            reference=consulting_case.reference, user=chengxi, action="withdraw", reason="撤回"
        )
    with pytest.raises(NotFound) as complete_refused:
        services.task_complete(task_id=consult.pk, user=chengxi, data={"minutes": "x", "decisions": "y"})

    # then the case does not exist for her, and nothing changed
    assert str(exit_refused.value) == str(complete_refused.value) == "Not found."
    assert case_snapshot(consulting_case) == before


def test_only_the_owner_completes_a_step(people, consulting_case):
    # given the consult task held by the mediator
    consult = open_task(consulting_case, "consult")
    before = case_snapshot(consulting_case)

    # when a supervisor of the unit (who may see it) tries to complete it
    with pytest.raises(NotAllowed) as excinfo:
        services.task_complete(
            task_id=consult.pk, user=people["supervisor_taixing"], data={"minutes": "x", "decisions": "y"}
        )

    # then it is refused and nothing changed
    assert str(excinfo.value) == "Only the person who claimed the task may complete it."
    assert case_snapshot(consulting_case) == before
    assert Meeting.objects.get(case=consulting_case).held is False


def test_a_supervisor_cannot_claim_a_mediators_step(people):
    # given an escalated dispute whose triage waits in 济川街道's queue
    case = services.dispute_intake(actor=people["mediator"], **INTAKE)
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    triage = open_task(case, "triage")
    before = case_snapshot(case)

    # when a supervisor (the wrong role for triage) claims it
    with pytest.raises(NotAllowed) as excinfo:
        services.task_claim(task_id=triage.pk, user=people["supervisor_taixing"])

    # then it is refused and nothing changed
    assert str(excinfo.value) == "This task is not in your queue."
    assert case_snapshot(case) == before


def test_the_community_mediator_cannot_claim_the_escalated_triage(people):
    # given a dispute escalated from 祥泰社区 to 济川街道
    case = services.dispute_intake(actor=people["mediator"], **INTAKE)
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    triage = open_task(case, "triage")
    before = case_snapshot(case)

    # when the community mediator (who still sees the case she registered) claims the street's triage
    with pytest.raises(NotFound):
        services.task_claim(task_id=triage.pk, user=people["mediator"])

    # then the task does not exist for her, and nothing changed
    assert case_snapshot(case) == before


def test_escalating_from_the_top_unit_is_a_conflict(people):
    # given a dispute registered by the city supervisor at 泰州市, the root of the tree
    city = Unit.objects.get(name="泰州市")
    case = services.dispute_intake(actor=people["supervisor"], unit=city, **INTAKE)
    before = case_snapshot(case)

    # when the supervisor escalates it
    with pytest.raises(Conflict) as excinfo:
        services.case_side_exit(
            reference=case.reference, user=people["supervisor"], action="escalate", reason="上报"
        )

    # then there is no parent to escalate to, and nothing changed
    assert str(excinfo.value) == "泰州市 has no parent unit to escalate to."
    assert case_snapshot(case) == before


def test_completing_a_step_with_bad_data_changes_nothing(people, consulting_case):
    # given the consult task; its service refuses a meeting without a place
    case = Case.objects.get(pk=consulting_case.pk)
    meeting = Meeting.objects.get(case=case)
    Meeting.objects.filter(pk=meeting.pk).update(place="")
    before = case_snapshot(case)

    with pytest.raises(InvalidInput):
        complete(case, "consult", people["mediator"], minutes="会商纪要", decisions="决定")

    assert case_snapshot(case) == before
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.held) == ("", False)

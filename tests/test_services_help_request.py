"""The 祥泰暖心 三师 help request through workflow.services: intake with experience cards, dispatch, claims per
specialty, release, reassignment, the join, and on to closed.

Messages are read under ``override("en")`` (the project's zh_Hans catalogue is not filled yet).
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from viewflow.workflow.status import PROCESS, STATUS

from cases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import (
    Advice,
    AuditEntry,
    CardRedemption,
    Case,
    CaseKind,
    CaseState,
    ExperienceCard,
    HelpRequestDetail,
    PointAward,
)
from tests.helpers import audit_trail, case_snapshot, open_task, open_tasks
from workflow import selectors, services
from workflow.models import CaseProcess

INTAKE = {
    "enterprise_name": "泰兴市银杏精密机械有限公司",
    "credit_code": "91350100m000100y43",
    "contact_name": "刘经理",
    "contact_phone": "13912345678",
    "description": "劳动合同纠纷与研发费用加计扣除咨询。",
    "channel": "visit",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def intake(people, **fields) -> Case:
    return services.help_request_intake(
        actor=people["liaison"], **{**INTAKE, "specialties": ["legal", "tax"], **fields}
    )


def dispatch(case: Case, people, specialties=("legal", "tax")) -> None:
    services.task_complete(
        task_id=open_task(case, "dispatch").pk,
        user=people["liaison"],
        data={"specialties": list(specialties), "priority": 2, "note": "法律与税务"},
    )


@pytest.fixture
def dispatched(people) -> Case:
    case = intake(people)
    dispatch(case, people)
    return case


def queue(user) -> list[tuple[str, str]]:
    return [
        (task.flow_task.name, task.process.caseprocess.case.reference)
        for task in selectors.task_queue(user=user)
    ]


def card_left(code: str) -> int:
    return ExperienceCard.objects.get(code=code).services_left


# ---- intake and experience cards -----------------------------------------------------------------------


def test_intake_registers_the_request_at_the_liaisons_station(people):
    # given the liaison officer of the 三师助企工作站
    # when an enterprise's request is registered
    case = intake(people)

    # then it is submitted there, the credit code normalised, and dispatch is the liaison's task
    case = Case.objects.select_related("help_request", "unit").get(pk=case.pk)
    assert (case.kind, case.unit.name, case.state, case.brand) == (
        CaseKind.HELP_REQUEST,
        "泰兴城区工业园区三师助企工作站",
        CaseState.SUBMITTED,
        "xiangtai_nuanxin",
    )
    assert (case.help_request.credit_code, case.help_request.specialties, case.help_request.card) == (
        "91350100M000100Y43",
        ["legal", "tax"],
        None,
    )
    assert audit_trail(case) == [("registered", "register", "", "submitted", "liaison")]
    assert open_task(case, "dispatch").owner == people["liaison"]


def test_intake_with_a_card_takes_one_free_service_off_it(people):
    # given card TXK-0001 with 3 free services
    assert card_left("TXK-0001") == 3

    # when a request is registered with it (the code typed in lower case)
    case = intake(people, card_code="txk-0001")

    # then the card has 2 left, the redemption is recorded and audited
    assert card_left("TXK-0001") == 2
    redemption = CardRedemption.objects.get()
    assert (redemption.card.code, redemption.case, redemption.redeemed_by) == (
        "TXK-0001",
        case,
        people["liaison"],
    )
    assert HelpRequestDetail.objects.get(case=case).card.code == "TXK-0001"
    assert audit_trail(case) == [
        ("registered", "register", "", "submitted", "liaison"),
        ("card_redeemed", "card", "", "", "liaison"),
    ]
    assert AuditEntry.objects.get(case=case, name="card").reason == "TXK-0001"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("TXK-EXPIRED", "Experience card TXK-EXPIRED expired on 2024-12-31."),
        ("TXK-9999", "There is no experience card with code TXK-9999."),
    ],
)
def test_intake_with_an_expired_or_unknown_card_writes_nothing(people, code, message):
    # when a request is registered with a card that cannot be used
    with pytest.raises(InvalidInput) as excinfo:
        intake(people, card_code=code)

    # then it is refused on the card and no case exists
    assert (str(excinfo.value), excinfo.value.field) == (message, "card_code")
    assert Case.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert CardRedemption.objects.count() == 0
    assert CaseProcess.objects.count() == 0
    assert card_left("TXK-EXPIRED") == 3
    assert ExperienceCard.objects.get(code="TXK-EXPIRED").expires_on == date(2024, 12, 31)


def test_intake_with_a_used_up_card_writes_nothing(people, django_capture_on_commit_callbacks):
    # given card TXK-0002 with no free service left
    ExperienceCard.objects.filter(code="TXK-0002").update(services_left=0)

    # when a request is registered with it
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InvalidInput) as excinfo:
        intake(people, card_code="TXK-0002")

    # then it is refused, no case, no redemption, nothing announced, the card still at 0
    assert (str(excinfo.value), excinfo.value.field) == (
        "Experience card TXK-0002 has no free services left.",
        "card_code",
    )
    assert Case.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert CardRedemption.objects.count() == 0
    assert card_left("TXK-0002") == 0
    assert callbacks == []


def test_intake_redeems_the_last_service_of_a_card(people):
    # given card TXK-0003 with one free service left
    ExperienceCard.objects.filter(code="TXK-0003").update(services_left=1)

    # when two requests are registered with it
    intake(people, card_code="TXK-0003")
    with pytest.raises(InvalidInput):
        intake(people, card_code="TXK-0003")

    # then the first took the last service and the second was refused
    assert card_left("TXK-0003") == 0
    assert Case.objects.count() == 1
    assert CardRedemption.objects.filter(card__code="TXK-0003").count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"specialties": []}, "specialties", "Choose at least one specialty."),
        ({"specialties": ["legal", "medicine"]}, "specialties", "Unknown specialty: medicine."),
        (
            {"credit_code": "91350100M000100Y42"},
            "credit_code",
            "This unified social credit code is wrong: its check character does not match.",
        ),
        (
            {"contact_phone": "1391234567"},
            "contact_phone",
            "Enter a mainland mobile number: 11 digits starting with 13 to 19.",
        ),
    ],
)
def test_intake_refuses_bad_input_and_writes_nothing(people, fields, field, message):
    with pytest.raises(InvalidInput) as excinfo:
        intake(people, card_code="TXK-0001", **fields)

    assert (str(excinfo.value), excinfo.value.field) == (message, field)
    assert Case.objects.count() == 0
    assert card_left("TXK-0001") == 3


# ---- dispatch and the 工作清单 queue ------------------------------------------------------------------


def test_dispatch_opens_one_advice_task_per_specialty_in_the_right_queues(people):
    # given a submitted request for legal and tax advice
    case = intake(people)

    # when the liaison officer dispatches it
    dispatch(case, people)

    # then it is dispatched, with an unclaimed task per specialty
    case.refresh_from_db()
    assert (case.state, case.priority) == (CaseState.DISPATCHED, 2)
    tasks = open_tasks(case)
    assert list(tasks) == ["advise_legal", "advise_tax"]
    assert [(t.status, t.owner) for t in tasks.values()] == [(STATUS.NEW, None), (STATUS.NEW, None)]
    # and each professional sees only the task of their specialty
    assert queue(people["lawyer"]) == [("advise_legal", case.reference)]
    assert queue(people["lawyer2"]) == [("advise_legal", case.reference)]
    assert queue(people["tax_advisor"]) == [("advise_tax", case.reference)]
    assert queue(people["accountant"]) == []
    assert audit_trail(case)[-2:] == [
        ("transition", "dispatch", "submitted", "dispatched", "liaison"),
        ("task_done", "dispatch", "", "", "liaison"),
    ]


def test_claim_moves_the_request_to_claimed_and_out_of_the_queues(people, dispatched):
    # when the lawyer claims the legal task
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])

    # then the request is claimed, the task is his and gone from every queue
    dispatched.refresh_from_db()
    legal.refresh_from_db()
    assert dispatched.state == CaseState.CLAIMED
    assert (legal.status, legal.owner) == (STATUS.ASSIGNED, people["lawyer"])
    assert queue(people["lawyer"]) == []
    assert queue(people["lawyer2"]) == []
    assert [t.pk for t in selectors.task_inbox(user=people["lawyer"])] == [legal.pk]
    assert audit_trail(dispatched)[-2:] == [
        ("claimed", "advise_legal", "", "", "lawyer"),
        ("transition", "claim", "dispatched", "claimed", "lawyer"),
    ]

    # when the tax advisor claims the tax task
    services.task_claim(task_id=open_tasks(dispatched)["advise_tax"].pk, user=people["tax_advisor"])

    # then the request stays claimed, with no second transition
    dispatched.refresh_from_db()
    assert dispatched.state == CaseState.CLAIMED
    assert audit_trail(dispatched)[-1] == ("claimed", "advise_tax", "", "", "tax_advisor")


def test_a_second_claimant_hears_the_task_is_taken(people, dispatched):
    # given the legal task claimed by the lawyer
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    before = case_snapshot(dispatched)

    # when the other lawyer, who had it in his queue too, claims it
    with pytest.raises(Conflict) as excinfo:
        services.task_claim(task_id=legal.pk, user=people["lawyer2"])

    # then he is told it is taken, and nothing changed
    assert str(excinfo.value) == "This task has already been claimed by someone else."
    assert case_snapshot(dispatched) == before

    # and claiming it again himself is a conflict too
    with pytest.raises(Conflict) as excinfo:
        services.task_claim(task_id=legal.pk, user=people["lawyer"])
    assert str(excinfo.value) == "You have already claimed this task."
    assert case_snapshot(dispatched) == before


def test_the_accountant_cannot_claim_or_see_the_legal_task(people, dispatched):
    legal = open_tasks(dispatched)["advise_legal"]
    before = case_snapshot(dispatched)

    with pytest.raises(NotFound):
        services.task_claim(task_id=legal.pk, user=people["accountant"])

    assert case_snapshot(dispatched) == before


def test_release_of_the_only_claim_puts_the_request_back_to_dispatched(people, dispatched):
    # given the legal task claimed by the lawyer, the only claim
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])

    # when he releases it with a reason
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="other", reason=" 出差一周 ")

    # then the task is back in the queue and the request dispatched again
    dispatched.refresh_from_db()
    legal.refresh_from_db()
    assert dispatched.state == CaseState.DISPATCHED
    assert (legal.status, legal.owner) == (STATUS.NEW, None)
    assert queue(people["lawyer2"]) == [("advise_legal", dispatched.reference)]
    assert audit_trail(dispatched)[-2:] == [
        ("released", "advise_legal", "", "", "lawyer"),
        ("transition", "release", "claimed", "dispatched", "lawyer"),
    ]
    released = AuditEntry.objects.get(case=dispatched, action="released")
    assert (released.reason, released.subject, released.task_id) == ("出差一周", people["lawyer"], legal.pk)


def test_release_while_another_specialty_is_claimed_keeps_the_request_claimed(people, dispatched):
    # given both tasks claimed
    tasks = open_tasks(dispatched)
    services.task_claim(task_id=tasks["advise_legal"].pk, user=people["lawyer"])
    services.task_claim(task_id=tasks["advise_tax"].pk, user=people["tax_advisor"])

    # when the lawyer releases his
    services.task_release(
        task_id=tasks["advise_legal"].pk, user=people["lawyer"], code="other", reason="利益冲突"
    )

    # then the request stays claimed: the tax advisor still works on it
    dispatched.refresh_from_db()
    assert dispatched.state == CaseState.CLAIMED
    assert audit_trail(dispatched)[-1] == ("released", "advise_legal", "", "", "lawyer")


@pytest.mark.parametrize(
    ("code", "reason", "refusal"),
    [
        ("", "出差", ("Choose why it goes back.", "code")),
        ("holiday", "出差", ("Choose one of the listed options.", "code")),
        ("other", "   ", ("With “Other”, say why it goes back.", "reason")),
    ],
)
def test_release_without_a_code_or_with_other_and_no_text_is_refused(
    people, dispatched, code, reason, refusal
):
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    before = case_snapshot(dispatched)

    with pytest.raises(InvalidInput) as excinfo:
        services.task_release(task_id=legal.pk, user=people["lawyer"], code=code, reason=reason)

    assert (str(excinfo.value), excinfo.value.field) == refusal
    assert case_snapshot(dispatched) == before


def test_releasing_someone_elses_task_is_refused(people, dispatched):
    # given the legal task held by the lawyer and the tax task held by the tax advisor
    tasks = open_tasks(dispatched)
    services.task_claim(task_id=tasks["advise_legal"].pk, user=people["lawyer"])
    services.task_claim(task_id=tasks["advise_tax"].pk, user=people["tax_advisor"])
    before = case_snapshot(dispatched)

    # when the tax advisor releases the lawyer's task, then it does not exist for him
    with pytest.raises(NotFound):
        services.task_release(
            task_id=tasks["advise_legal"].pk, user=people["tax_advisor"], code="other", reason="帮他退回"
        )

    assert case_snapshot(dispatched) == before


# ---- reassignment by a supervisor ----------------------------------------------------------------------


def test_a_supervisor_reassigns_a_claimed_task_to_another_lawyer(people, dispatched):
    # given the legal task claimed by the lawyer
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])

    # when the city supervisor reassigns it to the other lawyer
    services.task_reassign(
        task_id=legal.pk, user=people["supervisor"], to_user=people["lawyer2"], reason="周律师请假"
    )

    # then it is the other lawyer's, the request still claimed
    legal.refresh_from_db()
    dispatched.refresh_from_db()
    assert (legal.status, legal.owner) == (STATUS.ASSIGNED, people["lawyer2"])
    assert dispatched.state == CaseState.CLAIMED
    assert audit_trail(dispatched)[-1] == ("reassigned", "advise_legal", "", "", "supervisor")
    reassigned = AuditEntry.objects.get(case=dispatched, action="reassigned")
    assert (reassigned.subject, reassigned.reason) == (people["lawyer2"], "周律师请假")


def test_a_supervisor_assigns_an_unclaimed_task_and_the_request_becomes_claimed(people, dispatched):
    legal = open_tasks(dispatched)["advise_legal"]

    services.task_reassign(task_id=legal.pk, user=people["supervisor_taixing"], to_user=people["lawyer2"])

    legal.refresh_from_db()
    dispatched.refresh_from_db()
    assert (legal.status, legal.owner) == (STATUS.ASSIGNED, people["lawyer2"])
    assert dispatched.state == CaseState.CLAIMED
    assert audit_trail(dispatched)[-2:] == [
        ("transition", "claim", "dispatched", "claimed", "supervisor_taixing"),
        ("reassigned", "advise_legal", "", "", "supervisor_taixing"),
    ]


def test_reassigning_to_a_professional_of_another_specialty_is_refused(people, dispatched):
    # given the legal task claimed by the lawyer
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    before = case_snapshot(dispatched)

    # when the supervisor reassigns it to the accountant
    with pytest.raises(InvalidInput) as excinfo:
        services.task_reassign(task_id=legal.pk, user=people["supervisor"], to_user=people["accountant"])

    # then it is refused and nothing changed
    assert (str(excinfo.value), excinfo.value.field) == ("郑会计师 may not work this task.", "to_user")
    assert case_snapshot(dispatched) == before


def test_reassigning_to_the_current_owner_is_refused(people, dispatched):
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    before = case_snapshot(dispatched)

    with pytest.raises(InvalidInput) as excinfo:
        services.task_reassign(task_id=legal.pk, user=people["supervisor"], to_user=people["lawyer"])

    assert (str(excinfo.value), excinfo.value.field) == ("The task is already with 周律师.", "to_user")
    assert case_snapshot(dispatched) == before


def test_a_supervisor_of_another_district_cannot_find_the_task(people, dispatched):
    # given the legal task claimed by the lawyer
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    before = case_snapshot(dispatched)

    # when the 海陵区 supervisor reassigns it
    with pytest.raises(NotFound):
        services.task_reassign(task_id=legal.pk, user=people["supervisor_hailing"], to_user=people["lawyer2"])

    # then it does not exist for him, and nothing changed
    assert case_snapshot(dispatched) == before


def test_a_professional_cannot_reassign(people, dispatched):
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    before = case_snapshot(dispatched)

    with pytest.raises(NotAllowed) as excinfo:
        services.task_reassign(task_id=legal.pk, user=people["lawyer"], to_user=people["lawyer2"])

    assert str(excinfo.value) == "Only a supervisor of the case's unit may reassign its tasks."
    assert case_snapshot(dispatched) == before


# ---- the join and the rest of the line ---------------------------------------------------------------


def test_lifecycle_joins_both_advice_then_runs_to_closed(people):
    # given a request for legal and tax advice, with a card, dispatched
    liaison, lawyer, tax_advisor, supervisor = (
        people["liaison"],
        people["lawyer"],
        people["tax_advisor"],
        people["supervisor"],
    )
    case = intake(people, card_code="TXK-0004")
    dispatch(case, people)
    tasks = open_tasks(case)
    services.task_claim(task_id=tasks["advise_legal"].pk, user=lawyer)
    services.task_claim(task_id=tasks["advise_tax"].pk, user=tax_advisor)

    # when the legal advice is in
    services.task_complete(task_id=tasks["advise_legal"].pk, user=lawyer, data={"text": "劳动合同条款有效。"})

    # then the request waits for the tax advice
    case.refresh_from_db()
    assert case.state == CaseState.CLAIMED
    assert list(open_tasks(case)) == ["advise_tax"]

    # when the tax advice is in too
    services.task_complete(
        task_id=tasks["advise_tax"].pk, user=tax_advisor, data={"text": "可享受加计扣除。"}
    )

    # then the join opens the joint session, for the liaison officer who dispatched
    case.refresh_from_db()
    assert case.state == CaseState.CONSULTING
    assert open_task(case, "joint_session").owner == liaison
    assert list(Advice.objects.filter(case=case).values_list("specialty", "author__username", "text")) == [
        ("legal", "lawyer", "劳动合同条款有效。"),
        ("tax", "tax_advisor", "可享受加计扣除。"),
    ]

    # when the liaison officer works the rest and a supervisor assesses
    when = timezone.now() + timedelta(days=1)
    services.task_complete(
        task_id=open_task(case, "joint_session").pk,
        user=liaison,
        data={
            "scheduled_at": when,
            "place": "三师助企工作站",
            "departments": "税务局, 司法局",
            "minutes": "资源对接会商。",
            "decisions": "联合出具解决方案。",
        },
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.RESOLVING
    services.task_complete(
        task_id=open_task(case, "resolution").pk,
        user=liaison,
        data={"solution": "完成税务筹划并代办申报。", "proxy_service_done": True},
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.FEEDBACK
    services.task_complete(
        task_id=open_task(case, "feedback").pk, user=liaison, data={"rating": 4, "comment": "比较满意"}
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.COMMENDING
    services.task_claim(task_id=open_task(case, "assess").pk, user=supervisor)
    services.task_complete(
        task_id=open_task(case, "assess").pk,
        user=supervisor,
        data={"quality_score": 5, "comment": "服务到位"},
    )

    # then the request is closed with its solution and rating
    case = Case.objects.select_related("help_request").get(pk=case.pk)
    assert case.state == CaseState.CLOSED
    assert (
        case.help_request.solution,
        case.help_request.proxy_service_done,
        case.help_request.rating,
        case.help_request.rating_comment,
    ) == ("完成税务筹划并代办申报。", True, 4, "比较满意")
    assert CaseProcess.objects.get(case=case).status == PROCESS.DONE
    assert card_left("TXK-0004") == 2
    # and the audit trail, in order (the join's transition is made while the tax step completes)
    assert audit_trail(case) == [
        ("registered", "register", "", "submitted", "liaison"),
        ("card_redeemed", "card", "", "", "liaison"),
        ("transition", "dispatch", "submitted", "dispatched", "liaison"),
        ("task_done", "dispatch", "", "", "liaison"),
        ("claimed", "advise_legal", "", "", "lawyer"),
        ("transition", "claim", "dispatched", "claimed", "lawyer"),
        ("claimed", "advise_tax", "", "", "tax_advisor"),
        ("task_done", "advise_legal", "", "", "lawyer"),
        ("transition", "consult", "claimed", "consulting", None),
        ("task_done", "advise_tax", "", "", "tax_advisor"),
        ("transition", "conclude", "consulting", "resolving", "liaison"),
        ("task_done", "joint_session", "", "", "liaison"),
        ("transition", "resolve", "resolving", "feedback", "liaison"),
        ("task_done", "resolution", "", "", "liaison"),
        ("transition", "rate", "feedback", "commending", "liaison"),
        ("task_done", "feedback", "", "", "liaison"),
        ("claimed", "assess", "", "", "supervisor"),
        ("transition", "commend", "commending", "closed", "supervisor"),
        ("task_done", "assess", "", "", "supervisor"),
    ]
    # and points: satisfaction is the rating 4 → 2 × 3 = 6, quality 5 → 10, every step on time → 5
    assert sorted(PointAward.objects.values_list("person__username", "points", "breakdown")) == [
        ("lawyer", 31, "10+5+6+10"),
        ("liaison", 61, "40+5+6+10"),
        ("tax_advisor", 31, "10+5+6+10"),
    ]


def test_completing_a_task_twice_is_a_conflict(people, dispatched):
    # given the legal advice already given
    legal = open_tasks(dispatched)["advise_legal"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"])
    services.task_complete(task_id=legal.pk, user=people["lawyer"], data={"text": "意见"})
    before = case_snapshot(dispatched)

    # when the lawyer submits it again
    with pytest.raises(Conflict) as excinfo:
        services.task_complete(task_id=legal.pk, user=people["lawyer"], data={"text": "意见"})

    # then it is refused and nothing changed
    assert str(excinfo.value) == "This task is not open for work any more."
    assert case_snapshot(dispatched) == before
    assert Advice.objects.filter(case=dispatched).count() == 1


def test_withdraw_of_a_claimed_request_cancels_the_advice_tasks(people, dispatched):
    # given the legal task claimed
    services.task_claim(task_id=open_tasks(dispatched)["advise_legal"].pk, user=people["lawyer"])

    # when the liaison officer withdraws the request
    services.case_side_exit(
        reference=dispatched.reference, user=people["liaison"], action="withdraw", reason="企业撤回"
    )

    # then it is withdrawn, its flow cancelled, and no queue shows its tasks
    dispatched.refresh_from_db()
    assert (dispatched.state, dispatched.exit_reason) == (CaseState.WITHDRAWN, "企业撤回")
    assert audit_trail(dispatched)[-1] == ("transition", "withdraw", "claimed", "withdrawn", "liaison")
    assert CaseProcess.objects.get(case=dispatched).status == PROCESS.CANCELED
    assert open_tasks(dispatched) == {}
    assert queue(people["tax_advisor"]) == []
    assert list(selectors.task_inbox(user=people["lawyer"])) == []


def test_a_help_request_cannot_be_referred_or_escalated(people, dispatched):
    before = case_snapshot(dispatched)

    for action in ("refer", "escalate"):
        with pytest.raises(Conflict):
            services.case_side_exit(
                reference=dispatched.reference, user=people["liaison"], action=action, reason="x", to="y"
            )

    assert case_snapshot(dispatched) == before

"""Driving demo cases to a given state through the real services (also used by tests)."""

from datetime import timedelta

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.demo import ENTERPRISES
from cases.models import Case, User
from workflow import services

DISPUTE_STATE_AFTER = {
    "registered": 0,
    "triaged": 1,
    "consulting": 2,
    "resolving": 3,
    "follow_up": 4,
    "commending": 5,
    "closed": 6,
}
HELP_STATE_AFTER = [
    "submitted",
    "dispatched",
    "claimed",
    "consulting",
    "resolving",
    "feedback",
    "commending",
    "closed",
]


def step_data(step: str, case: Case, **overrides) -> dict:
    when = timezone.now() + timedelta(days=1)
    data = {
        "triage": {"category": case.dispute.category if case.is_dispute else "", "priority": case.priority},
        "convene": {"scheduled_at": when, "place": "祥泰社区议事厅", "departments": "司法所, 物业公司"},
        "consult": {"minutes": "双方陈述诉求，调解员释法明理。", "decisions": "物业限期整改，业主按期缴费。"},
        "follow_up": {"answer": "satisfied", "note": "回访满意"},
        "assess": {"quality_score": 5, "comment": "及时高效"},
        "dispatch": {
            "specialties": case.help_request.specialties if case.is_help_request else [],
            "priority": 1,
        },
        "advise": {"text": "依据相关法规出具专业意见。"},
        "joint_session": {
            "scheduled_at": when,
            "place": "三师助企工作站",
            "departments": "税务局, 司法局",
            "minutes": "资源对接会商。",
            "decisions": "联合出具解决方案。",
        },
        "feedback": {"rating": 5, "comment": "非常满意"},
    }
    if step == "resolve":
        data["resolve"] = (
            {"agreement_text": "双方达成调解协议。", "outcome": "调解成功"}
            if case.is_dispute
            else {"solution": "完成税务筹划并代办申报。", "proxy_service_done": True}
        )
    return {**data[step], **overrides}


def open_tasks(case: Case):
    return Task.objects.filter(
        process__caseprocess__case=case, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    ).order_by("pk")


def work_open_task(case: Case, people: dict[str, User], **overrides) -> None:
    """Claim (if needed) and complete the first open task of the case as someone who may do it."""
    task = open_tasks(case).first()
    node = task.flow_task
    worker = task.owner or _taker(node, case, people)
    if task.owner_id is None:
        services.task_claim(task_id=task.pk, user=worker)
    fresh = Case.objects.select_related("dispute", "help_request").get(pk=case.pk)
    services.task_complete(task_id=task.pk, user=worker, data=step_data(node.step, fresh, **overrides))


def _taker(node, case: Case, people: dict[str, User]) -> User:
    for user in people.values():
        if node.may_take(user, case):
            return user
    raise LookupError(f"nobody in the demo may take {node.name} of {case.reference}")


def dispute_to(state: str, people: dict[str, User], *, actor: User | None = None, **intake) -> Case:
    fields = {
        "category": "property",
        "description": "楼上漏水，物业推诿，邻里争执。",
        "channel": "visit",
        "applicant_name": "张三",
        "applicant_phone": "13812341234",
        **intake,
    }
    case = services.dispute_intake(actor=actor or people["mediator"], **fields)
    for _ in range(DISPUTE_STATE_AFTER[state]):
        work_open_task(case, people)
    return Case.objects.get(pk=case.pk)


def help_request_to(state: str, people: dict[str, User], **intake) -> Case:
    enterprise_name, credit_code = ENTERPRISES[0]
    fields = {
        "enterprise_name": enterprise_name,
        "credit_code": credit_code,
        "contact_name": "刘经理",
        "contact_phone": "13912345678",
        "specialties": ["tax"],
        "description": "研发费用加计扣除如何申报？",
        "channel": "visit",
        **intake,
    }
    case = services.help_request_intake(actor=people["liaison"], **fields)
    target = HELP_STATE_AFTER.index(state)
    if target >= 1:
        work_open_task(case, people)  # dispatch
    if target >= 2:
        for task in open_tasks(case):
            services.task_claim(task_id=task.pk, user=_taker(task.flow_task, case, people))
    if target >= 3:
        for task in open_tasks(case):
            fresh = Case.objects.select_related("help_request").get(pk=case.pk)
            services.task_complete(task_id=task.pk, user=task.owner, data=step_data("advise", fresh))
    for _ in range(max(0, target - 3)):
        work_open_task(case, people)
    return Case.objects.get(pk=case.pk)


def build_cases(people: dict[str, User]) -> None:
    hailing = {"actor": people["mediator_chengxi"]}
    for state in DISPUTE_STATE_AFTER:
        dispute_to(state, people)
        dispute_to(
            state, people, category="neighbour", description="装修噪音扰民，夜间施工。", channel="phone"
        )
        dispute_to(
            state, people, **hailing, category="labour", description="拖欠农民工工资。", channel="online"
        )
    for state in HELP_STATE_AFTER:
        help_request_to(state, people)
        help_request_to(
            state,
            people,
            enterprise_name=ENTERPRISES[1][0],
            credit_code=ENTERPRISES[1][1],
            specialties=["legal", "tax"],
            description="劳动合同纠纷与税务合规咨询。",
        )
    help_request_to("dispatched", people, specialties=["legal", "accounting", "tax"], card_code="TXK-0001")
    # side exits
    for action, to in (
        ("reject", ""),
        ("refer", "泰兴市劳动人事争议仲裁委员会"),
        ("withdraw", ""),
        ("escalate", ""),
    ):
        case = dispute_to("registered", people, description="需上级协调的跨社区纠纷。")
        services.case_side_exit(
            reference=case.reference, user=people["mediator"], action=action, reason="演示", to=to
        )
    case = help_request_to("submitted", people)
    services.case_side_exit(
        reference=case.reference, user=people["liaison"], action="reject", reason="不属于服务范围"
    )
    case = help_request_to("claimed", people)
    services.case_side_exit(
        reference=case.reference, user=people["liaison"], action="withdraw", reason="企业已自行解决"
    )

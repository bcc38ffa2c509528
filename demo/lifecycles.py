"""Driving demo cases to a given state through the real commands (also used by the tests and benchmarks).

Nothing here knows the lifecycles: a case is worked along its flow, each open step completed with its
catalogue example (``Step.example``) by someone who may take it, until the case is in the state asked for.
"""

from viewflow.workflow.models import Task

from cases.models import Case, User
from cases.models.case import DISPUTE_MAIN_LINE, HELP_REQUEST_MAIN_LINE
from demo.org import ENTERPRISES
from workflow import services
from workflow.selectors import case_human_tasks_open


def open_tasks(case: Case):
    return case_human_tasks_open(case=case)


def step_data(case: Case, task: Task, **overrides) -> dict:
    """The step's example completion for this case (read afresh), with ``overrides``."""
    fresh = Case.objects.select_related("unit", "dispute", "help_request").get(pk=case.pk)
    return {**task.flow_task.step.example(fresh), **overrides}


def work_open_task(case: Case, people: dict[str, User], **overrides) -> None:
    """Claim (if needed) and complete the first open task of the case as someone who may do it."""
    task = open_tasks(case).first()
    node = task.flow_task
    worker = task.owner or _taker(node, case, people)
    if task.owner_id is None:
        services.task_claim(task_id=task.pk, user=worker)
    services.task_complete(task_id=task.pk, user=worker, data=step_data(case, task, **overrides))


def _taker(node, case: Case, people: dict[str, User]) -> User:
    for user in people.values():
        if node.may_take(user, case):
            return user
    raise LookupError(f"nobody in the demo may take {node.name} of {case.reference}")


def work_to(case: Case, state: str, people: dict[str, User]) -> Case:
    """Work the case along its flow until it is in ``state``: waiting steps are claimed (all of them, as the
    advice steps of a request are), then the first open step is completed."""
    while (case := Case.objects.get(pk=case.pk)).state != state:
        tasks = list(open_tasks(case))
        if not tasks:
            raise LookupError(f"{case.reference} ended in {case.state}, never reaching {state}")
        waiting = [task for task in tasks if task.owner_id is None]
        for task in waiting:
            services.task_claim(task_id=task.pk, user=_taker(task.flow_task, case, people))
        if waiting:
            continue
        services.task_complete(task_id=tasks[0].pk, user=tasks[0].owner, data=step_data(case, tasks[0]))
    return case


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
    return work_to(case, state, people)


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
    return work_to(case, state, people)


def build_cases(people: dict[str, User]) -> None:
    hailing = {"actor": people["mediator_chengxi"]}
    for state in DISPUTE_MAIN_LINE:
        dispute_to(state, people)
        dispute_to(
            state, people, category="neighbour", description="装修噪音扰民，夜间施工。", channel="phone"
        )
        dispute_to(
            state, people, **hailing, category="labour", description="拖欠农民工工资。", channel="online"
        )
    for state in HELP_REQUEST_MAIN_LINE:
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
    # returns (退回), waiting for the receiving unit's decision: a legal task given back by the lawyer, a dispute
    # sent back by the street it was escalated to
    case = help_request_to("claimed", people, specialties=["legal"])
    task = open_tasks(case).get()
    services.task_release(task_id=task.pk, user=task.owner, code="incomplete", reason="缺少劳动合同文本")
    case = dispute_to("registered", people, description="相邻社区之间的通道占用纠纷。")
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    services.case_return(reference=case.reference, user=people["mediator_street"], code="territory")

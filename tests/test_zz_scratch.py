from cases import demo_cases
from cases.errors import CaseError
from cases.models import AuditEntry, Case, PointAward, ExperienceCard
from workflow import services, selectors
from workflow.models import CaseProcess
from viewflow.workflow.models import Task


def dump(case):
    for a in AuditEntry.objects.filter(case=case):
        print(" A", a.action, a.name, a.from_state, a.to_state, a.actor, a.subject, a.on_time, repr(a.reason), a.task_id)
    for t in Task.objects.filter(process__caseprocess__case=case).order_by("pk"):
        print(" T", t.pk, t.process_id, t.flow_task, t.status, t.owner)


def st(case):
    case.refresh_from_db(); print("STATE", case.state)


def test_help(people):
    case = demo_cases.help_request_to("dispatched", people, specialties=["legal", "tax"])
    legal = Task.objects.get(process__caseprocess__case=case, flow_task=demo_cases.Task.flow_task.field.to_python("workflow/flows.HelpRequestFlow.advise_legal")) if False else None
    tasks = {t.flow_task.name: t for t in demo_cases.open_tasks(case)}
    legal, tax = tasks["advise_legal"], tasks["advise_tax"]
    services.task_claim(task_id=legal.pk, user=people["lawyer"]); st(case)
    try:
        services.task_release(task_id=legal.pk, user=people["lawyer"], reason="")
    except CaseError as e: print(type(e), e, e.field)
    services.task_release(task_id=legal.pk, user=people["lawyer"], reason="出差"); st(case)
    services.task_claim(task_id=legal.pk, user=people["lawyer"]); st(case)
    services.task_claim(task_id=tax.pk, user=people["tax_advisor"]); st(case)
    services.task_complete(task_id=legal.pk, user=people["lawyer"], data={"text": "合同条款有效"}); st(case)
    services.task_complete(task_id=tax.pk, user=people["tax_advisor"], data={"text": "可加计扣除"}); st(case)
    dump(case)
    for _ in range(4):
        t = demo_cases.open_tasks(case).first(); print(t.flow_task.name, t.owner)
        demo_cases.work_open_task(case, people); st(case)
    dump(case)
    for p in PointAward.objects.all():
        print(p.person, p.points, p.breakdown)
    assert 0

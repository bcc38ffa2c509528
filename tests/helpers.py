"""Small readers shared by the tests: open tasks of a case by node name, and a snapshot of everything a refused
operation must leave alone."""

import re

from viewflow.workflow.models import Task

from cases.models import AuditEntry, Case
from demo import lifecycles as demo_cases
from demo.org import ENTERPRISES
from workflow.models import CaseProcess


def open_tasks(case: Case) -> dict[str, Task]:
    """The case's open human tasks (new or claimed), by node name."""
    return {task.flow_task.name: task for task in demo_cases.open_tasks(case)}


def open_task(case: Case, name: str | None = None) -> Task:
    """The case's only open task, checked to be named ``name`` when given (use ``open_tasks`` for parallel ones)."""
    tasks = open_tasks(case)
    assert len(tasks) == 1 and name in (None, *tasks), f"open tasks of {case.reference}: {list(tasks)}"
    return next(iter(tasks.values()))


def enterprise_request(people: dict, description: str) -> Case:
    """A legal help request of the second demo enterprise, its contact 13900001111, waiting in the lawyers'
    queue (dispatched)."""
    enterprise, credit_code = ENTERPRISES[1]
    return demo_cases.help_request_to(
        "dispatched",
        people,
        specialties=["legal"],
        enterprise_name=enterprise,
        credit_code=credit_code,
        contact_phone="13900001111",
        description=description,
    )


def audit_trail(case: Case) -> list[tuple[str, str, str, str, str | None]]:
    """(action, name, from, to, actor username) of every audit row of the case, oldest first."""
    return [
        (
            entry.action,
            entry.name,
            entry.from_state,
            entry.to_state,
            entry.actor.username if entry.actor else None,
        )
        for entry in AuditEntry.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
    ]


def case_snapshot(case: Case) -> dict:
    """What a refused operation must not change: the case row, its audit rows, its processes and tasks."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "state": fresh.state,
        "unit": fresh.unit_id,
        "exit_reason": fresh.exit_reason,
        "closed_at": fresh.closed_at,
        "audit_rows": AuditEntry.objects.filter(case=case).count(),
        "processes": list(CaseProcess.objects.filter(case=case).order_by("pk").values_list("pk", "status")),
        "tasks": list(
            Task.objects.filter(process__caseprocess__case=case)
            .order_by("pk")
            .values_list("pk", "status", "owner_id")
        ),
    }


def visible_text(html: str) -> str:
    """What a person reads on a page: no tags, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def help_request_body(**fields) -> dict:
    """A valid API/intake body for a help request at the demo station."""
    from demo.org import ENTERPRISES

    return {
        "enterprise_name": ENTERPRISES[0][0],
        "credit_code": ENTERPRISES[0][1],
        "contact_name": "刘经理",
        "contact_phone": "13912345678",
        "specialties": ["legal", "tax"],
        "description": "劳动合同与税务问题",
        "channel": "phone",
        "priority": 1,
        **fields,
    }


def dispute_body(**fields) -> dict:
    return {
        "category": "neighbour",
        "description": "噪音",
        "channel": "visit",
        "applicant_name": "张三",
        "applicant_phone": "13812341234",
        **fields,
    }


def agreement_data(text: str = "双方达成调解协议。", **fields) -> dict:
    """A mediation agreement as the resolution step's form cleans it (one term named ``text``)."""
    from datetime import date

    from django.utils import timezone

    return {
        "facts": "申请人反映物业漏水未修。",
        "dispute": "维修期限与赔偿。",
        "terms": [{"content": text, "method": "自行履行", "deadline": date(2026, 12, 31)}],
        "respondent_id_number": "",
        "mediators": "王调解",
        "committee": "祥泰社区人民调解委员会",
        "signed_on": timezone.localdate(),
        "judicial_confirmation": False,
        "outcome": "调解成功",
        **fields,
    }


def agreement_post(text: str = "协议", **fields) -> dict:
    """The same agreement as the task page posts it (a term's inputs repeated per row)."""
    from django.utils import timezone

    return {
        "facts": "申请人反映物业漏水未修。",
        "dispute": "维修期限与赔偿。",
        "terms-content": [text],
        "terms-method": ["自行履行"],
        "terms-deadline": ["2026-12-31"],
        "mediators": "王调解",
        "committee": "祥泰社区人民调解委员会",
        "signed_on": timezone.localdate().isoformat(),
        "outcome": "调解成功",
        **fields,
    }

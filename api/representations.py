"""What the API returns for cases and tasks. Personal data is masked exactly as on the pages."""

from cases.masking import mask_id_number, mask_phone


def unit_data(unit) -> dict:
    return {"id": unit.pk, "name": unit.name}


def case_summary(case) -> dict:
    return {
        "reference": case.reference,
        "kind": case.kind,
        "state": case.state,
        "unit": unit_data(case.unit),
        "brand": case.brand,
        "channel": case.channel,
        "priority": case.priority,
        "description": case.description,
        "created_at": case.created_at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
    }


def case_fields(case, *, show_personal: bool) -> dict:
    phone = (lambda v: v) if show_personal else mask_phone
    id_number = (lambda v: v) if show_personal else mask_id_number
    if case.is_dispute:
        d = case.dispute
        return {
            "category": d.category,
            "applicant_name": d.applicant_name,
            "applicant_phone": phone(d.applicant_phone),
            "applicant_id_number": id_number(d.applicant_id_number),
            "respondent_name": d.respondent_name,
            "respondent_phone": phone(d.respondent_phone),
            "grid": d.grid,
            "agreement_text": d.agreement_text,
            "outcome": d.outcome,
            "follow_up_answer": d.follow_up_answer,
        }
    h = case.help_request
    return {
        "enterprise_name": h.enterprise_name,
        "credit_code": h.credit_code,
        "contact_name": h.contact_name,
        "contact_phone": phone(h.contact_phone),
        "specialties": h.specialties,
        "card_code": h.card.code if h.card_id else None,
        "solution": h.solution,
        "rating": h.rating,
    }


def task_data(task) -> dict:
    case = task.process.caseprocess.case
    return {
        "id": task.pk,
        "reference": case.reference,
        "step": task.flow_task.name,
        "title": str(task.flow_task.task_title),
        "status": task.status,
        "owner": task.owner.username if task.owner_id else None,
        "created": task.created.isoformat(),
    }


def audit_data(entry) -> dict:
    return {
        "id": entry.pk,
        "at": entry.created_at.isoformat(),
        "action": entry.action,
        "name": entry.name,
        "from": entry.from_state,
        "to": entry.to_state,
        "actor": entry.actor.username if entry.actor_id else None,
        "subject": entry.subject.username if entry.subject_id else None,
        "reason": entry.reason,
    }

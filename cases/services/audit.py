from cases.models import AuditEntry, Case, User


def audit_write(
    *,
    case: Case,
    actor: User | None,
    action: str,
    name: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    task_id: int | None = None,
    subject: User | None = None,
    on_time: bool | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        case=case,
        actor=actor,
        action=action,
        name=name,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        task_id=task_id,
        subject=subject,
        on_time=on_time,
    )

"""The audit trail's one writer: a row per transition, claim, release, reassignment, step done, redemption,
unmasking, in the transaction of the change."""

from cases.models import AuditEntry, Case, User
from cases.transactions import in_transaction


@in_transaction
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

"""The audit trail's one writer: a row per transition, claim, release, reassignment, step done, redemption,
unmasking, pause, step turned yellow or red, in the transaction of the change."""

from cases.models import AuditEntry, Case, User
from cases.transactions import in_transaction
from notifications.events import row_later
from notifications.rows import rows_insert


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
    # Written with the command's other rows at its end (``notifications.events.row_later``): it has no id before.
    entry = AuditEntry(
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
    row_later(entry)
    return entry


@in_transaction
def audit_write_all(*, entries: list[AuditEntry]) -> list[AuditEntry]:
    """Several rows (unsaved ``AuditEntry`` objects) in one INSERT, each with its id (its board ``seq``)."""
    return rows_insert(entries)

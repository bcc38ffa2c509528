from datetime import datetime

from cases.models import Case
from cases.transactions import in_transaction


@in_transaction
def case_due_set(*, case: Case, due: datetime | None) -> None:
    """Keep the case's current due moment (its earliest open step's, ``cases.deadlines.case_due``) for the
    boards' overdue lists; no statement when it is unchanged."""
    if due != case.due_at:
        # Not ``save()``: the state guard of ``ConcurrentTransitionMixin`` has nothing to guard in a due moment.
        Case.objects.filter(pk=case.pk).update(due_at=due)
        case.due_at = due

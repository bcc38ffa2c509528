"""What the running command knows of a case it holds, kept in memory for the command's life: who takes part in
it and its running clocks. The lock reads both in its own statement when it gets the case at once
(``workflow.locks.case_lock``); a case the command registers starts with none of either. The services that
change them keep them up to date (``cases.services.participants``, ``cases.services.clocks``), so the rest of
the command reads them without a statement. Nobody else changes them meanwhile: every change is made by a
command holding the case's lock. Outside a command, or for a case the lock had to wait for, nothing is kept and
the services read the database."""

from dataclasses import dataclass

from cases.models import Case, Clock
from notifications.events import current_batch


@dataclass
class Carried:
    participants: set[int] | None = None  # person ids
    clocks: list[Clock] | None = None  # running: not stopped


def carried(case: Case) -> Carried:
    """What the command keeps of ``case`` (an empty ``Carried``, kept nowhere, outside a command)."""
    batch = current_batch()
    if batch is None:
        return Carried()
    return batch.carried.setdefault(("case", case.pk), Carried())

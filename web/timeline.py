"""The case page's timeline: the audit trail as people read it. Each step's entry is named by its step
("研判分流 办结", not "环节办结"), and the state change a step's completion made is told on that step's line,
not as a line before it (the write records the transition before the flow records the step as done)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cases.models import AuditEntry, Case
from cases.models.audit import AuditAction
from cases.steps import Step, steps_of

STEP_ACTIONS = {
    AuditAction.TASK_DONE: lambda step: _("%(step)s done") % {"step": step},
    AuditAction.CLAIMED: lambda step: _("%(step)s claimed") % {"step": step},
    AuditAction.RELEASED: lambda step: _("%(step)s released") % {"step": step},
    AuditAction.REASSIGNED: lambda step: _("%(step)s reassigned") % {"step": step},
    AuditAction.PAUSED: lambda step: _("%(step)s paused") % {"step": step},
    AuditAction.RESUMED: lambda step: _("%(step)s resumed") % {"step": step},
}


@dataclass
class TimelineEntry:
    entry: AuditEntry
    title: str | Promise
    from_state: str
    to_state: str

    def __getattr__(self, name: str):  # the template reads the audit row's own fields through the entry
        return getattr(self.entry, name)


def case_timeline_entries(*, case: Case, entries: list[AuditEntry]) -> list[TimelineEntry]:
    """``entries`` (the case's audit rows, oldest first) as the timeline shows them."""
    steps: dict[str, Step] = {step.name: step for step in steps_of(case.kind)}
    shown: list[TimelineEntry] = []
    for entry in entries:
        step = steps.get(entry.name)
        if entry.action in STEP_ACTIONS and step is not None:
            title = STEP_ACTIONS[AuditAction(entry.action)](step.title)
        else:
            title = entry.get_action_display()
        line = TimelineEntry(entry=entry, title=title, from_state=entry.from_state, to_state=entry.to_state)
        caused = shown[-1] if shown else None
        if (
            entry.action == AuditAction.TASK_DONE
            and step is not None
            and caused is not None
            and _made_by(caused, entry, step)
        ):
            # the state change this step made: told on the step's own line, where it happened
            shown.pop()
            line.from_state, line.to_state = caused.entry.from_state, caused.entry.to_state
        shown.append(line)
    return shown


def _made_by(caused: TimelineEntry, done: AuditEntry, step: Step) -> bool:
    """Whether ``caused`` is the state change that completing ``step`` made: the row just before the step's,
    written in the same transaction where the database says so, a transition the step fires by its person, or
    one the system fired with it (the consultation a help request's last advice opens)."""
    if caused.entry.action != AuditAction.TRANSITION:
        return False
    change = caused.entry
    if change.txid is not None and done.txid is not None and change.txid != done.txid:
        return False
    return (change.name in step.transitions and change.actor_id == done.actor_id) or change.actor_id is None

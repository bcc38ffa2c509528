"""Registering a case: the case's services write it, then its flow starts (both in one command)."""

from cases.carried import carried
from cases.models import Case, CaseKind, Unit, User
from cases.services import intake
from cases.transactions import command
from workflow.flows import DisputeFlow, HelpRequestFlow
from workflow.locks import case_held
from workflow.services.announce import after_step


@command
def dispute_intake(*, actor: User, unit: Unit | None = None, duplicate_of: str = "", **fields) -> Case:
    """``duplicate_of``: the reference of one of its possible duplicates, to register it as a repeat of."""
    target = intake.intake_unit(actor=actor, unit=unit, kind=CaseKind.DISPUTE)
    original = intake.duplicate_chosen(
        actor=actor, unit=target, kind=CaseKind.DISPUTE, fields=fields, reference=duplicate_of
    )
    case = intake.dispute_create(actor=actor, unit=target, **fields)
    case_held(case.pk)  # new: nobody else sees it before the commit, its flow need not lock it
    carried(case).participants, carried(case).clocks = set(), []  # nobody takes part yet, no clock runs
    if original is not None:
        intake.case_link_duplicate(case=case, original=original, actor=actor)
    DisputeFlow.start.run(case=case, assignee=actor)
    after_step(case, actor=actor, new_case=True)
    return case


@command
def help_request_intake(*, actor: User, unit: Unit | None = None, duplicate_of: str = "", **fields) -> Case:
    target = intake.intake_unit(actor=actor, unit=unit, kind=CaseKind.HELP_REQUEST)
    original = intake.duplicate_chosen(
        actor=actor, unit=target, kind=CaseKind.HELP_REQUEST, fields=fields, reference=duplicate_of
    )
    case = intake.help_request_create(actor=actor, unit=target, **fields)
    case_held(case.pk)  # new: nobody else sees it before the commit, its flow need not lock it
    carried(case).participants, carried(case).clocks = set(), []  # nobody takes part yet, no clock runs
    if original is not None:
        intake.case_link_duplicate(case=case, original=original, actor=actor)
    HelpRequestFlow.start.run(case=case, assignee=actor)
    after_step(case, actor=actor, new_case=True)
    return case

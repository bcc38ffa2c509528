"""Registering a case: the case's services write it, then its flow starts (both in one command)."""

from cases.models import Case, CaseKind, Unit, User
from cases.services import intake
from cases.transactions import command
from workflow.flows import DisputeFlow, HelpRequestFlow
from workflow.services.announce import after_step


@command
def dispute_intake(*, actor: User, unit: Unit | None = None, **fields) -> Case:
    target = intake.intake_unit(actor=actor, unit=unit, kind=CaseKind.DISPUTE)
    case = intake.dispute_create(actor=actor, unit=target, **fields)
    DisputeFlow.start.run(case=case, assignee=actor)
    after_step(case, actor=actor, new_case=True)
    return case


@command
def help_request_intake(*, actor: User, unit: Unit | None = None, **fields) -> Case:
    target = intake.intake_unit(actor=actor, unit=unit, kind=CaseKind.HELP_REQUEST)
    case = intake.help_request_create(actor=actor, unit=target, **fields)
    HelpRequestFlow.start.run(case=case, assignee=actor)
    after_step(case, actor=actor, new_case=True)
    return case

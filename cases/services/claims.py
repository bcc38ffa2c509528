"""What taking and giving back a step means for the case: a help request is ``claimed`` from its first
professional's claim until the last claim of its advice steps goes back to the queue. The workflow passes the
facts (who does the step, whether other advice steps are taken); the decision is here."""

from cases.models import Case, CaseState, User
from cases.rules import Audience
from cases.services.transitions import case_apply_transition
from cases.transactions import in_transaction


@in_transaction
def case_step_taken(*, case: Case, actor: User, audience: Audience) -> None:
    """A professional took one of the request's advice steps (a claim, or a supervisor's assignment)."""
    if audience is Audience.PROFESSIONAL and case.state == CaseState.DISPATCHED:
        case_apply_transition(case=case, name="claim", actor=actor, check_permission=False)


@in_transaction
def case_step_given_back(
    *, case: Case, actor: User, audience: Audience, reason: str, other_advice_taken: bool
) -> None:
    """An advice step went back to the queue; ``other_advice_taken``: another one is claimed or answered."""
    if audience is Audience.PROFESSIONAL and case.state == CaseState.CLAIMED and not other_advice_taken:
        case_apply_transition(case=case, name="release", actor=actor, reason=reason, check_permission=False)


@in_transaction
def case_advice_complete(*, case: Case) -> None:
    """Every specialty the request asked for has answered: the joint session (议事会商) is next."""
    case_apply_transition(case=case, name="consult", actor=None, check_permission=False)

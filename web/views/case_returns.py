"""The case page's returns (退回): the case's returns, each with a decision form for the people who decide it,
and the form to return the dispute for the people who may."""

from typing import Any

from cases import forms as case_forms
from cases import rules
from cases.models import Case, CaseReturn, User
from cases.selectors.returns import returns_of_case
from cases.services.returns import case_return_kind_for_user


def case_returns_context(
    user: User,
    case: Case,
    return_form: case_forms.ReturnForm | None = None,
    decision_forms: dict[int, case_forms.ReturnDecisionForm] | None = None,
) -> dict[str, Any]:
    """``returns``: (return, its decision form or None) pairs; ``return_kind`` and ``return_form`` (None unless
    the person may return the dispute now). Bound forms given are shown with their errors."""
    decision_forms = decision_forms or {}
    rows: list[tuple[CaseReturn, case_forms.ReturnDecisionForm | None]] = []
    for row in returns_of_case(case=case):
        decides = row.is_pending and rules.decides_return(kind=case.kind, to_unit=row.to_unit, user=user)
        form = (decision_forms.get(row.pk) or case_forms.ReturnDecisionForm()) if decides else None
        rows.append((row, form))
    kind = case_return_kind_for_user(case=case, user=user)
    return {
        "returns": rows,
        "return_kind": kind,
        "return_form": (return_form or case_forms.ReturnForm()) if kind else None,
    }

"""Returns (退回) on the pages: returning a dispute and deciding a return (both from the case page), and the
returns page: what waits for the person's decision and, for supervisors, the counts per unit of their subtree."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import forms as case_forms
from cases import rules
from cases.errors import CaseError, NotFound
from cases.models import Case, ReturnReason, User
from cases.selectors.returns import returns_by_unit, returns_pending_for_user
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.views.cases import _case_context
from workflow import services
from workflow.selectors import case_get_for_user, return_get_for_user


def _visible_case(request: AuthenticatedHttpRequest, reference: str) -> Case | None:
    try:
        return case_get_for_user(reference=reference, user=request.user)
    except NotFound:
        return None


def _after(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Back to the case, or to the returns page when the case went where the person no longer sees it."""
    if _visible_case(request, reference) is None:
        return redirect("returns")
    return redirect("case", reference=reference)


@login_required
@require_POST
def case_return(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _visible_case(request, reference)
    if case is None:
        raise Http404()
    form = case_forms.ReturnForm(request.POST)
    if not form.is_valid():
        return render(
            request, "cases/detail.html", _case_context(request, case, return_form=form), status=400
        )
    try:
        returned = services.case_return(
            reference=reference,
            user=request.user,
            code=form.cleaned_data["code"],
            reason=form.cleaned_data["reason"],
        )
    except CaseError as error:
        return refuse(
            request, error, "cases/detail.html", _case_context(request, case, return_form=form), form
        )
    messages.success(
        request,
        _("Case %(reference)s was returned to %(unit)s.")
        % {"reference": reference, "unit": returned.to_unit},
    )
    return _after(request, reference)


@login_required
@require_POST
def return_decide(request: AuthenticatedHttpRequest, return_id: int) -> HttpResponse:
    try:
        returned = return_get_for_user(return_id=return_id, user=request.user)
    except NotFound as unseen:
        raise Http404(str(unseen.message)) from unseen
    reference = returned.case.reference
    form = case_forms.ReturnDecisionForm(request.POST)
    refusal: CaseError | None = None
    if form.is_valid():
        try:
            services.return_decide(
                return_id=return_id,
                user=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except CaseError as refused:
            refusal = refused
        else:
            messages.success(request, _("The return of %(reference)s is decided.") % {"reference": reference})
            return _after(request, reference)
    # Refused: the case page again, the form with its errors; the returns page if the case is out of sight.
    case = _visible_case(request, reference)
    if case is None:
        refusals = (
            [refusal.message] if refusal else [text for texts in form.errors.values() for text in texts]
        )
        for text in refusals:
            messages.error(request, str(text))
        status = refusal.status_code if refusal else 400
        return render(request, "returns/list.html", _returns_page(request.user), status=status)
    context = _case_context(request, case, decision_forms={return_id: form})
    if refusal is not None:
        return refuse(request, refusal, "cases/detail.html", context, form)
    return render(request, "cases/detail.html", context, status=400)


def _returns_page(user: User) -> dict[str, Any]:
    root = rules.board_root(user)
    counts = returns_by_unit(root=root) if root is not None else []
    for row in counts:
        row["received_codes"] = " · ".join(
            f"{ReturnReason(code).label} {n}" for code, n in row["received_by_code"].items() if n
        )
    return {"pending": returns_pending_for_user(user=user), "root": root, "counts": counts}


@login_required
def return_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not (rules.decides_returns_somewhere(request.user) or rules.has_board(request.user)):
        raise Http404()
    return render(request, "returns/list.html", _returns_page(request.user))

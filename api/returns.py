"""The API of returns (退回): a dispute returned, the returns waiting for the caller's decision, the decision,
and the counts per unit for supervisors. The same forms, services and selectors as the pages."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs
from api import request_bodies as bodies
from api import serializers as answers
from api.views import caller
from cases import forms as case_forms
from cases import rules
from cases.errors import NotAllowed
from cases.selectors.returns import returns_by_unit, returns_pending_for_user
from workflow import services
from workflow.selectors import case_get_for_user, return_get_for_user

ERRORS = answers.ERRORS
BODY_ERRORS = answers.BODY_ERRORS


@extend_schema(
    request=bodies.CaseReturnIn,
    description="退回 of a dispute by the unit that has it: one escalated there and not yet triaged is sent back "
    "to the unit that escalated it; a referred one came back from the department it went to (recorded by a "
    "mediator or supervisor of its unit, it is open again). Either waits for triage at the receiving unit, whose "
    "clocks run on (none restarts); that unit then decides the return. 400 without a code, with an unknown "
    "one, or with `other` and no text; 403 for someone who sees the case but may not return it; 409 when the "
    "dispute is neither escalated here (and waiting for triage) nor referred.",
    responses={201: answers.ReturnOut, **BODY_ERRORS},
)
@api_view(["POST"])
def case_return(request: Request, reference: str) -> Response:
    user = caller(request)
    case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    values = inputs.cleaned(case_forms.ReturnForm(inputs.body(request)))
    returned = services.case_return(
        reference=reference, user=user, code=values["code"], reason=values["reason"]
    )
    return Response(answers.ReturnOut(returned).data, status=201)


@extend_schema(
    description="The returns waiting for the caller's decision: to their own unit (workers of the case's kind) "
    "or anywhere in their subtree (supervisors), newest first.",
    responses={200: answers.PendingReturns, **ERRORS},
    operation_id="v1_returns_pending",
)
@api_view(["GET"])
def return_list(request: Request) -> Response:
    rows = returns_pending_for_user(user=caller(request))
    return Response(answers.PendingReturns({"results": rows}).data)


@extend_schema(
    description="Per unit of the supervisor's subtree (an administrator's: the whole tree): the returns sent and "
    "received, re-dispatched, upheld and pending, and by code.",
    responses={200: answers.ReturnCounts, **ERRORS},
    operation_id="v1_returns_counts",
)
@api_view(["GET"])
def return_counts(request: Request) -> Response:
    root = rules.board_root(caller(request))
    if root is None:
        raise NotAllowed(_("Only supervisors see the counts of returns."))
    unit = {"unit_id": root.pk, "name": root.name, "path": root.path}
    return Response(answers.ReturnCounts({"unit": unit, "units": returns_by_unit(root=root)}).data)


@extend_schema(
    request=bodies.ReturnDecisionIn,
    description="The unit a return went to decides it, once: `upheld` (the return holds; the unit keeps the "
    "work) or `redispatched` (the work goes out again: a released task still waiting is announced again to who "
    "may take it, a dispute sent back is escalated again, a referred one referred again to the same department; "
    "for a dispute the `note` says why). 403 for someone who sees the return but is not of that unit (its "
    "workers of the case's kind, its supervisors); 409 when it was decided already or there is nothing to "
    "re-dispatch.",
    responses={200: answers.ReturnOut, **BODY_ERRORS},
)
@api_view(["POST"])
def return_decide(request: Request, return_id: int) -> Response:
    user = caller(request)
    return_get_for_user(return_id=return_id, user=user)  # one you may not see: 404 before all else
    values = inputs.cleaned(case_forms.ReturnDecisionForm(inputs.body(request)))
    returned = services.return_decide(
        return_id=return_id, user=user, decision=values["decision"], note=values["note"]
    )
    return Response(answers.ReturnOut(returned).data)

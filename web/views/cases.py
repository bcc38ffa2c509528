"""Case pages: lists filtered by state/kind/unit, the case page with its timeline, intake and side exits."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import forms as case_forms
from cases import rules
from cases.errors import CaseError, InvalidInput, NotFound
from cases.models import Case, CaseKind, CaseState, Role, Unit, User
from cases.order_forms import OrderForm, OrderReplyForm
from cases.selectors import CasePage
from cases.selectors.extensions import extension_list_of_case
from cases.services.side_exits import SIDE_EXITS, case_side_exits_for_user
from web.attachments import attachments_context
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.views.case_returns import case_returns_context
from web.views.order_context import case_orders_context
from web.views.parties import party_context, receipt_code_keep
from web.views.reports import case_list_xlsx
from workflow import services
from workflow.selectors import (
    case_get_for_user,
    case_open_tasks,
    case_page_for_user,
    case_shows_personal_data,
    case_timeline,
    with_clocks,
)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.has_role(Role.SUPERVISOR):
        return redirect("cases")
    return redirect("inbox")


def _visible_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(rules.units_seen(user)).order_by("path")


@login_required
def case_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Newest first or due first, one page at a time by the keyset cursor ``after`` (``case_page_for_user``),
    filtered by state, kind, unit, light or a search."""
    query_form = case_forms.CaseFilterForm(request.GET)
    status = 200
    try:
        if not query_form.is_valid():
            field, message = case_forms.first_error(query_form)
            raise InvalidInput(message, field=field)
        if request.GET.get("format") == "xlsx":
            return case_list_xlsx(request.user, query_form.filters())
        page = case_page_for_user(user=request.user, **query_form.filters())
    except InvalidInput as error:
        messages.error(request, str(error.message))
        page, status = CasePage(cases=[], next_cursor=None), 400
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "states": CaseState.choices,
            "kinds": CaseKind.choices,
            "units": _visible_units(request.user),
            "lights": case_forms.LIGHT_FILTERS,
            "orders": case_forms.CASE_ORDERS,
            "filters": request.GET,
            "query": query.urlencode(),
            "is_first_page": "after" not in request.GET,
        },
        status=status,
    )


def _case_context(
    request: AuthenticatedHttpRequest,
    case: Case,
    side_exit_form: case_forms.SideExitForm | None = None,
    decision_form: case_forms.ExtensionDecisionForm | None = None,
    decision_for: int | None = None,
    return_form: case_forms.ReturnForm | None = None,
    decision_forms: dict[int, case_forms.ReturnDecisionForm] | None = None,
    order_form: OrderForm | None = None,
    reply_form: OrderReplyForm | None = None,
) -> dict[str, Any]:
    """The case page's context. A refused form given is shown again with its errors: an extension's decision
    (``decision_form`` for request ``decision_for``), a return's (``return_form``, ``decision_forms``), a
    supervision order or its reply (``order_form``, ``reply_form``)."""
    open_tasks = with_clocks(case_open_tasks(case=case))
    holds_step = any(task.owner_id == request.user.pk for task in open_tasks)
    return {
        # The steps' extension requests; a supervisor of the case decides the pending ones here.
        "extensions": extension_list_of_case(case=case),
        "may_decide": rules.supervises_case(case, request.user),
        "decision_form": decision_form,
        "decision_for": decision_for,
        **case_orders_context(
            request, case, holds_step=holds_step, order_form=order_form, reply_form=reply_form
        ),
        "case": case,
        "show_personal": case_shows_personal_data(case=case, user=request.user),
        "timeline": case_timeline(case=case),
        "open_tasks": open_tasks,
        "meetings": case.meetings.prefetch_related("attendees"),
        "advice": case.advice.select_related("author"),
        "actions": case_side_exits_for_user(case=case, user=request.user),
        "side_exit_form": side_exit_form or case_forms.SideExitForm(),
        "assessment": getattr(case, "assessment", None),
        **case_returns_context(request.user, case, return_form=return_form, decision_forms=decision_forms),
        **attachments_context(
            case=case, user=request.user, upload_url=reverse("case_attachments", args=[case.reference])
        ),
        **party_context(case, request.user),
    }


def _get_case(request: AuthenticatedHttpRequest, reference: str) -> Case:
    try:
        return case_get_for_user(reference=reference, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error


@login_required
def case_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _get_case(request, reference)
    return render(request, "cases/detail.html", _case_context(request, case))


@login_required
@require_POST
def case_action(request: AuthenticatedHttpRequest, reference: str, action: str) -> HttpResponse:
    case = _get_case(request, reference)
    form = case_forms.SideExitForm(request.POST)
    if action not in SIDE_EXITS:
        raise Http404()
    if not form.is_valid():
        return render(request, "cases/detail.html", _case_context(request, case, form), status=400)
    try:
        services.case_side_exit(
            reference=reference,
            user=request.user,
            action=action,
            reason=form.cleaned_data["reason"],
            to=form.cleaned_data["to"],
        )
    except CaseError as error:
        return refuse(request, error, "cases/detail.html", _case_context(request, case, form), form)
    messages.success(request, _("Case %(reference)s updated.") % {"reference": reference})
    return redirect("case", reference=reference)


def _intake(
    request: AuthenticatedHttpRequest, *, kind: str, form_class: type[forms.Form], service_name: str
) -> HttpResponse:
    user = request.user
    if not rules.may_register_somewhere(user, kind):
        raise Http404()
    form = form_class(request.POST or None)
    context = {"form": form, "kind": kind}
    if request.method != "POST":
        return render(request, "cases/intake.html", context)
    if not form.is_valid():
        return render(request, "cases/intake.html", context, status=400)
    try:
        case = getattr(services, service_name)(actor=user, **form.cleaned_data)
    except CaseError as error:
        return refuse(request, error, "cases/intake.html", context, form)
    messages.success(request, _("Case %(reference)s registered.") % {"reference": case.reference})
    receipt_code_keep(request, case, case.issued_tracking_code)  # the receipt shows it, once
    return redirect("receipt", reference=case.reference)


@login_required
def dispute_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _intake(
        request, kind=CaseKind.DISPUTE, form_class=case_forms.DisputeIntakeForm, service_name="dispute_intake"
    )


@login_required
def help_request_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _intake(
        request,
        kind=CaseKind.HELP_REQUEST,
        form_class=case_forms.HelpRequestIntakeForm,
        service_name="help_request_intake",
    )

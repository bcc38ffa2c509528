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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import documents, rules
from cases import forms as case_forms
from cases.errors import CaseError, InvalidInput, NotFound
from cases.models import Case, CaseKind, CaseState, MediationAgreement, Role, Unit, User
from cases.order_forms import OrderForm, OrderReplyForm
from cases.selectors import CasePage
from cases.selectors.duplicates import Reason, duplicates_of_intake_data
from cases.selectors.extensions import extension_list_of_case
from cases.services import intake as case_intake
from cases.services.side_exits import SIDE_EXITS, case_side_exits_for_user
from web.attachments import attachments_context
from web.notes import notes_context
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.timeline import case_timeline_entries
from web.views.case_returns import case_returns_context
from web.views.order_context import case_orders_context
from web.views.parties import party_context, receipt_code_keep
from web.views.reports import case_list_xlsx
from workflow import services
from workflow.selectors import (
    case_get_for_user,
    case_list_related,
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


SIDE_EXIT_LABELS = {
    "reject": (gettext_lazy("Reject"), gettext_lazy("Confirm the rejection")),
    "refer": (gettext_lazy("Refer"), gettext_lazy("Confirm the referral")),
    "escalate": (gettext_lazy("Escalate to the parent unit"), gettext_lazy("Confirm the escalation")),
    "withdraw": (gettext_lazy("Withdraw"), gettext_lazy("Confirm the withdrawal")),
}


def side_exit_form(action: str, data: Any = None) -> case_forms.SideExitForm:
    """A side exit's own form (ids prefixed by the action: the page has one per exit); only a referral asks
    where to."""
    form = case_forms.SideExitForm(data, auto_id=f"{action}_%s")
    if action != "refer":
        del form.fields["to"]
    return form


def _side_exits(case: Case, user: User, refused: case_forms.SideExitForm | None, action: str) -> list[dict]:
    """The side exits the person may take, each behind its own confirmation (a ``<details>`` that shows the
    reason field); the one just refused opens again with its errors."""
    return [
        {
            "action": name,
            "label": SIDE_EXIT_LABELS[name][0],
            "confirm": SIDE_EXIT_LABELS[name][1],
            "form": refused if refused is not None and name == action else side_exit_form(name),
            "open": refused is not None and name == action,
        }
        for name in case_side_exits_for_user(case=case, user=user)
    ]


def _case_context(
    request: AuthenticatedHttpRequest,
    case: Case,
    side_exit_form: case_forms.SideExitForm | None = None,
    side_exit_action: str = "",
    decision_form: case_forms.ExtensionDecisionForm | None = None,
    decision_for: int | None = None,
    return_form: case_forms.ReturnForm | None = None,
    decision_forms: dict[int, case_forms.ReturnDecisionForm] | None = None,
    order_form: OrderForm | None = None,
    reply_form: OrderReplyForm | None = None,
    note_form: case_forms.NoteForm | None = None,
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
        "timeline": case_timeline_entries(case=case, entries=list(case_timeline(case=case))),
        "open_tasks": open_tasks,
        "related": case_list_related(case=case, user=request.user),
        "meetings": case.meetings.prefetch_related("attendees"),
        "advice": case.advice.select_related("author"),
        "side_exits": _side_exits(case, request.user, side_exit_form, side_exit_action),
        "assessment": getattr(case, "assessment", None),
        **case_returns_context(request.user, case, return_form=return_form, decision_forms=decision_forms),
        **attachments_context(
            case=case, user=request.user, upload_url=reverse("case_attachments", args=[case.reference])
        ),
        **party_context(case, request.user),
        **agreement_page_context(case),
        **notes_context(case=case, user=request.user, note_form=note_form),
    }


def agreement_page_context(case: Case) -> dict[str, Any]:
    """The agreement (a dispute's, once resolved) with its terms, and the case's repeats (重复件)."""
    agreement = MediationAgreement.objects.filter(case=case).first() if case.is_dispute else None
    return {
        "agreement": agreement,
        "agreement_terms": list(agreement.terms.all()) if agreement else [],
        "pdf": documents.pdf_available(),
        "repeats": list(case.repeats.order_by("created_at", "pk")),
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
    if action not in SIDE_EXITS:
        raise Http404()
    form = side_exit_form(action, request.POST)
    if not form.is_valid():
        return render(request, "cases/detail.html", _case_context(request, case, form, action), status=400)
    try:
        services.case_side_exit(
            reference=reference,
            user=request.user,
            action=action,
            reason=form.cleaned_data["reason"],
            to=form.cleaned_data.get("to", ""),
        )
    except CaseError as error:
        return refuse(request, error, "cases/detail.html", _case_context(request, case, form, action), form)
    messages.success(request, _("Case %(reference)s updated.") % {"reference": reference})
    return redirect("case", reference=reference)


REASON_LABELS = {
    Reason.PHONE: gettext_lazy("same mobile"),
    Reason.ID_NUMBER: gettext_lazy("same ID number"),
    Reason.CREDIT_CODE: gettext_lazy("same credit code"),
    Reason.TEXT: gettext_lazy("similar description"),
}


def _intake(
    request: AuthenticatedHttpRequest, *, kind: str, form_class: type[forms.Form], service_name: str
) -> HttpResponse:
    user = request.user
    if not rules.may_register_somewhere(user, kind):
        raise Http404()
    form = form_class(request.POST or None)
    choice = case_forms.DuplicateChoiceForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "kind": kind}
    if request.method != "POST":
        return render(request, "cases/intake.html", context)
    if not form.is_valid() or not choice.is_valid():
        if choice.errors:
            messages.error(request, case_forms.first_error(choice)[1])
        return render(request, "cases/intake.html", context, status=400)
    try:
        if not choice.cleaned_data["confirmed"]:
            # 重复件: the worker sees the possible duplicates before the case is saved, and confirms
            unit = case_intake.intake_unit(actor=user, unit=None, kind=kind)
            duplicates = duplicates_of_intake_data(user=user, unit=unit, kind=kind, data=form.cleaned_data)
            if duplicates:
                context["duplicates"] = [
                    (duplicate, [REASON_LABELS[reason] for reason in duplicate.reasons])
                    for duplicate in duplicates
                ]
                return render(request, "cases/intake.html", context)
        case = getattr(services, service_name)(
            actor=user, duplicate_of=choice.cleaned_data["duplicate_of"], **form.cleaned_data
        )
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

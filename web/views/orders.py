"""Supervision order pages: a supervisor issues one from the case page, whoever works the case replies there."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.errors import CaseError, NotFound
from cases.order_forms import OrderForm, OrderReplyForm
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.views.cases import _case_context, _get_case
from web.views.order_context import reply_prefix
from workflow import services
from workflow.selectors import order_get_for_user


@login_required
@require_POST
def order_issue(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _get_case(request, reference)
    form = OrderForm(request.POST)
    if not form.is_valid():
        context = _case_context(request, case, order_form=form)
        return render(request, "cases/detail.html", context, status=400)
    try:
        services.order_issue(
            reference=reference,
            user=request.user,
            reason=form.cleaned_data["reason"],
            days=form.cleaned_data["days"],
        )
    except CaseError as error:
        context = _case_context(request, case, order_form=form)
        return refuse(request, error, "cases/detail.html", context, form)
    messages.success(request, _("The supervision order was issued."))
    return redirect("case", reference=reference)


@login_required
@require_POST
def order_reply(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    try:
        order = order_get_for_user(order_id=order_id, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    case = _get_case(request, order.case.reference)
    form = OrderReplyForm(request.POST, prefix=reply_prefix(order.pk))
    if not form.is_valid():
        context = _case_context(request, case, reply_form=form)
        return render(request, "cases/detail.html", context, status=400)
    try:
        services.order_reply(order_id=order.pk, user=request.user, reply=form.cleaned_data["reply"])
    except CaseError as error:
        context = _case_context(request, case, reply_form=form)
        return refuse(request, error, "cases/detail.html", context, form)
    messages.success(request, _("Your reply was sent."))
    return redirect("case", reference=case.reference)

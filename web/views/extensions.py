"""Extension requests (延期申请) on the pages: a supervisor's decision on the case page, and the list of the
requests awaiting their decision in their subtree. The holder asks on the task page (``web.views.tasks``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import forms as case_forms
from cases.errors import CaseError, NotFound
from cases.models import ExtensionRequest
from cases.selectors.extensions import extension_list_pending_for_user
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.views.cases import _case_context, _get_case
from workflow import services

PAGE_SIZE = 50


@login_required
@require_POST
def extension_decide(request: AuthenticatedHttpRequest, extension_id: int) -> HttpResponse:
    reference = (
        ExtensionRequest.objects.filter(pk=extension_id).values_list("case__reference", flat=True).first()
    )
    if reference is None:
        raise Http404()
    case = _get_case(request, reference)  # a request of a case you may not see: 404
    form = case_forms.ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        context = _case_context(request, case, decision_form=form, decision_for=extension_id)
        return render(request, "cases/detail.html", context, status=400)
    approve = form.cleaned_data["approve"]
    try:
        services.extension_decide(
            extension_id=extension_id, user=request.user, approve=approve, reason=form.cleaned_data["reason"]
        )
    except NotFound as error:
        raise Http404(str(error.message)) from error
    except CaseError as error:
        context = _case_context(request, case, decision_form=form, decision_for=extension_id)
        return refuse(request, error, "cases/detail.html", context, form)
    if approve:
        messages.success(request, _("The extension was approved: the step has its new due moment."))
    else:
        messages.success(request, _("The extension was refused."))
    return redirect("case", reference=reference)


@login_required
def extension_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The requests awaiting the supervisor's decision in their subtree, oldest first."""
    rows = extension_list_pending_for_user(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/extensions.html", {"page": page})

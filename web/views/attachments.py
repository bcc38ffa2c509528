"""Evidence attachments on the pages: upload on the case page (the case as a whole) and on the task page (its
step), download, removal. The rules, selectors and services are the API's (``cases.selectors.attachments``,
``cases.services.attachments``); a refusal shows the page again with the reason, in a 4xx."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from cases.attachments import EvidenceUploadHandler, attachment_response
from cases.errors import CaseError, NotAllowed, NotFound, TooLarge
from cases.forms import AttachmentForm
from cases.models import Attachment, Case
from cases.selectors.attachments import attachment_open, attachments_refuse_unless_shown
from cases.services import attachments as attachment_services
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.views.cases import _case_context, _get_case
from web.views.tasks import _get_task, _task_context
from workflow import selectors

Refusal = Callable[..., HttpResponse]


def evidence_upload(refused: Refusal) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """An upload view: ``EvidenceUploadHandler`` goes first, before the CSRF check reads the body (Django's
    pattern for changing upload handlers: exempt outside, protected inside), so a body or file past the limit
    is refused as it arrives; ``refused(request, error, *args)`` answers that 413 with the page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def upload(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            request.upload_handlers.insert(0, EvidenceUploadHandler(request))
            try:
                return protected(request, *args, **kwargs)
            except TooLarge as error:
                return refused(request, error, *args, **kwargs)

        return upload

    return decorate


def _add(
    request: AuthenticatedHttpRequest,
    *,
    case: Case,
    task_id: int | None,
    step: str,
    page: Callable[[AttachmentForm | None], tuple[str, dict[str, Any]]],
) -> HttpResponse | None:
    """Attach the request's file; None when it is attached, the page with the refusal otherwise. ``page(form)``
    is the template and context to show again."""
    try:
        attachments_refuse_unless_shown(case=case, user=request.user)
    except NotAllowed as error:
        return refuse(request, error, *page(None))
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, *page(form), status=400)
    upload = form.cleaned_data["file"]
    try:
        attachment_services.attachment_add(
            case=case, actor=request.user, upload=upload, name=upload.name or "", task_id=task_id, step=step
        )
    except CaseError as error:
        return refuse(request, error, *page(form), form)
    messages.success(request, _("The file is attached."))
    return None


def _case_page(request: AuthenticatedHttpRequest, case: Case) -> Callable[..., tuple[str, dict[str, Any]]]:
    def page(form: AttachmentForm | None) -> tuple[str, dict[str, Any]]:
        context = _case_context(request, case)
        if form is not None and context.get("attachments_shown"):
            context["attachment_form"] = form
        return "cases/detail.html", context

    return page


def _case_upload_refused(request: AuthenticatedHttpRequest, error: CaseError, reference: str) -> HttpResponse:
    return refuse(request, error, *_case_page(request, _get_case(request, reference))(None))


@login_required
@require_POST
@evidence_upload(_case_upload_refused)
def case_attachment_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _get_case(request, reference)
    refused = _add(request, case=case, task_id=None, step="", page=_case_page(request, case))
    return refused or redirect(reverse("case", args=[case.reference]) + "#attachments")


def _task_page(request: AuthenticatedHttpRequest, task_id: int) -> Callable[..., tuple[str, dict[str, Any]]]:
    def page(form: AttachmentForm | None) -> tuple[str, dict[str, Any]]:
        context = _task_context(request, _get_task(request, task_id))
        if form is not None and context.get("attachments_shown"):
            context["attachment_form"] = form
        return "tasks/detail.html", context

    return page


def _task_upload_refused(request: AuthenticatedHttpRequest, error: CaseError, task_id: int) -> HttpResponse:
    return refuse(request, error, *_task_page(request, task_id)(None))


@login_required
@require_POST
@evidence_upload(_task_upload_refused)
def task_attachment_add(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _get_task(request, task_id)
    case = task.process.caseprocess.case
    page = _task_page(request, task_id)
    refused = _add(request, case=case, task_id=task.pk, step=task.flow_task.name, page=page)
    return refused or redirect("task", task_id=task.pk)


def _get_attachment(request: AuthenticatedHttpRequest, attachment_id: int) -> Attachment:
    try:
        return selectors.attachment_get_for_user(attachment_id=attachment_id, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    except NotAllowed as error:
        raise PermissionDenied(str(error.message)) from error


@login_required
def attachment_download(request: AuthenticatedHttpRequest, attachment_id: int) -> HttpResponseBase:
    attachment = _get_attachment(request, attachment_id)
    try:
        content = attachment_open(attachment=attachment)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    return attachment_response(attachment, content)


@login_required
@require_POST
def attachment_remove(request: AuthenticatedHttpRequest, attachment_id: int) -> HttpResponse:
    attachment = _get_attachment(request, attachment_id)
    case = attachment.case
    try:
        attachment_services.attachment_remove(attachment=attachment, actor=request.user)
    except CaseError as error:
        return refuse(request, error, *_case_page(request, _get_case(request, case.reference))(None))
    messages.success(request, _("%(name)s was removed.") % {"name": attachment.name})
    return redirect(reverse("case", args=[case.reference]) + "#attachments")

"""The mediation agreement's documents (调解协议书): Word and PDF, for whoever sees the case (the numbers masked
as ``cases.agreement_documents`` says; the API answers the same through ``api.agreements``)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from cases.agreement_documents import Format, agreement_download
from cases.errors import NotFound
from web.requests import AuthenticatedHttpRequest
from workflow.selectors import case_get_for_user


def _download(request: AuthenticatedHttpRequest, reference: str, kind: Format) -> HttpResponse:
    try:
        case = case_get_for_user(reference=reference, user=request.user)
        return agreement_download(case=case, user=request.user, kind=kind)
    except NotFound as error:
        raise Http404(str(error.message)) from error


@login_required
def agreement_docx(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    return _download(request, reference, "docx")


@login_required
def agreement_pdf(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    return _download(request, reference, "pdf")

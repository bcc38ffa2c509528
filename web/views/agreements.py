"""The mediation agreement's documents (调解协议书): Word and PDF, for whoever sees the case (the numbers masked
as ``web.agreement_documents`` says)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from cases.errors import NotFound
from cases.models import Case, MediationAgreement
from web import agreement_documents
from web.requests import AuthenticatedHttpRequest
from workflow.selectors import case_get_for_user, case_shows_personal_data

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _agreement(request: AuthenticatedHttpRequest, reference: str) -> tuple[Case, MediationAgreement]:
    try:
        case = case_get_for_user(reference=reference, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    agreement = MediationAgreement.objects.filter(case=case).first()
    if agreement is None:
        raise Http404()
    return case, agreement


def _download(content: bytes, *, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"  # it carries the parties' names (and numbers)
    return response


@login_required
def agreement_docx(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, agreement = _agreement(request, reference)
    context = agreement_documents.agreement_context(
        case, agreement, show_personal=case_shows_personal_data(case=case, user=request.user)
    )
    return _download(
        agreement_documents.agreement_docx(context), content_type=DOCX, name=f"agreement-{reference}.docx"
    )


@login_required
def agreement_pdf(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, agreement = _agreement(request, reference)
    context = agreement_documents.agreement_context(
        case, agreement, show_personal=case_shows_personal_data(case=case, user=request.user)
    )
    pdf = agreement_documents.agreement_pdf(context)
    if pdf is None:
        raise Http404()
    return _download(pdf, content_type="application/pdf", name=f"agreement-{reference}.pdf")

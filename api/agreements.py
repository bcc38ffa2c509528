"""The mediation agreement's documents (调解协议书) in the API: the same files, rule and masking as the case page's
downloads (``cases.agreement_documents.agreement_download``). A case the caller may not see is a 404, as is one
without an agreement yet (its message says so); both in the one error shape."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request

from api import serializers as answers
from api.attachments import AnyAccept, negotiated_by
from api.views import caller
from cases.agreement_documents import DOCX_TYPE, PDF_TYPE, Format, agreement_download
from workflow.selectors import case_get_for_user

RULE = (
    "For whoever sees the case; the parties' ID and phone numbers in full only for those who see them on the "
    "case (its workers, administrators), masked for anyone else. 404 for a case you may not see, and for one "
    "without a mediation agreement yet (recorded at the resolution step of a dispute)."
)


def _download(request: Request, reference: str, kind: Format) -> Any:
    user = caller(request)
    case = case_get_for_user(reference=reference, user=user)
    return agreement_download(case=case, user=user, kind=kind)


@extend_schema(
    operation_id="v1_case_agreement_docx",
    description="The mediation agreement (调解协议书) as a Word file: a copy for each party and one for the "
    "committee, with room for signatures and fingerprints. " + RULE,
    responses={
        (200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The Word file (a download)."),
        **answers.ERRORS,
    },
)
@api_view(["GET"])
@negotiated_by(AnyAccept)
def agreement_docx(request: Request, reference: str) -> Any:
    return _download(request, reference, "docx")


@extend_schema(
    operation_id="v1_case_agreement_pdf",
    description="The mediation agreement (调解协议书) as a PDF (its Chinese text selectable), the same copies "
    "as the Word file. " + RULE + " Also 404 on a server that cannot make PDFs.",
    responses={
        (200, PDF_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF (a download)."),
        **answers.ERRORS,
    },
)
@api_view(["GET"])
@negotiated_by(AnyAccept)
def agreement_pdf(request: Request, reference: str) -> Any:
    return _download(request, reference, "pdf")

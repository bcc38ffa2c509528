"""The API's evidence attachments: the list and the upload on a case, the download and the removal by id. They
call the selectors and services the pages call (``cases.selectors.attachments``,
``cases.services.attachments``): a case you may not see is a 404; a case you see without its attachments (a
professional who has not claimed a step of it) a 403; a file past the size limit a 413, one of no allowed
type a 400."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, parser_classes
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs
from api import request_bodies as bodies
from api import serializers as answers
from api.parsers import EvidenceMultiPartParser
from api.views import caller
from cases import forms as case_forms
from cases.attachments import attachment_response
from cases.models import AttachmentType
from cases.selectors.attachments import (
    attachment_list,
    attachment_open,
    attachments_refuse_unless_shown,
    case_took_part,
)
from cases.services import attachments as attachment_services
from workflow import selectors as task_selectors
from workflow.selectors import case_get_for_user


class AnyAccept(DefaultContentNegotiation):
    """A download is the file whatever the client's ``Accept`` says (an ``<img>`` asks for images only), and
    its refusals are JSON: never a 406."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


def negotiated_by(negotiation: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``content_negotiation_class`` for a function view (``api_view`` reads it off the function)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.content_negotiation_class = negotiation  # type: ignore[attr-defined]
        return view

    return decorate


DOWNLOAD = {
    (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file, of its stored type.")
    for content_type in AttachmentType.values
}


@extend_schema(
    methods=["GET"],
    operation_id="v1_case_attachments_list",
    description="The case's evidence files, oldest first, each with the step it belongs to. 403 for someone "
    "who sees the case without them (a professional before claiming one of its steps), 404 for a case you "
    "may not see.",
    responses={200: answers.AttachmentList, **answers.ERRORS},
)
@extend_schema(
    methods=["POST"],
    operation_id="v1_case_attachments_create",
    description="Attach a file (`multipart/form-data`: `file`, and `task` for a step of the case) while the "
    "case is open. Its type is judged by its content: a photo (JPEG, PNG, WebP), a PDF or a Word file "
    "(.docx); anything else, a file whose content is not what it seems (a script disguised as a photo) or "
    "an empty one is a 400, one past the size limit a 413, a closed case a 409.",
    request={"multipart/form-data": bodies.AttachmentIn},
    responses={201: answers.AttachmentOut, **answers.BODY_ERRORS},
)
@api_view(["GET", "POST"])
@parser_classes([EvidenceMultiPartParser])
def case_attachments(request: Request, reference: str) -> Response:
    user = caller(request)
    case = case_get_for_user(reference=reference, user=user)
    attachments_refuse_unless_shown(case=case, user=user)
    context = {"user": user, "took_part": case_took_part(case=case, user=user)}
    if request.method == "GET":
        rows = attachment_list(case=case, user=user)
        return Response(answers.AttachmentList({"results": rows}, context=context).data)
    values = inputs.cleaned(case_forms.AttachmentForm(request.data, request.FILES))
    task_id, step = None, ""
    if values["task"] is not None:
        task = task_selectors.case_task_of(case=case, task_id=values["task"])
        task_id, step = task.pk, task.flow_task.name
    upload = values["file"]
    attachment = attachment_services.attachment_add(
        case=case, actor=user, upload=upload, name=upload.name or "", task_id=task_id, step=step
    )
    return Response(answers.AttachmentOut(attachment, context=context).data, status=201)


@extend_schema(
    methods=["GET"],
    operation_id="v1_attachments_retrieve",
    description="The file, with its stored type: a photo inline, anything else as a download "
    "(`Content-Disposition: attachment`); `X-Content-Type-Options: nosniff` always. 403 for someone who "
    "sees its case without its attachments, 404 for a file of a case you may not see.",
    responses={**DOWNLOAD, **answers.ERRORS},
)
@extend_schema(
    methods=["DELETE"],
    operation_id="v1_attachments_destroy",
    description="Remove a file: whoever added it, or a supervisor of the case, while the case is open (409 "
    "once it is closed). The audit trail keeps who removed which file.",
    request=None,
    responses={204: None, **answers.ERRORS},
)
@api_view(["GET", "DELETE"])
@negotiated_by(AnyAccept)
def attachment_detail(request: Request, attachment_id: int) -> Any:
    user = caller(request)
    attachment = task_selectors.attachment_get_for_user(attachment_id=attachment_id, user=user)
    if request.method == "DELETE":
        attachment_services.attachment_remove(attachment=attachment, actor=user)
        return Response(status=204)
    return attachment_response(attachment, attachment_open(attachment=attachment))

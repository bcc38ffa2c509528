"""One JSON shape for every error: ``{"error": {"code", "message", "fields"}}``, in the request's language,
produced by ``api.serializers.Error`` (the serializer the schema shows)."""

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.serializers import Error
from cases.errors import CaseError, Conflict, InvalidInput, NotAllowed, NotFound

CODES = {InvalidInput: "invalid", NotAllowed: "forbidden", NotFound: "not_found", Conflict: "conflict"}


def error_data(*, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return Error({"error": {"code": code, "message": message, "fields": fields or {}}}).data


def error_response(
    *, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> Response:
    return Response(error_data(code=code, message=message, fields=fields), status=status_code)


def form_errors(form: forms.Form) -> Response:
    fields = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
    first = next(iter(fields.values()))[0] if fields else _("The input is not valid.")
    return error_response(status_code=400, code="invalid", message=first, fields=fields)


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, CaseError):
        fields = {exc.field: [str(exc.message)]} if exc.field else {}
        code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), "error")
        return error_response(status_code=exc.status_code, code=code, message=str(exc.message), fields=fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = {}
    if isinstance(detail, dict) and "detail" not in detail:
        fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        message = next(iter(fields.values()))[0] if fields else str(exc)
    else:
        message = str(detail.get("detail", exc)) if isinstance(detail, dict) else str(detail)
    code = getattr(exc, "default_code", "error")
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        code = "throttled"
    response.data = error_data(code=code, message=message, fields=fields)
    return response

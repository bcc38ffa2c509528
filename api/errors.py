"""One JSON shape for every error: ``{"error": {"code", "message", "fields"}}``, in the request's language,
produced by ``api.serializers.Error`` (the serializer the schema shows)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.serializers import Error
from cases.errors import (
    RETRY_AFTER,
    CaseError,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    TooLarge,
    database_unreachable,
)

CODES = {
    InvalidInput: "invalid",
    NotAllowed: "forbidden",
    NotFound: "not_found",
    Conflict: "conflict",
    TooLarge: "too_large",
}


def error_data(*, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return Error({"error": {"code": code, "message": message, "fields": fields or {}}}).data


def error_response(
    *, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> Response:
    return Response(error_data(code=code, message=message, fields=fields), status=status_code)


class LockedOut(exceptions.APIException):
    """Too many failed logins for this username from this address (django-axes): the login page's 429."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _(
        "This account is locked for a while after repeated wrong passwords. Try again later or ask an "
        "administrator."
    )
    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__()
        self.wait = settings.AXES_COOLOFF_TIME.total_seconds()  # DRF sends it as Retry-After


class IdempotencyKeyReused(exceptions.APIException):
    """The key of an earlier request, with another body: never that request's answer."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was sent before with a different body; send a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class DatabaseUnavailable(exceptions.APIException):
    """The database cannot be reached: a 503 to retry, never a 500 (``config.errors.unavailable``)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is briefly unavailable. Nothing was changed; try again in a moment.")
    default_code = "unavailable"


def error_code(exc: CaseError) -> str:
    """The ``code`` a refusal has in the one error shape."""
    return next((c for cls, c in CODES.items() if isinstance(exc, cls)), "error")


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if database_unreachable(exc):
        exc = DatabaseUnavailable()
    if isinstance(exc, CaseError):
        fields = {exc.field: [str(exc.message)]} if exc.field else {}
        code = error_code(exc)
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
    if isinstance(exc, exceptions.Throttled):
        code = "throttled"
    response.data = error_data(code=code, message=message, fields=fields)
    if isinstance(exc, DatabaseUnavailable):
        response["Retry-After"] = str(RETRY_AFTER)
    return response

"""Error answers outside the views' own refusals: the API's JSON error shape under ``/api/``, a branded page
in the user's language elsewhere. The page stands alone (no menu, no database read), so it renders even when
the error came from the database."""

import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cases.errors import RETRY_AFTER, database_unreachable

CODES = {
    400: "invalid",
    403: "forbidden",
    404: "not_found",
    413: "too_large",
    500: "server_error",
    503: "unavailable",
}


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Check what you sent and try again.")),
        403: (_("Not allowed"), _("You may not do this.")),
        404: (_("Not found"), _("Not found.")),
        413: (_("Too large"), _("What you sent is too large.")),
        503: (
            _("Briefly unavailable"),
            _("The service is briefly unavailable. Nothing was changed; try again in a moment."),
        ),
        500: (
            _("Something went wrong"),
            _("The server could not answer. Nothing was changed by this request; try again in a moment."),
        ),
    }


def error_answer(request: HttpRequest, status: int) -> HttpResponse:
    title, message = _titles()[status]
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": CODES[status], "message": message, "fields": {}}}, status=status
        )
    page = loader.get_template("errors/page.html").render(
        {"title": title, "message": message, "status": status}
    )
    return HttpResponse(page, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_answer(request, 413 if isinstance(exception, RequestDataTooBig) else 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_answer(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_answer(request, 404)


@csrf_exempt  # whatever the method: nothing is done, and a POST is told "not found", not about its CSRF token
def api_path_not_found(request: HttpRequest) -> HttpResponse:
    """An API path that matches no pattern, as a view of its own: the JSON 404 with DEBUG on too (Django
    answers such a path with its debug page there, and ``handler404`` only serves when DEBUG is off)."""
    return error_answer(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler, called while the exception is handled: an unreachable database is a 503."""
    if database_unreachable(sys.exc_info()[1]):
        answer = error_answer(request, 503)
        answer["Retry-After"] = str(RETRY_AFTER)
        return answer
    return error_answer(request, 500)

"""The JSON API, version 1. It calls the same forms, services and selectors as the pages: no second copy of
a rule. Errors have one shape (``api.errors``)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, throttle_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.utils.urls import replace_query_param

from api import representations as rep
from api import schema
from api.errors import form_errors
from api.models import IdempotencyKey
from cases import forms as case_forms
from cases import rules
from cases.errors import InvalidInput, NotAllowed, NotFound
from cases.models import CaseKind, Unit, User
from cases.selectors import board as board_selectors
from cases.services import intake as case_intake
from cases.services import privacy
from cases.services.side_exits import SIDE_EXITS, case_side_exits_for_user
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from workflow import selectors as task_selectors
from workflow import services
from workflow.selectors import (
    case_get_for_user,
    case_open_tasks,
    case_page_for_user,
    case_shows_personal_data,
    case_timeline,
)


@extend_schema_view(post=extend_schema(responses={200: schema.TokenOut, **schema.ERRORS}))
class TokenView(ObtainAuthToken):
    """``{"username", "password"}`` → ``{"token"}`` (login lockout applies, as on the login page)."""

    renderer_classes = [JSONRenderer]


def task_number(task_id: str) -> int:
    if not task_id.isdigit():
        raise NotFound()
    return int(task_id)


def body(request) -> dict:
    """The request's JSON object; anything else (a bare number, a list) is a 400."""
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    return request.data


class Pages(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def case_detail_data(case, user) -> dict:
    return {
        **rep.case_summary(case),
        "fields": rep.case_fields(case, show_personal=case_shows_personal_data(case=case, user=user)),
        "timeline": [rep.audit_data(entry) for entry in case_timeline(case=case)],
        "open_tasks": [
            rep.task_data(task)
            for task in case_open_tasks(case=case).select_related("process__caseprocess__case")
        ],
        "actions": case_side_exits_for_user(case=case, user=user),
    }


def _intake(request, *, form_class, service, kind: str):
    """Create a case; with an ``Idempotency-Key`` a repeated POST returns the first answer.
    Who may register where is checked before the input, so a caller who may not gets 403 whatever they send."""
    unit = None
    unit_id = body(request).get("unit")
    if unit_id not in (None, ""):
        unit = Unit.objects.filter(pk=unit_id).first() if str(unit_id).isdigit() else None
        if unit is None:
            raise InvalidInput(_("There is no such unit."), field="unit")
    case_intake.intake_unit(actor=request.user, unit=unit, kind=kind)
    form = form_class(body(request))
    if not form.is_valid():
        return form_errors(form)
    fields = dict(form.cleaned_data)
    if unit is not None:
        fields["unit"] = unit
    key = request.headers.get("Idempotency-Key", "").strip()[:100]
    with transaction.atomic(durable=True):  # the key's row and the case: one transaction, this view's
        if key:
            try:
                # The key row is taken first: a concurrent repeat waits here until this one commits.
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(user=request.user, key=key, path=request.path)
            except IntegrityError:
                earlier = IdempotencyKey.objects.get(user=request.user, key=key)
                return Response(earlier.response, status=earlier.status)
        case = service.within(actor=request.user, **fields)
        data = case_detail_data(case, request.user)
        if key:
            record.status, record.response = 201, data
            record.save(update_fields=["status", "response"])
    return Response(data, status=201)


class IntakeThrottle(UserRateThrottle):
    """Flooding the public intake (hotline, mini program, kiosk) gets a 429."""

    scope = "intake"

    def get_rate(self):
        return settings.API_INTAKE_RATE


@extend_schema(request=schema.DisputeIn, responses={201: schema.CaseDetail, **schema.ERRORS})
@api_view(["POST"])
@throttle_classes([IntakeThrottle])
def disputes(request):
    return _intake(
        request,
        form_class=case_forms.DisputeIntakeForm,
        service=services.dispute_intake,
        kind=CaseKind.DISPUTE,
    )


@extend_schema(request=schema.HelpRequestIn, responses={201: schema.CaseDetail, **schema.ERRORS})
@api_view(["POST"])
@throttle_classes([IntakeThrottle])
def help_requests(request):
    return _intake(
        request,
        form_class=case_forms.HelpRequestIntakeForm,
        service=services.help_request_intake,
        kind=CaseKind.HELP_REQUEST,
    )


def page_size(request) -> int:
    size = request.query_params.get("page_size", "")
    return min(int(size), Pages.max_page_size) if size.isdigit() and int(size) > 0 else Pages.page_size


@extend_schema(
    parameters=[
        OpenApiParameter("state", str),
        OpenApiParameter("kind", str),
        OpenApiParameter("unit", int),
        OpenApiParameter("q", str),
        OpenApiParameter(
            "after",
            str,
            description="The cursor of the page to read, from the previous page's `next` (omit for the first).",
        ),
        OpenApiParameter("page_size", int, description="1–200, 50 by default."),
    ],
    responses={200: schema.CasePage, **schema.ERRORS},
    operation_id="v1_cases_list",
)
@api_view(["GET"])
def case_list(request):
    """Newest first, page by page: follow ``next`` (a keyset cursor) until it is null."""
    unit = request.query_params.get("unit", "")
    page = case_page_for_user(
        user=request.user,
        after=request.query_params.get("after", ""),
        size=page_size(request),
        state=request.query_params.get("state", ""),
        kind=request.query_params.get("kind", ""),
        unit_id=int(unit) if unit.isdigit() else None,
        q=request.query_params.get("q", "").strip(),
    )
    next_url = None
    if page.next_cursor:
        next_url = replace_query_param(request.build_absolute_uri(), "after", page.next_cursor)
    return Response({"next": next_url, "results": [rep.case_summary(case) for case in page.cases]})


@extend_schema(responses={200: schema.BoardSnapshot, **schema.ERRORS}, operation_id="v1_board")
@api_view(["GET"])
def board(request):
    """The supervisor's board of their subtree (the whole tree for an administrator), as ``ws/board/`` sends
    it on connect: counts per state and child unit, the newest and the overdue cases, and ``seq``."""
    root = rules.board_root(request.user)
    if root is None:
        raise NotAllowed(_("Only supervisors have a board."))
    return Response(board_selectors.board_snapshot(root=root))


@extend_schema(responses={200: schema.CaseDetail, **schema.ERRORS})
@api_view(["GET"])
def case_detail(request, reference: str):
    return Response(case_detail_data(case_get_for_user(reference=reference, user=request.user), request.user))


@extend_schema(request=schema.ReasonIn, responses={200: schema.CaseDetail, **schema.ERRORS})
@api_view(["POST"])
def case_action(request, reference: str, action: str):
    if action == "reassign":
        to_user = User.objects.filter(username=body(request).get("to_user", "")).first()
        task = body(request).get("task")
        if to_user is None or not str(task).isdigit():
            case_get_for_user(reference=reference, user=request.user)  # 404 first for a case not visible
            raise InvalidInput(
                _("Name the task (its id) and the person (their login) to reassign it to."), field="to_user"
            )
        visible = task_selectors.task_get_for_user(task_id=int(task), user=request.user)
        if visible.process.caseprocess.case.reference != reference:
            raise NotFound()
        services.task_reassign(
            task_id=visible.pk,
            user=request.user,
            to_user=to_user,
            reason=str(body(request).get("reason", "")),
        )
    else:
        if action not in SIDE_EXITS:
            case_get_for_user(reference=reference, user=request.user)
            raise NotFound()
        services.case_side_exit(
            reference=reference,
            user=request.user,
            action=action,
            reason=str(body(request).get("reason", "")),
            to=str(body(request).get("to", "")),
        )
    return Response(case_detail_data(case_get_for_user(reference=reference, user=request.user), request.user))


@extend_schema(request=schema.ReasonIn, responses={200: schema.CaseDetail, **schema.ERRORS})
@api_view(["POST"])
def case_unmask(request, reference: str):
    """The case with the parties' personal data shown, for a supervisor who says why (audited)."""
    case = privacy.case_unmask(
        case=case_get_for_user(reference=reference, user=request.user),
        user=request.user,
        reason=str(body(request).get("reason", "")),
    )
    data = case_detail_data(case, request.user)
    data["fields"] = rep.case_fields(case, show_personal=True)
    return Response(data)


TASK_LISTS = {
    "queue": task_selectors.task_queue,
    "inbox": task_selectors.task_inbox,
    "archive": task_selectors.task_archive,
}


@extend_schema(
    parameters=[
        OpenApiParameter("scope", str, enum=["queue", "inbox", "archive"]),
        OpenApiParameter("page", int),
        OpenApiParameter("page_size", int),
    ],
    responses={200: schema.TaskPage, **schema.ERRORS},
    operation_id="v1_tasks_list",
)
@api_view(["GET"])
def task_list(request):
    scope = request.query_params.get("scope", "inbox")
    if scope not in TASK_LISTS:
        raise InvalidInput(_("scope is one of queue, inbox, archive."), field="scope")
    pages = Pages()
    page = pages.paginate_queryset(TASK_LISTS[scope](user=request.user), request)
    return pages.get_paginated_response([rep.task_data(task) for task in page])


def _task_answer(task_id: int, user) -> Response:
    return Response(rep.task_data(task_selectors.task_get_for_user(task_id=task_id, user=user)))


@extend_schema(request=None, responses={200: schema.Task, **schema.ERRORS})
@api_view(["POST"])
def task_claim(request, task_id: str):
    task_id = task_number(task_id)
    services.task_claim(task_id=task_id, user=request.user)
    return _task_answer(task_id, request.user)


@extend_schema(request=schema.ReasonIn, responses={200: schema.Released, **schema.ERRORS})
@api_view(["POST"])
def task_release(request, task_id: str):
    task_id = task_number(task_id)
    services.task_release(task_id=task_id, user=request.user, reason=str(body(request).get("reason", "")))
    return Response({"id": task_id, "status": "NEW"})


@extend_schema(
    request=OpenApiTypes.OBJECT,
    description="The step's fields, as on the task page.",
    responses={200: schema.Task, **schema.ERRORS},
)
@api_view(["POST"])
def task_complete(request, task_id: str):
    task_id = task_number(task_id)
    task = task_selectors.task_get_for_user(task_id=task_id, user=request.user)
    form = task.flow_task.step.form_for(task.process.caseprocess.case, body(request))
    if not form.is_valid():
        return form_errors(form)
    services.task_complete(task_id=task_id, user=request.user, data=form.cleaned_data)
    return _task_answer(task_id, request.user)


@extend_schema(
    parameters=[OpenApiParameter("after", int)],
    responses={200: schema.NotificationList, **schema.ERRORS},
    operation_id="v1_notifications_list",
)
@api_view(["GET"])
def notification_list(request):
    after = request.query_params.get("after", "0")
    rows = notification_selectors.notification_list_after(
        user=request.user, after=int(after) if after.isdigit() else 0
    )
    return Response({"results": [row.as_message() for row in rows]})


@extend_schema(request=schema.ReadIn, responses={200: schema.Unread, **schema.ERRORS})
@api_view(["POST"])
def notification_read(request):
    ids = body(request).get("ids")
    up_to = body(request).get("up_to")
    notification_services.notifications_mark_read(
        user=request.user,
        ids=[int(i) for i in ids if str(i).isdigit()] if isinstance(ids, list) else None,
        up_to=int(up_to) if str(up_to).isdigit() else None,
    )
    return Response({"unread": notification_selectors.notification_unread_count(user=request.user)})

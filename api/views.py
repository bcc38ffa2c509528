"""The JSON API, version 1. It calls the same forms, services and selectors as the pages: no second copy of
a rule. Errors have one shape (``api.errors``)."""

from typing import Any, cast

from django import forms
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, throttle_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict
from rest_framework.utils.urls import replace_query_param
from viewflow.workflow.models import Task

from api import request_bodies as bodies
from api import serializers as answers
from api.errors import form_errors
from api.models import IdempotencyKey
from api.throttles import IntakeThrottle
from cases import forms as case_forms
from cases import rules
from cases.errors import InvalidInput, NotAllowed, NotFound
from cases.models import Case, CaseKind, Unit, User
from cases.selectors import board as board_selectors
from cases.services import intake as case_intake
from cases.services import privacy
from cases.services.side_exits import SIDE_EXITS
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from workflow import selectors as task_selectors
from workflow import services
from workflow.selectors import case_get_for_user, case_page_for_user, case_shows_personal_data

ERRORS = answers.ERRORS


def caller(request: Request) -> User:
    """Who calls: ``IsAuthenticated`` (the default permission) lets only a person into the views here."""
    return cast(User, request.user)


@extend_schema_view(post=extend_schema(responses={200: answers.TokenOut, **ERRORS}))
class TokenView(ObtainAuthToken):
    """``{"username", "password"}`` → ``{"token"}`` (login lockout applies, as on the login page)."""

    renderer_classes = [JSONRenderer]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        credentials = self.serializer_class(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return Response(answers.TokenOut(token).data)


def task_number(task_id: str) -> int:
    if not task_id.isdigit():
        raise NotFound()
    return int(task_id)


def body(request: Request) -> dict[str, Any]:
    """The request's JSON object; anything else (a bare number, a list) is a 400."""
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    return request.data


class Pages(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def case_answer(case: Case, user: User, *, unmasked: bool = False) -> ReturnDict:
    """The case as ``CaseDetail`` answers it to ``user``: the parties' phone and ID numbers masked unless
    ``case_shows_personal_data`` says the user works the case, or ``unmasked`` (a supervisor's audited
    unmasking)."""
    show_personal = unmasked or case_shows_personal_data(case=case, user=user)
    return answers.CaseDetail(case, context={"user": user, "show_personal": show_personal}).data


def _intake(request: Request, *, form_class: type[forms.Form], service: Any, kind: str) -> Response:
    """Create a case; with an ``Idempotency-Key`` a repeated POST returns the first answer.
    Who may register where is checked before the input, so a caller who may not gets 403 whatever they send."""
    user = caller(request)
    unit = None
    unit_id = body(request).get("unit")
    if unit_id not in (None, ""):
        unit = Unit.objects.filter(pk=unit_id).first() if str(unit_id).isdigit() else None
        if unit is None:
            raise InvalidInput(_("There is no such unit."), field="unit")
    case_intake.intake_unit(actor=user, unit=unit, kind=kind)
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
                    record = IdempotencyKey.objects.create(user=user, key=key, path=request.path)
            except IntegrityError:
                earlier = IdempotencyKey.objects.get(user=user, key=key)
                return Response(earlier.response, status=earlier.status)
        case = service.within(actor=user, **fields)
        data = case_answer(case, user)
        if key:
            record.status, record.response = 201, data
            record.save(update_fields=["status", "response"])
    return Response(data, status=201)


@extend_schema(request=bodies.DisputeIn, responses={201: answers.CaseDetail, **ERRORS})
@api_view(["POST"])
@throttle_classes([IntakeThrottle])
def disputes(request: Request) -> Response:
    return _intake(
        request,
        form_class=case_forms.DisputeIntakeForm,
        service=services.dispute_intake,
        kind=CaseKind.DISPUTE,
    )


@extend_schema(request=bodies.HelpRequestIn, responses={201: answers.CaseDetail, **ERRORS})
@api_view(["POST"])
@throttle_classes([IntakeThrottle])
def help_requests(request: Request) -> Response:
    return _intake(
        request,
        form_class=case_forms.HelpRequestIntakeForm,
        service=services.help_request_intake,
        kind=CaseKind.HELP_REQUEST,
    )


def page_size(request: Request) -> int:
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
    responses={200: answers.CasePage, **ERRORS},
    operation_id="v1_cases_list",
)
@api_view(["GET"])
def case_list(request: Request) -> Response:
    """Newest first, page by page: follow ``next`` (a keyset cursor) until it is null."""
    unit = request.query_params.get("unit", "")
    page = case_page_for_user(
        user=caller(request),
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
    return Response(answers.CasePage({"next": next_url, "results": page.cases}).data)


@extend_schema(responses={200: answers.BoardSnapshot, **ERRORS}, operation_id="v1_board")
@api_view(["GET"])
def board(request: Request) -> Response:
    """The supervisor's board of their subtree (the whole tree for an administrator), as ``ws/board/`` sends
    it on connect: counts per state and child unit, the newest and the overdue cases, and ``seq``."""
    root = rules.board_root(caller(request))
    if root is None:
        raise NotAllowed(_("Only supervisors have a board."))
    return Response(answers.BoardSnapshot(board_selectors.board_snapshot(root=root)).data)


@extend_schema(responses={200: answers.CaseDetail, **ERRORS})
@api_view(["GET"])
def case_detail(request: Request, reference: str) -> Response:
    user = caller(request)
    return Response(case_answer(case_get_for_user(reference=reference, user=user), user))


def reassign(request: Request, *, task_id: int | None, reference: str | None = None) -> Task:
    """Give a task to the person the body's ``to_user`` names (their login), for a supervisor of its case:
    the one implementation of ``tasks/{id}/reassign/`` and of v1's ``cases/{reference}/actions/reassign/``,
    which names the task in the body (``task_id`` None when it names none) and refuses a task of another case
    with a 404. The input is checked first, as a release's reason is: a 400 says nothing about the task (v1
    answers 404 first for a case the caller may not see)."""
    user, data = caller(request), body(request)
    to_user = User.objects.filter(username=str(data.get("to_user", ""))).first()
    if to_user is None or task_id is None:
        if reference is not None:
            case_get_for_user(reference=reference, user=user)
            message = _("Name the task (its id) and the person (their login) to reassign it to.")
        else:
            message = _("Name the person (their login) to reassign the task to.")
        raise InvalidInput(message, field="to_user")
    task = task_selectors.task_get_for_user(task_id=task_id, user=user)
    if reference is not None and task.process.caseprocess.case.reference != reference:
        raise NotFound()
    return services.task_reassign(
        task_id=task.pk, user=user, to_user=to_user, reason=str(data.get("reason", ""))
    )


@extend_schema(request=bodies.CaseActionIn, responses={200: answers.CaseDetail, **ERRORS})
@api_view(["POST"])
def case_action(request: Request, reference: str, action: str) -> Response:
    user = caller(request)
    if action == "reassign":
        task = body(request).get("task")
        reassign(request, task_id=int(str(task)) if str(task).isdigit() else None, reference=reference)
    else:
        if action not in SIDE_EXITS:
            case_get_for_user(reference=reference, user=user)
            raise NotFound()
        services.case_side_exit(
            reference=reference,
            user=user,
            action=action,
            reason=str(body(request).get("reason", "")),
            to=str(body(request).get("to", "")),
        )
    return Response(case_answer(case_get_for_user(reference=reference, user=user), user))


@extend_schema(request=bodies.ReasonIn, responses={200: answers.CaseDetail, **ERRORS})
@api_view(["POST"])
def case_unmask(request: Request, reference: str) -> Response:
    """The case with the parties' personal data shown, for a supervisor who says why (audited)."""
    user = caller(request)
    case = privacy.case_unmask(
        case=case_get_for_user(reference=reference, user=user),
        user=user,
        reason=str(body(request).get("reason", "")),
    )
    return Response(case_answer(case, user, unmasked=True))


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
    responses={200: answers.TaskPage, **ERRORS},
    operation_id="v1_tasks_list",
)
@api_view(["GET"])
def task_list(request: Request) -> Response:
    scope = request.query_params.get("scope", "inbox")
    if scope not in TASK_LISTS:
        raise InvalidInput(_("scope is one of queue, inbox, archive."), field="scope")
    pages = Pages()
    rows = task_selectors.with_clocks(
        pages.paginate_queryset(TASK_LISTS[scope](user=caller(request)), request) or []
    )
    assert pages.page is not None  # paginate_queryset sets it: the page size is never None here
    answer = {
        "count": pages.page.paginator.count,
        "next": pages.get_next_link(),
        "previous": pages.get_previous_link(),
        "results": rows,
    }
    return Response(answers.TaskPage(answer).data)


def task_answer(task_id: int, user: User) -> Response:
    """The task as it is now, as the user sees it."""
    return Response(answers.TaskOut(task_selectors.task_get_for_user(task_id=task_id, user=user)).data)


@extend_schema(request=None, responses={200: answers.TaskOut, **ERRORS})
@api_view(["POST"])
def task_claim(request: Request, task_id: str) -> Response:
    user, number = caller(request), task_number(task_id)
    services.task_claim(task_id=number, user=user)
    return task_answer(number, user)


@extend_schema(request=bodies.ReleaseIn, responses={200: answers.Released, **ERRORS})
@api_view(["POST"])
def task_release(request: Request, task_id: str) -> Response:
    task = services.task_release(
        task_id=task_number(task_id), user=caller(request), reason=str(body(request).get("reason", ""))
    )
    return Response(answers.Released(task).data)


@extend_schema(
    request=bodies.ReassignIn,
    description="A supervisor of the task's case gives it to someone who may work it (claimed or waiting "
    "in a queue). The answer is the task, with its new owner.",
    responses={200: answers.TaskOut, **ERRORS},
)
@api_view(["POST"])
def task_reassign(request: Request, task_id: str) -> Response:
    task = reassign(request, task_id=task_number(task_id))
    return task_answer(task.pk, caller(request))


@extend_schema(
    request=bodies.PauseIn,
    description="The step's holder pauses its clock while waiting for a party: a `reason`, and at most `days` "
    "working days (the setting `PAUSE_MAX_WORKING_DAYS` when not given), after which it resumes by itself. The "
    "paused working time is not counted. 400 without a reason or beyond the limit, 403 for someone who sees the "
    "task but does not hold it, 404 for a task you may not see, 409 when it is paused already or finished.",
    responses={200: answers.TaskOut, **ERRORS},
)
@api_view(["POST"])
def task_pause(request: Request, task_id: str) -> Response:
    user, number = caller(request), task_number(task_id)
    form = case_forms.PauseForm(body(request))
    if not form.is_valid():
        return form_errors(form)
    services.task_pause(
        task_id=number, user=user, reason=form.cleaned_data["reason"], days=form.cleaned_data["days"]
    )
    return task_answer(number, user)


@extend_schema(
    request=None,
    description="The holder resumes a paused step before its pause ends; its due moment moves on by the working "
    "time it was paused. 409 when it is not paused.",
    responses={200: answers.TaskOut, **ERRORS},
)
@api_view(["POST"])
def task_resume(request: Request, task_id: str) -> Response:
    user, number = caller(request), task_number(task_id)
    services.task_resume(task_id=number, user=user)
    return task_answer(number, user)


@extend_schema(
    request=bodies.Completion,
    description="The fields of the task's step, as its form on the task page takes them. The task's step "
    "decides which of the step completions applies: the one named after the case's kind and the task's "
    "`step` (a `help_request`'s `advise_legal` task takes a `HelpRequestAdviseLegalCompletion`).",
    responses={200: answers.TaskOut, **ERRORS},
)
@api_view(["POST"])
def task_complete(request: Request, task_id: str) -> Response:
    user, number = caller(request), task_number(task_id)
    task = task_selectors.task_get_for_user(task_id=number, user=user)
    form = task.flow_task.step.form_for(task.process.caseprocess.case, body(request))
    if not form.is_valid():
        return form_errors(form)
    services.task_complete(task_id=number, user=user, data=form.cleaned_data)
    return task_answer(number, user)


@extend_schema(
    parameters=[OpenApiParameter("after", int)],
    responses={200: answers.NotificationList, **ERRORS},
    operation_id="v1_notifications_list",
)
@api_view(["GET"])
def notification_list(request: Request) -> Response:
    after = request.query_params.get("after", "0")
    rows = notification_selectors.notification_list_after(
        user=caller(request), after=int(after) if after.isdigit() else 0
    )
    return Response(answers.NotificationList({"results": [row.as_message() for row in rows]}).data)


@extend_schema(request=bodies.ReadIn, responses={200: answers.Unread, **ERRORS})
@api_view(["POST"])
def notification_read(request: Request) -> Response:
    user = caller(request)
    ids = body(request).get("ids")
    up_to = body(request).get("up_to")
    notification_services.notifications_mark_read(
        user=user,
        ids=[int(i) for i in ids if str(i).isdigit()] if isinstance(ids, list) else None,
        up_to=int(str(up_to)) if str(up_to).isdigit() else None,
    )
    unread = notification_selectors.notification_unread_count(user=user)
    return Response(answers.Unread({"unread": unread}).data)

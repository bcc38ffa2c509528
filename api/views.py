"""The JSON API, version 1. It calls the same forms, services and selectors as the pages: no second copy of
a rule. Errors have one shape (``api.errors``)."""

import threading
from typing import Any, cast

from django import forms
from django.core.paginator import EmptyPage, Paginator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, throttle_classes
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import CharField
from rest_framework.utils.serializer_helpers import ReturnDict
from rest_framework.utils.urls import remove_query_param, replace_query_param
from viewflow.workflow.models import Task

from api import inputs
from api import request_bodies as bodies
from api import serializers as answers
from api.errors import IdempotencyKeyReused, LockedOut
from api.models import IdempotencyKey
from api.parsers import JSONBodyParser
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
BODY_ERRORS = answers.BODY_ERRORS


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, made by one request at a time: drf-spectacular loads its extensions lazily and
    not thread-safely, so concurrent first requests (each sync view has a thread of its own under ASGI)
    failed with a 500."""

    lock = threading.Lock()

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with self.lock:
            return super().get(request, *args, **kwargs)


def caller(request: Request) -> User:
    """Who calls: ``IsAuthenticated`` (the default permission) lets only a person into the views here."""
    return cast(User, request.user)


class Credentials(AuthTokenSerializer):
    """A login and its password; a login longer than the user table's column is refused before the login
    lockout stores it."""

    username = CharField(label=_("Username"), max_length=User._meta.get_field("username").max_length)


@extend_schema_view(post=extend_schema(responses={200: answers.TokenOut, **BODY_ERRORS}))
class TokenView(ObtainAuthToken):
    """``{"username", "password"}`` → ``{"token"}``. The login page's lockout applies (django-axes): while a
    login is locked the answer is a 429 saying so, as the login page's, not the 400 of a wrong password."""

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONBodyParser]
    serializer_class = Credentials

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        credentials = self.get_serializer(data=inputs.body(request))
        if not credentials.is_valid():
            # axes marks the request it refused, the first locking failure included
            if getattr(request, "axes_locked_out", False):
                raise LockedOut()
            raise ValidationError(credentials.errors)
        token, _created = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return Response(answers.TokenOut(token).data)


TASK_PAGE_SIZE = 50


def case_answer(case: Case, user: User, *, unmasked: bool = False) -> ReturnDict:
    """The case as ``CaseDetail`` answers it to ``user``: the parties' phone and ID numbers masked unless
    ``case_shows_personal_data`` says the user works the case, or ``unmasked`` (a supervisor's audited
    unmasking)."""
    show_personal = unmasked or case_shows_personal_data(case=case, user=user)
    return answers.CaseDetail(case, context={"user": user, "show_personal": show_personal}).data


def _intake(request: Request, *, form_class: type[forms.Form], service: Any, kind: str) -> Response:
    """Create a case. With an ``Idempotency-Key`` a repeat (the same caller, path, key and body) returns the
    first answer; the same key with another body is a 422, never the earlier answer.
    Who may register where is checked before the input, so a caller who may not gets 403 whatever they send."""
    user, data = caller(request), inputs.body(request)
    unit = None
    unit_id = inputs.cleaned(case_forms.IntakeUnitForm(data))["unit"]
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise InvalidInput(_("There is no such unit."), field="unit")
    case_intake.intake_unit(actor=user, unit=unit, kind=kind)
    fields = dict(inputs.cleaned(form_class(data)))
    if unit is not None:
        fields["unit"] = unit
    key, digest = inputs.idempotency_key(request), inputs.body_digest(data)
    with transaction.atomic(durable=True):  # the key's row and the case: one transaction, this view's
        if key:
            try:
                # The key row is taken first: a concurrent repeat waits here until this one commits.
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=user, path=request.path, key=key, body_digest=digest
                    )
            except IntegrityError:
                earlier = IdempotencyKey.objects.get(user=user, path=request.path, key=key)
                # A row from before digests were kept has none: its answer is the caller's own, on this path.
                if earlier.body_digest not in ("", digest):
                    raise IdempotencyKeyReused() from None
                return Response(earlier.response, status=earlier.status)
        case = service.within(actor=user, **fields)
        data = case_answer(case, user)
        if key:
            record.status, record.response = 201, data
            record.save(update_fields=["status", "response"])
    return Response(data, status=201)


@extend_schema(
    request=bodies.DisputeIn,
    parameters=[bodies.IDEMPOTENCY_KEY],
    responses={201: answers.CaseDetail, **answers.INTAKE_ERRORS},
)
@api_view(["POST"])
@throttle_classes([IntakeThrottle])
def disputes(request: Request) -> Response:
    return _intake(
        request,
        form_class=case_forms.DisputeIntakeForm,
        service=services.dispute_intake,
        kind=CaseKind.DISPUTE,
    )


@extend_schema(
    request=bodies.HelpRequestIn,
    parameters=[bodies.IDEMPOTENCY_KEY],
    responses={201: answers.CaseDetail, **answers.INTAKE_ERRORS},
)
@api_view(["POST"])
@throttle_classes([IntakeThrottle])
def help_requests(request: Request) -> Response:
    return _intake(
        request,
        form_class=case_forms.HelpRequestIntakeForm,
        service=services.help_request_intake,
        kind=CaseKind.HELP_REQUEST,
    )


@extend_schema(
    parameters=[bodies.CaseListQuery],
    responses={200: answers.CasePage, **ERRORS},
    operation_id="v1_cases_list",
)
@api_view(["GET"])
def case_list(request: Request) -> Response:
    """Newest first (or `sort=due`: the soonest due first, cases without a deadline last), page by page:
    follow ``next`` (a keyset cursor) until it is null. `light` keeps the cases of one light now."""
    query = case_forms.CaseFilterForm(request.query_params)
    inputs.cleaned(query)
    page = case_page_for_user(user=caller(request), **query.filters())
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
    which names the task in the body (``task_id`` None) and refuses a task of another case with a 404. The
    input is checked first, as a release's reason is: a 400 says nothing about the task (v1 answers 404 first
    for a case the caller may not see). Whether the person may work the task is the service's to say."""
    user, data = caller(request), inputs.body(request)
    everyone = User.objects.all()
    if reference is None:
        values = inputs.cleaned(case_forms.ReassignForm(data, candidates=everyone, by_login=True))
    else:
        case_get_for_user(reference=reference, user=user)
        values = inputs.cleaned(case_forms.CaseReassignForm(data, candidates=everyone))
        task_id = values["task"]
    assert task_id is not None  # the path's, or v1's body's (a required field)
    task = task_selectors.task_get_for_user(task_id=task_id, user=user)
    if reference is not None and task.process.caseprocess.case.reference != reference:
        raise NotFound()
    return services.task_reassign(
        task_id=task.pk, user=user, to_user=values["to_user"], reason=values["reason"]
    )


ACTION = OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[*SIDE_EXITS, "reassign"])


@extend_schema(
    request=bodies.CaseActionIn, parameters=[ACTION], responses={200: answers.CaseDetail, **BODY_ERRORS}
)
@api_view(["POST"])
def case_action(request: Request, reference: str, action: str) -> Response:
    user = caller(request)
    if action == "reassign":
        reassign(request, task_id=None, reference=reference)
    else:
        case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
        if action not in SIDE_EXITS:
            raise NotFound()
        values = inputs.cleaned(case_forms.SideExitForm(inputs.body(request)))
        services.case_side_exit(
            reference=reference, user=user, action=action, reason=values["reason"], to=values["to"]
        )
    return Response(case_answer(case_get_for_user(reference=reference, user=user), user))


@extend_schema(request=bodies.UnmaskIn, responses={200: answers.CaseDetail, **BODY_ERRORS})
@api_view(["POST"])
def case_unmask(request: Request, reference: str) -> Response:
    """The case with the parties' personal data shown, for a supervisor who says why (audited)."""
    user = caller(request)
    case = case_get_for_user(reference=reference, user=user)
    values = inputs.cleaned(case_forms.UnmaskForm(inputs.body(request)))
    case = privacy.case_unmask(case=case, user=user, reason=values["reason"])
    return Response(case_answer(case, user, unmasked=True))


TASK_LISTS = {
    "queue": task_selectors.task_queue,
    "inbox": task_selectors.task_inbox,
    "archive": task_selectors.task_archive,
}


def page_link(request: Request, number: int) -> str:
    url = request.build_absolute_uri()
    return remove_query_param(url, "page") if number == 1 else replace_query_param(url, "page", number)


@extend_schema(
    parameters=[bodies.TaskListQuery],
    responses={200: answers.TaskPage, **ERRORS},
    operation_id="v1_tasks_list",
)
@api_view(["GET"])
def task_list(request: Request) -> Response:
    query = inputs.cleaned(case_forms.TaskListForm(request.query_params))
    rows = TASK_LISTS[query["scope"] or "inbox"](user=caller(request))
    try:
        page = Paginator(rows, query["page_size"] or TASK_PAGE_SIZE).page(query["page"] or 1)
    except EmptyPage:
        raise NotFound() from None
    answer = {
        "count": page.paginator.count,
        "next": page_link(request, page.next_page_number()) if page.has_next() else None,
        "previous": page_link(request, page.previous_page_number()) if page.has_previous() else None,
        "results": task_selectors.with_clocks(list(page.object_list)),
    }
    return Response(answers.TaskPage(answer).data)


def task_answer(task_id: int, user: User) -> Response:
    """The task as it is now, as the user sees it."""
    return Response(answers.TaskOut(task_selectors.task_get_for_user(task_id=task_id, user=user)).data)


@extend_schema(request=None, responses={200: answers.TaskOut, **ERRORS})
@api_view(["POST"])
def task_claim(request: Request, task_id: int) -> Response:
    user = caller(request)
    services.task_claim(task_id=task_id, user=user)
    return task_answer(task_id, user)


@extend_schema(request=bodies.ReleaseIn, responses={200: answers.Released, **BODY_ERRORS})
@api_view(["POST"])
def task_release(request: Request, task_id: int) -> Response:
    values = inputs.cleaned(case_forms.ReleaseForm(inputs.body(request)))
    task = services.task_release(task_id=task_id, user=caller(request), reason=values["reason"])
    return Response(answers.Released(task).data)


@extend_schema(
    request=bodies.ReassignIn,
    description="A supervisor of the task's case gives it to someone who may work it (claimed or waiting "
    "in a queue). The answer is the task, with its new owner.",
    responses={200: answers.TaskOut, **BODY_ERRORS},
)
@api_view(["POST"])
def task_reassign(request: Request, task_id: int) -> Response:
    task = reassign(request, task_id=task_id)
    return task_answer(task.pk, caller(request))


@extend_schema(
    request=bodies.PauseIn,
    description="The step's holder pauses its clock while waiting for a party: a `reason`, and at most `days` "
    "working days (the setting `PAUSE_MAX_WORKING_DAYS` when not given), after which it resumes by itself. The "
    "paused working time is not counted. 400 without a reason or beyond the limit, 403 for someone who sees the "
    "task but does not hold it, 404 for a task you may not see, 409 when it is paused already or finished.",
    responses={200: answers.TaskOut, **BODY_ERRORS},
)
@api_view(["POST"])
def task_pause(request: Request, task_id: int) -> Response:
    user = caller(request)
    values = inputs.cleaned(case_forms.PauseForm(inputs.body(request)))
    services.task_pause(task_id=task_id, user=user, reason=values["reason"], days=values["days"])
    return task_answer(task_id, user)


@extend_schema(
    request=None,
    description="The holder resumes a paused step before its pause ends; its due moment moves on by the working "
    "time it was paused. 409 when it is not paused.",
    responses={200: answers.TaskOut, **ERRORS},
)
@api_view(["POST"])
def task_resume(request: Request, task_id: int) -> Response:
    user = caller(request)
    services.task_resume(task_id=task_id, user=user)
    return task_answer(task_id, user)


@extend_schema(
    request=bodies.Completion,
    description="The fields of the task's step, as its form on the task page takes them. The task's step "
    "decides which of the step completions applies: the one named after the case's kind and the task's "
    "`step` (a `help_request`'s `advise_legal` task takes a `HelpRequestAdviseLegalCompletion`).",
    responses={200: answers.TaskOut, **BODY_ERRORS},
)
@api_view(["POST"])
def task_complete(request: Request, task_id: int) -> Response:
    user = caller(request)
    task = task_selectors.task_get_for_user(task_id=task_id, user=user)
    values = inputs.cleaned(task.flow_task.step.form_for(task.process.caseprocess.case, inputs.body(request)))
    services.task_complete(task_id=task_id, user=user, data=values)
    return task_answer(task_id, user)


@extend_schema(
    parameters=[bodies.NotificationListQuery],
    responses={200: answers.NotificationList, **ERRORS},
    operation_id="v1_notifications_list",
)
@api_view(["GET"])
def notification_list(request: Request) -> Response:
    query = inputs.cleaned(case_forms.NotificationListForm(request.query_params))
    rows = notification_selectors.notification_list_after(user=caller(request), after=query["after"] or 0)
    return Response(answers.NotificationList({"results": [row.as_message() for row in rows]}).data)


@extend_schema(request=bodies.ReadIn, responses={200: answers.Unread, **BODY_ERRORS})
@api_view(["POST"])
def notification_read(request: Request) -> Response:
    user = caller(request)
    values = inputs.cleaned(case_forms.MarkReadForm(inputs.body(request)))
    notification_services.notifications_mark_read(user=user, ids=values["ids"], up_to=values["up_to"])
    unread = notification_selectors.notification_unread_count(user=user)
    return Response(answers.Unread({"unread": unread}).data)

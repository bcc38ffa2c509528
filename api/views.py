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
from api.errors import IdempotencyKeyReused, LockedOut, error_code
from api.models import IdempotencyKey
from api.parsers import JSONBodyParser
from api.throttles import IntakeThrottle
from cases import forms as case_forms
from cases import order_forms, rules
from cases.errors import InvalidInput, NotAllowed, NotFound
from cases.models import Case, CaseKind, Unit, User
from cases.selectors import board as board_selectors
from cases.selectors.attachments import case_shows_attachments
from cases.selectors.duplicates import duplicates_of_intake_data
from cases.services import intake as case_intake
from cases.services import privacy
from cases.services.side_exits import SIDE_EXITS
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from notifications.horizon import replay_horizon
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


def case_answer(case: Case, user: User, *, unmasked: bool = False, created: bool = False) -> ReturnDict:
    """The case as ``CaseDetail`` answers it to ``user``: the parties' phone and ID numbers masked unless
    ``case_shows_personal_data`` says the user works the case, or ``unmasked`` (a supervisor's audited
    unmasking); the names of attached files in its timeline only if ``case_shows_attachments``. ``created``: as
    ``CaseCreated``, with the tracking code issued at intake."""
    show_personal = unmasked or case_shows_personal_data(case=case, user=user)
    show_attachments = case_shows_attachments(case=case, user=user)
    context = {"user": user, "show_personal": show_personal, "show_attachments": show_attachments}
    serializer = answers.CaseCreated if created else answers.CaseDetail
    return serializer(case, context=context).data


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
    target = case_intake.intake_unit(actor=user, unit=unit, kind=kind)
    fields = dict(inputs.cleaned(form_class(data)))
    duplicate_of = inputs.cleaned(case_forms.DuplicateChoiceForm(data))["duplicate_of"]
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
        # 重复件: what the case may repeat, as it was before this one was saved
        possible = duplicates_of_intake_data(user=user, unit=target, kind=kind, data=fields)
        case = service.within(actor=user, duplicate_of=duplicate_of, **fields)
        case.possible_duplicates = possible
        data = case_answer(case, user, created=True)
        if key:
            # the tracking code is shown once: a repeat answers without it (null)
            record.status, record.response = 201, {**data, "tracking_code": None}
            record.save(update_fields=["status", "response"])
    return Response(data, status=201)


@extend_schema(
    request=bodies.DisputeIn,
    parameters=[bodies.IDEMPOTENCY_KEY],
    responses={201: answers.CaseCreated, **answers.INTAKE_ERRORS},
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
    responses={201: answers.CaseCreated, **answers.INTAKE_ERRORS},
)
@api_view(["POST"])
@throttle_classes([IntakeThrottle])
def help_requests(request: Request) -> Response:
    return _intake(
        request,
        form_class=case_forms.HelpRequestIntakeApiForm,
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
    """One of your worklists (`scope`: `inbox`, the default; `queue`; `archive`), filtered and ordered as the
    pages' are; each row says which case it is (its party or enterprise, masked as you may see it, the question
    in one line), its step, due moment and light, and priority. The API remembers nothing: send the filters.
    A page at a time: follow `next` (a keyset cursor, `after`) until it is null; there is no count."""
    user = caller(request)
    query = case_forms.TaskListForm(request.query_params)
    values = inputs.cleaned(query)
    page = task_selectors.worklist_page(
        user=user,
        scope=values["scope"] or "inbox",
        after=values["after"],
        size=values["page_size"] or TASK_PAGE_SIZE,
        **query.filters(),
    )
    next_url = None
    if page.next_cursor:
        url = remove_query_param(request.build_absolute_uri(), "page")
        next_url = replace_query_param(url, "after", page.next_cursor)
    return Response(answers.TaskPage({"next": next_url, "results": page.rows}).data)


@extend_schema(
    request=bodies.ClaimManyIn,
    responses={200: answers.ClaimResults, **BODY_ERRORS},
    operation_id="v1_tasks_claim_many",
)
@api_view(["POST"])
def task_claim_many(request: Request) -> Response:
    """Claim several queue tasks at once (`tasks`: their ids, at most 50), each on its own as
    `tasks/{id}/claim/` would: the answer says, for each in the order given, whether it was claimed or the
    error that refused it (taken by someone else meanwhile: `conflict`; not in your queue: `forbidden`;
    unknown: `not_found`). 200 whatever each one's outcome; 400 only for a body that names no task."""
    values = inputs.cleaned(case_forms.ClaimManyForm(inputs.body(request)))
    results = services.tasks_claim(task_ids=values["tasks"], user=caller(request))
    out = [
        {
            "id": result.task_id,
            "reference": result.reference,
            "claimed": result.error is None,
            "error": None
            if result.error is None
            else {"code": error_code(result.error), "message": str(result.error.message), "fields": {}},
        }
        for result in results
    ]
    return Response(answers.ClaimResults({"results": out}).data)


def task_answer(task_id: int, user: User) -> Response:
    """The task as it is now, as the user sees it, with its step's extension requests."""
    return Response(answers.TaskDetail(task_selectors.task_get_for_user(task_id=task_id, user=user)).data)


@extend_schema(request=None, responses={200: answers.TaskDetail, **ERRORS})
@api_view(["POST"])
def task_claim(request: Request, task_id: int) -> Response:
    user = caller(request)
    services.task_claim(task_id=task_id, user=user)
    return task_answer(task_id, user)


@extend_schema(
    request=bodies.ReleaseIn,
    description="Gives a claimed task back to its queue: a return (退回) with a `code` from the one list and "
    "`reason`, its text, required with `other`. The case's unit then decides it (`/returns/{id}/decide/`). The "
    "step's clock runs on.",
    responses={200: answers.Released, **BODY_ERRORS},
)
@api_view(["POST"])
def task_release(request: Request, task_id: int) -> Response:
    values = inputs.cleaned(case_forms.ReleaseForm(inputs.body(request)))
    task = services.task_release(
        task_id=task_id, user=caller(request), code=values["code"], reason=values["reason"]
    )
    return Response(answers.Released(task).data)


@extend_schema(
    request=bodies.ReassignIn,
    description="A supervisor of the task's case gives it to someone who may work it (claimed or waiting "
    "in a queue). The answer is the task, with its new owner.",
    responses={200: answers.TaskDetail, **BODY_ERRORS},
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
    responses={200: answers.TaskDetail, **BODY_ERRORS},
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
    responses={200: answers.TaskDetail, **ERRORS},
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
    responses={200: answers.TaskDetail, **BODY_ERRORS},
)
@api_view(["POST"])
def task_complete(request: Request, task_id: int) -> Response:
    user = caller(request)
    task = task_selectors.task_get_for_user(task_id=task_id, user=user)
    values = inputs.cleaned(task.flow_task.step.form_for(task.process.caseprocess.case, inputs.body(request)))
    services.task_complete(task_id=task_id, user=user, data=values)
    return task_answer(task_id, user)


@extend_schema(
    request=bodies.ExtensionAskIn,
    description="The step's holder asks for a later due moment (延期申请), before the current one, with a reason; "
    "the supervisors of the case's unit hear of it. A step has at most two requests, one awaiting a decision at a "
    "time. The answer is the request. 400 without a reason, for a moment not after the current due moment or "
    "more than `EXTENSION_MAX_WORKING_DAYS` working days past it; 403 for someone who sees the task but does "
    "not hold it; 404 for a task you may not see; 409 when the step is due already, paused, has a request "
    "awaiting a decision or has had its two, or has no due moment.",
    responses={201: answers.ExtensionOut, **BODY_ERRORS},
)
@api_view(["POST"])
def task_extension_ask(request: Request, task_id: int) -> Response:
    user = caller(request)
    values = inputs.cleaned(case_forms.ExtensionAskForm(inputs.body(request)))
    asked = services.task_extension_ask(
        task_id=task_id, user=user, due_at=values["due_at"], reason=values["reason"]
    )
    return Response(answers.ExtensionOut(asked).data, status=201)


@extend_schema(
    request=bodies.ExtensionDecisionIn,
    description="A supervisor of the case's unit (or of a unit above it) approves (`approve`) or refuses "
    "(`refuse`, with a `reason`) an extension request; whoever asked hears of it. An approval moves the step's "
    "due moment to the one asked for, with a fresh yellow moment and reminders. The answer is the request. 400 "
    "for a refusal without a reason; 403 for someone who sees the case but does not supervise it, or who asked; "
    "404 for a request of a case you may not see; 409 when it was decided already or its step ended.",
    responses={200: answers.ExtensionOut, **BODY_ERRORS},
)
@api_view(["POST"])
def extension_decide(request: Request, extension_id: int) -> Response:
    values = inputs.cleaned(case_forms.ExtensionDecisionForm(inputs.body(request)))
    decided = services.extension_decide(
        extension_id=extension_id, user=caller(request), approve=values["approve"], reason=values["reason"]
    )
    return Response(answers.ExtensionOut(decided).data)


@extend_schema(
    parameters=[bodies.NotificationListQuery],
    responses={200: answers.NotificationList, **ERRORS},
    operation_id="v1_notifications_list",
)
@api_view(["GET"])
def notification_list(request: Request) -> Response:
    query = inputs.cleaned(case_forms.NotificationListForm(request.query_params))
    horizon = replay_horizon()  # before the read: what it cannot see committed at or after this
    rows = notification_selectors.notification_list_unseen(
        user=caller(request), after=query["after"] or 0, horizon=query["horizon"]
    )
    answer = {"results": [row.as_message() for row in rows], "horizon": horizon}
    return Response(answers.NotificationList(answer).data)


@extend_schema(request=bodies.ReadIn, responses={200: answers.Unread, **BODY_ERRORS})
@api_view(["POST"])
def notification_read(request: Request) -> Response:
    user = caller(request)
    values = inputs.cleaned(case_forms.MarkReadForm(inputs.body(request)))
    notification_services.notifications_mark_read(user=user, ids=values["ids"], up_to=values["up_to"])
    unread = notification_selectors.notification_unread_count(user=user)
    return Response(answers.Unread({"unread": unread}).data)


# ---- supervision orders (督办单) ----------------------------------------------------------------------------

ORDER_PAGE_SIZE = 50


def order_answer(order_id: int, user: User) -> ReturnDict:
    """The order as it is now, as the user sees it."""
    return answers.OrderOut(task_selectors.order_get_for_user(order_id=order_id, user=user)).data


@extend_schema(
    request=bodies.OrderIn,
    description="A supervisor of the case's unit or of a unit above it issues a supervision order (督办单) from "
    "their unit: a `reason`, and a reply due in `days` working days (the setting `ORDER_REPLY_WORKING_DAYS` when "
    "not given, at most `ORDER_REPLY_MAX_WORKING_DAYS`). Whoever works the case hears of it and must reply. 400 "
    "without a reason or with days out of range, 403 for someone who sees the case but does not supervise it, 404 "
    "for a case you may not see, 409 for a case that has ended.",
    responses={201: answers.OrderOut, **BODY_ERRORS},
)
@api_view(["POST"])
def case_orders(request: Request, reference: str) -> Response:
    user = caller(request)
    case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    values = inputs.cleaned(order_forms.OrderForm(inputs.body(request)))
    order = services.order_issue(reference=reference, user=user, reason=values["reason"], days=values["days"])
    return Response(order_answer(order.pk, user), status=201)


@extend_schema(
    request=bodies.OrderReplyIn,
    description="Whoever works the case now (its unit's mediators or liaison officers, whoever holds one of its "
    "open steps) replies to an open order; its issuer hears. 400 for an empty reply, 403 for someone who sees the "
    "order but does not work the case, 404 for an order you may not see, 409 for an order answered or escalated "
    "already (the message names the order to reply to instead).",
    responses={200: answers.OrderOut, **BODY_ERRORS},
)
@api_view(["POST"])
def order_reply(request: Request, order_id: int) -> Response:
    user = caller(request)
    task_selectors.order_get_for_user(order_id=order_id, user=user)  # an order you may not see: 404 first
    values = inputs.cleaned(order_forms.OrderReplyForm(inputs.body(request)))
    services.order_reply(order_id=order_id, user=user, reply=values["reply"])
    return Response(order_answer(order_id, user))


@extend_schema(
    parameters=[bodies.OrderListQuery],
    description="The supervision orders on the cases you see (a supervisor: their subtree's), a page at a time: "
    "`state=open` lists the open ones by reply due; otherwise newest first.",
    responses={200: answers.OrderPage, **ERRORS},
    operation_id="v1_orders_list",
)
@api_view(["GET"])
def order_list(request: Request) -> Response:
    query = inputs.cleaned(order_forms.OrderListForm(request.query_params))
    rows = task_selectors.order_list_for_user(user=caller(request), state=query["state"])
    try:
        page = Paginator(rows, query["page_size"] or ORDER_PAGE_SIZE).page(query["page"] or 1)
    except EmptyPage:
        raise NotFound() from None
    answer = {
        "count": page.paginator.count,
        "next": page_link(request, page.next_page_number()) if page.has_next() else None,
        "previous": page_link(request, page.previous_page_number()) if page.has_previous() else None,
        "results": list(page.object_list),
    }
    return Response(answers.OrderPage(answer).data)

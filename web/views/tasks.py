"""Task pages: inbox, queue, archive and the task page with its step form, claim, release, reassign, pause,
resume and the extension request (延期申请)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import deadlines, rules
from cases import forms as case_forms
from cases.errors import CaseError, InvalidInput, NotFound, NotTaskOwner
from cases.forms import first_error
from cases.models import Case, Unit, User
from cases.selectors.extensions import extension_list_of_task, extension_list_pending_for_user
from cases.selectors.orders import case_open_orders, order_sla
from cases.selectors.worklists import worklist_preference_get
from cases.services.extensions import ask_refusal
from cases.services.worklists import worklist_preference_save
from web.attachments import attachments_context
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.rows import message_around, url_around_id
from workflow import selectors, services
from workflow.nodes import CaseTask
from workflow.selectors import case_shows_personal_data

PAGE_SIZE = 50
EXTENSION_IDS = "extension_%s"  # the page's other forms have a reason field too: ids of its own


def _worklist_form(request: AuthenticatedHttpRequest, scope: str) -> tuple[case_forms.WorklistForm, bool]:
    """The list's filters: those of the query string, kept as the person's choice when they are valid; without
    any, the person's last choice (checked again: a step or unit gone since is dropped). ``(form, sent)``."""
    sent = any(name in request.GET for name in (*case_forms.WorklistForm.FILTERS, "reset"))
    if sent:
        return case_forms.WorklistForm(request.GET), True
    stored = case_forms.WorklistForm(worklist_preference_get(user=request.user, worklist=scope))
    if stored.is_valid():
        return stored, False
    return case_forms.WorklistForm({}), False


def _task_list(request: AuthenticatedHttpRequest, scope: str) -> HttpResponse:
    user = request.user
    if "reset" in request.GET:
        worklist_preference_save(user=user, worklist=scope, query={})
        return redirect(scope)
    form, sent = _worklist_form(request, scope)
    context: dict[str, Any] = {
        "scope": scope,
        "form": form,
        "steps": case_forms.step_choices(),
        "units": Unit.objects.filter(rules.units_seen(user)).order_by("path")
        if rules.units_seen(user) != rules.NOTHING
        else [],
    }
    if not form.is_valid():  # a filter that is not listed: said at the top, nothing kept, nothing listed
        context["error"] = first_error(form)[1]
        return render(request, "tasks/list.html", context, status=400)
    remembered = form.remembered()
    if sent and remembered != worklist_preference_get(user=user, worklist=scope):
        worklist_preference_save(user=user, worklist=scope, query=remembered)
    try:
        page = selectors.worklist_page(
            user=user,
            scope=scope,
            after=request.GET.get("after", ""),
            size=PAGE_SIZE,
            open_orders=True,
            **form.filters(),
        )
    except InvalidInput as error:  # a page link that is not one: said at the top, nothing listed
        context["error"] = str(error.message)
        return render(request, "tasks/list.html", context, status=400)
    context.update(
        page=page,
        rows=page.rows,
        task_url=url_around_id("task"),  # each row's link and label: its id and reference in a blank
        claim_label=message_around(_("Claim %(reference)s"), "reference"),
        query=urlencode(remembered),
        filtered=bool(remembered),
        is_first_page="after" not in request.GET,
    )
    if scope == "inbox":  # a supervisor's inbox links the extension requests awaiting their decision
        context["extensions_pending"] = extension_list_pending_for_user(user=user).count()
    return render(request, "tasks/list.html", context)


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _task_list(request, "inbox")


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _task_list(request, "queue")


@login_required
def archive(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _task_list(request, "archive")


@login_required
@require_POST
def queue_claim(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Claim the queue tasks ticked (``tasks``, repeated), each on its own: say which were claimed and why
    each other one was not."""
    form = case_forms.ClaimManyForm({"tasks": request.POST.getlist("tasks") or None})
    if not form.is_valid():
        messages.error(request, first_error(form)[1])
        return redirect("queue")
    results = services.tasks_claim(task_ids=form.cleaned_data["tasks"], user=request.user)
    claimed = [result.reference for result in results if result.error is None]
    if claimed:
        messages.success(request, _("You claimed: %(references)s.") % {"references": ", ".join(claimed)})
    for result in results:
        if result.error is not None:
            messages.error(
                request,
                _("%(task)s not claimed: %(reason)s")
                % {"task": result.reference or f"#{result.task_id}", "reason": result.error.message},
            )
    return redirect("inbox" if claimed and len(claimed) == len(results) else "queue")


def _reassign_candidates(node: CaseTask, case: Case) -> QuerySet[User]:
    """Who may take the step (``rules.may_take`` in its query form): the people a supervisor may give it to."""
    step = node.step
    return (
        User.objects.filter(
            rules.may_take_people_q(audience=step.audience, specialty=step.specialty, case=case)
        )
        .distinct()
        .select_related("unit")
        .order_by("username")
    )


def _task_context(
    request: AuthenticatedHttpRequest,
    task: Task,
    step_form: forms.Form | None = None,
    release_form: case_forms.ReleaseForm | None = None,
    reassign_form: case_forms.ReassignForm | None = None,
    pause_form: case_forms.PauseForm | None = None,
    extension_form: case_forms.ExtensionAskForm | None = None,
) -> dict[str, Any]:
    """The task page's context; ``task`` carries its ``clock`` (``selectors.task_get_for_user``)."""
    node = task.flow_task
    case = task.process.caseprocess.case
    user = request.user
    can_execute = node.can_execute(user, task)
    can_reassign = rules.supervises_case(case, user) and task.status in (STATUS.NEW, STATUS.ASSIGNED)
    sla = deadlines.clock_sla(task.clock, timezone.now())
    holds = task.owner_id == user.pk and task.status == STATUS.ASSIGNED and task.clock is not None
    extensions = list(extension_list_of_task(task_id=task.pk))
    # The holder asks for an extension here, or reads why they may not now (when the step has a due moment).
    cannot_ask = (
        ask_refusal(clock=task.clock, asked=extensions, now=timezone.now())
        if holds and task.clock.stopped_at is None
        else None
    )
    return {
        "extensions": extensions,
        "extension_form": extension_form
        or (case_forms.ExtensionAskForm(auto_id=EXTENSION_IDS) if holds and cannot_ask is None else None),
        "extension_note": cannot_ask.message if cannot_ask and task.clock.due_at else "",
        "sla": sla,
        "clock": task.clock,
        "can_resume": holds and sla.paused,
        "pause_form": pause_form or (case_forms.PauseForm() if holds and not sla.paused else None),
        "task": task,
        "node": node,
        "case": case,
        "show_personal": case_shows_personal_data(case=case, user=user),
        "can_claim": node.can_assign(user, task),
        "can_execute": can_execute,
        "can_release": node.can_unassign(user, task),
        "step_form": step_form or (node.step.form_for(case) if can_execute else None),
        "release_form": release_form or case_forms.ReleaseForm(),
        "reassign_form": reassign_form
        or (case_forms.ReassignForm(candidates=_reassign_candidates(node, case)) if can_reassign else None),
        "meetings": case.meetings.prefetch_related("attendees"),
        "advice": case.advice.select_related("author"),
        "open_orders": [
            {"order": order, "sla": order_sla(order, timezone.now())} for order in case_open_orders(case=case)
        ],
        **attachments_context(case=case, user=user, upload_url=reverse("task_attachments", args=[task.pk])),
    }


def _get_task(request: AuthenticatedHttpRequest, task_id: int) -> Task:
    try:
        return selectors.task_get_for_user(task_id=task_id, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error


@login_required
def task_detail(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _get_task(request, task_id)
    if request.method != "POST":
        return render(request, "tasks/detail.html", _task_context(request, task))
    node = task.flow_task
    case = task.process.caseprocess.case
    form = node.step.form_for(case, request.POST)
    if not node.can_execute(request.user, task):
        # Checked before the form, so that a non-owner hears "not yours" rather than about the fields.
        return refuse(request, NotTaskOwner(), "tasks/detail.html", _task_context(request, task))
    if not form.is_valid():
        return render(request, "tasks/detail.html", _task_context(request, task, step_form=form), status=400)
    try:
        services.task_complete(task_id=task.pk, user=request.user, data=form.cleaned_data)
    except CaseError as error:
        return refuse(
            request,
            error,
            "tasks/detail.html",
            _task_context(request, _get_task(request, task_id), form),
            form,
        )
    messages.success(
        request,
        _("%(step)s done for case %(reference)s.") % {"step": node.step.title, "reference": case.reference},
    )
    return redirect("case", reference=case.reference)


@login_required
@require_POST
def task_claim(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    try:
        services.task_claim(task_id=task_id, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    except CaseError as error:
        # The loser of a race may still see the task it tried to take: a 409 saying it is taken, not a 404.
        task = selectors.task_get_for_claim(task_id=task_id, user=request.user)
        return refuse(request, error, "tasks/detail.html", _task_context(request, task))
    messages.success(request, _("You claimed this task."))
    return redirect("task", task_id=task_id)


def _task_form_post(
    request: AuthenticatedHttpRequest,
    task: Task,
    form: forms.Form,
    *,
    form_name: str,
    act: Callable[[dict[str, Any]], object],
    done: str,
    then: HttpResponse,
) -> HttpResponse:
    """A form of the task page posted: a refused one shows the page again with its errors (400, or the
    refusal's status), nothing changed; otherwise ``act`` on its cleaned data, say ``done``, go ``then``."""

    def page_again() -> dict[str, Any]:
        shown: dict[str, Any] = {form_name: form}  # the one form of the page this post was
        return _task_context(request, task, **shown)

    if not form.is_valid():
        return render(request, "tasks/detail.html", page_again(), status=400)
    try:
        act(form.cleaned_data)
    except CaseError as error:
        return refuse(request, error, "tasks/detail.html", page_again(), form)
    messages.success(request, done)
    return then


@login_required
@require_POST
def task_release(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _get_task(request, task_id)
    return _task_form_post(
        request,
        task,
        case_forms.ReleaseForm(request.POST),
        form_name="release_form",
        act=lambda data: services.task_release(
            task_id=task.pk, user=request.user, code=data["code"], reason=data["reason"]
        ),
        done=_("The task is back in the queue."),
        then=redirect("queue"),
    )


@login_required
@require_POST
def task_reassign(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _get_task(request, task_id)
    case = task.process.caseprocess.case
    if not rules.supervises_case(case, request.user):
        raise Http404()
    return _task_form_post(
        request,
        task,
        case_forms.ReassignForm(request.POST, candidates=_reassign_candidates(task.flow_task, case)),
        form_name="reassign_form",
        act=lambda data: services.task_reassign(
            task_id=task.pk, user=request.user, to_user=data["to_user"], reason=data["reason"]
        ),
        done=_("The task was reassigned."),
        then=redirect("case", reference=case.reference),
    )


@login_required
@require_POST
def task_pause(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _get_task(request, task_id)
    return _task_form_post(
        request,
        task,
        case_forms.PauseForm(request.POST),
        form_name="pause_form",
        act=lambda data: services.task_pause(
            task_id=task.pk, user=request.user, reason=data["reason"], days=data["days"]
        ),
        done=_("The step is paused: its clock stands still until it resumes."),
        then=redirect("task", task_id=task.pk),
    )


@login_required
@require_POST
def task_extension_ask(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _get_task(request, task_id)
    return _task_form_post(
        request,
        task,
        case_forms.ExtensionAskForm(request.POST, auto_id=EXTENSION_IDS),
        form_name="extension_form",
        act=lambda data: services.task_extension_ask(
            task_id=task.pk, user=request.user, due_at=data["due_at"], reason=data["reason"]
        ),
        done=_("Your extension request is with the supervisors of the case's unit."),
        then=redirect("task", task_id=task.pk),
    )


@login_required
@require_POST
def task_resume(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    task = _get_task(request, task_id)
    try:
        services.task_resume(task_id=task.pk, user=request.user)
    except CaseError as error:
        return refuse(request, error, "tasks/detail.html", _task_context(request, task))
    messages.success(request, _("The step counts again; the paused time is not counted."))
    return redirect("task", task_id=task.pk)

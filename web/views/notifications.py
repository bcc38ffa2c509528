"""Pages: the notification list (with mark-read) and the supervisor's live board."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import rules
from cases.forms import MarkReadForm, first_error
from cases.models import CaseKind, CaseState
from notifications import selectors, services
from web.requests import AuthenticatedHttpRequest

PAGE_SIZE = 50
# The board's open cases by state: only states still being worked, in workflow order (both kinds' lines merged:
# intake, the first step, the professionals' claim, then the common steps; an escalated dispute waits for triage).
OPEN_STATES_IN_ORDER = [
    CaseState.REGISTERED,
    CaseState.SUBMITTED,
    CaseState.ESCALATED,
    CaseState.TRIAGED,
    CaseState.DISPATCHED,
    CaseState.CLAIMED,
    CaseState.CONSULTING,
    CaseState.RESOLVING,
    CaseState.FOLLOW_UP,
    CaseState.FEEDBACK,
    CaseState.COMMENDING,
]


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications = selectors.notification_list_for_user(user=request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark read: ``ids`` (repeated) or ``up_to``, or everything; JSON for scripts, a redirect for the form."""
    form = MarkReadForm({"ids": request.POST.getlist("ids") or None, "up_to": request.POST.get("up_to")})
    wants_json = request.headers.get("accept", "").startswith("application/json")
    if form.is_valid() and request.POST.get("chosen") and not form.cleaned_data["ids"]:
        # "Mark the chosen as read" with nothing ticked: never read as "everything"
        form.add_error("ids", _("Choose the notifications to mark as read."))
    if not form.is_valid():
        field, message = first_error(form)
        if wants_json:
            return JsonResponse(
                {"error": {"code": "invalid", "message": message, "fields": {field: [message]}}}, status=400
            )
        messages.error(request, message)
        return redirect("notifications")
    services.notifications_mark_read(
        user=request.user, ids=form.cleaned_data["ids"], up_to=form.cleaned_data["up_to"]
    )
    unread = selectors.notification_unread_count(user=request.user)
    if wants_json:
        return JsonResponse({"unread": unread})
    return redirect("notifications")


@login_required
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    root = rules.board_root(request.user)
    if root is None:
        raise Http404()
    return render(
        request,
        "notifications/board.html",
        {
            "root": root,
            "states": CaseState.choices,
            "open_states": OPEN_STATES_IN_ORDER,
            "kinds": CaseKind.choices,
        },
    )

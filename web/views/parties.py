"""The parties' pages: the receipt a worker prints at intake, the public tracking page (no login) and the
satisfaction link's page (no login); and the workers' forms for a new tracking code and public notes.

A tracking code is shown once: the command that issues it leaves it in the worker's session for the receipt,
which takes it out as it shows it (a reload shows the receipt without it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import documents, tokens
from cases.errors import CaseError, NotFound
from cases.models import Case, SatisfactionLink, TrackingCode
from cases.party_forms import PublicNoteForm, SatisfactionForm, TrackForm
from cases.ratelimit import tracking_lookups
from cases.selectors.tracking import case_due_for_party, case_public_status, case_tracked
from cases.services.satisfaction import LinkState, satisfaction_link_get, satisfaction_link_state
from cases.services.tracking import may_speak_for_case
from web.requests import AuthenticatedHttpRequest
from workflow import selectors
from workflow.services import parties

SESSION_CODES = "receipt_codes"


def receipt_code_keep(request: HttpRequest, case: Case, code: str) -> None:
    """Hand a just-issued code to the receipt page (in this worker's session, until the receipt shows it)."""
    codes = request.session.get(SESSION_CODES, {})
    codes[case.reference] = code
    request.session[SESSION_CODES] = codes


def _receipt_code_take(request: HttpRequest, reference: str) -> str:
    codes = request.session.get(SESSION_CODES, {})
    code = codes.pop(reference, "")
    if code:
        request.session[SESSION_CODES] = codes
    return code


def _visible_case(request: AuthenticatedHttpRequest, reference: str) -> Case:
    try:
        return selectors.case_get_for_user(reference=reference, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error


def _receipt_context(request: AuthenticatedHttpRequest, case: Case, code: str) -> dict:
    return {
        "case": case,
        "code": code,
        "due_at": case_due_for_party(case),
        "track_url": request.build_absolute_uri(reverse("track")),
        "issued": TrackingCode.objects.filter(case=case).first(),
        "may_reissue": may_speak_for_case(case, request.user),
        "pdf": documents.pdf_available(),
    }


def party_context(case: Case, user) -> dict:
    """The case page's part for the parties: the tracking code's issue, the public notes (and their form for
    who may write them), the satisfaction links sent."""
    may_speak = may_speak_for_case(case, user)
    links = [  # a case has a link per follow-up or feedback step: a few
        (link, satisfaction_link_state(link, step_open=selectors.task_is_open(task_id=link.task_id)))
        for link in case.satisfaction_links.order_by("created_at", "pk")
    ]
    return {
        "tracking": TrackingCode.objects.filter(case=case).select_related("issued_by").first(),
        "public_notes": list(case.public_notes.all()),
        "public_note_form": PublicNoteForm() if may_speak else None,
        "may_reissue": may_speak,
        "satisfaction_links": links,
    }


@login_required
@require_http_methods(["GET", "POST"])
def receipt(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """回执: GET shows it (with the code right after it was issued); POST (the code as shown) gives its PDF."""
    case = _visible_case(request, reference)
    if request.method == "GET":
        return render(
            request,
            "parties/receipt.html",
            _receipt_context(request, case, _receipt_code_take(request, reference)),
        )
    code = request.POST.get("code", "")
    issued = TrackingCode.objects.filter(case=case).first()
    if not tokens.digests_match(tokens.tracking_code_normalised(code), issued.digest if issued else None):
        raise Http404()  # only the code of this case, as issued, goes on its receipt
    context = {**_receipt_context(request, case, code), "styles": documents.document_styles()}
    html = render(request, "parties/receipt.html", context).content.decode()
    pdf = documents.pdf_from_html(html)
    if pdf is None:
        raise Http404()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{case.reference}.pdf"'
    return response


@login_required
@require_POST
def tracking_code_reissue(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    _visible_case(request, reference)
    try:
        case, code = parties.tracking_code_reissue(reference=reference, user=request.user)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    except CaseError as error:
        messages.error(request, str(error.message))
        return redirect("case", reference=reference)
    receipt_code_keep(request, case, code)
    messages.success(request, _("A new tracking code was issued; the old one no longer works."))
    return redirect("receipt", reference=reference)


@login_required
@require_POST
def public_note_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    _visible_case(request, reference)
    form = PublicNoteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, str(errors[0]))
        return redirect("case", reference=reference)
    try:
        parties.public_note_add(reference=reference, user=request.user, text=form.cleaned_data["note"])
    except NotFound as error:
        raise Http404(str(error.message)) from error
    except CaseError as error:
        messages.error(request, str(error.message))
        return redirect("case", reference=reference)
    messages.success(request, _("The note is on the tracking page now."))
    return redirect("case", reference=reference)


# ---- the public pages (no login) -------------------------------------------------------------------------


def track(request: HttpRequest) -> HttpResponse:
    """查询: the reference and the tracking code give the case's public status. A wrong code and an unknown
    reference give the same answer (404 and the same words); lookups are counted per address (429 past
    ``TRACK_RATE``)."""
    if request.method != "POST":
        form = TrackForm(initial={"reference": request.GET.get("reference", "")[:20]})
        return render(request, "parties/track.html", {"form": form})
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "parties/track.html", {"form": form}, status=400)
    wait = tracking_lookups.hit(request.META.get("REMOTE_ADDR", ""))
    if wait is not None:
        context = {"form": form, "refusal": _("Too many lookups from your network. Try again in a minute.")}
        response = render(request, "parties/track.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    case = case_tracked(reference=form.cleaned_data["reference"], code=form.cleaned_data["code"])
    if case is None:
        context = {"form": form, "refusal": _("No case matches this reference and tracking code.")}
        return render(request, "parties/track.html", context, status=404)
    return render(
        request,
        "parties/track.html",
        {"form": TrackForm(initial={"reference": case.reference}), "status": case_public_status(case=case)},
    )


GONE_TEXTS = {
    LinkState.UNKNOWN: (
        _("This link does not work"),
        _(
            "Check that you opened the whole link from the message. If it still does not work, call the office."
        ),
    ),
    LinkState.USED: (_("You have already answered"), _("Thank you: your answer was recorded.")),
    LinkState.EXPIRED: (
        _("This link has expired"),
        _("The time to answer through it is over. The office may call you to ask instead."),
    ),
    LinkState.STEP_DONE: (
        _("Your answer was already taken"),
        _("The office recorded your opinion (for instance on the phone), so this link is no longer needed."),
    ),
}


def _gone(request: HttpRequest, state: LinkState) -> HttpResponse:
    title, text = GONE_TEXTS[state]
    return render(request, "parties/satisfaction_gone.html", {"title": title, "text": text}, status=410)


def _link_and_state(token: str) -> tuple[SatisfactionLink | None, LinkState]:
    link = satisfaction_link_get(token=token)
    step_open = link is not None and selectors.task_is_open(task_id=link.task_id)
    return link, satisfaction_link_state(link, step_open=step_open)


@require_http_methods(["GET", "POST"])
def satisfaction(request: HttpRequest, token: str) -> HttpResponse:
    """The party rates 1-5 (and comments) through their single-use link. A broken, used or expired link, or
    one whose step the worker already recorded: 410 with a page that says which. A rating outside 1-5: 400,
    nothing changes."""
    link, state = _link_and_state(token)
    if state is not LinkState.OPEN:
        return _gone(request, state)
    assert link is not None
    form = SatisfactionForm(request.POST or None)
    context = {"form": form, "case": link.case, "link": link}
    if request.method != "POST":
        return render(request, "parties/satisfaction.html", context)
    if not form.is_valid():
        return render(request, "parties/satisfaction.html", context, status=400)
    try:
        parties.satisfaction_answer(
            token=token, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
        )
    except parties.LinkGone as gone:
        return _gone(request, gone.state)
    except CaseError as error:
        if error.field in form.fields:
            form.add_error(error.field, str(error.message))
        else:
            context["refusal"] = str(error.message)
        return render(request, "parties/satisfaction.html", context, status=error.status_code)
    return render(request, "parties/satisfaction_thanks.html", {"case": link.case})

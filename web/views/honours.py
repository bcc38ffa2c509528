"""考核表彰 pages: 三师先锋 and commendations (nominate, decide, the honour roll and its PDF), the 六个一 annual
tasks (targets, progress, the activity log with photos) and the 五强 / 六好 sheets (history, scoring, PDF).
The rules, selectors and services are ``honours``'; what a person may not see is a 404, a refusal shows the
page again with the reason in a 4xx and changes nothing."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import documents
from cases.attachments import attachment_response
from cases.errors import CaseError, NotFound
from cases.models import Unit
from cases.selectors.attachments import evidence_storage
from honours import rules, services
from honours.forms import (
    ActivityEditForm,
    ActivityForm,
    DecisionForm,
    NominationForm,
    SheetForm,
    TargetsForm,
    YearForm,
)
from honours.models import (
    CRITERIA,
    GRADE_THRESHOLDS,
    SCHEME_OF,
    ActivityPhoto,
    AnnualTask,
    Criterion,
    Grade,
    HonourKind,
    Nomination,
    NominationState,
)
from honours.selectors import access
from honours.selectors.evidence import FIGURE_LABELS, evidence_for, task_progress, unit_figures
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.views.attachments import evidence_upload


def _found(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except NotFound as unseen:
        raise Http404(str(unseen.message)) from unseen


def _year(request: AuthenticatedHttpRequest) -> int:
    """The year a page shows: ``?year=``, this year when absent or out of range."""
    return YearForm(request.GET).year_or_this()


def _posted_year(request: AuthenticatedHttpRequest) -> int:
    """The year a form writes for: ``?year=`` as sent (a year out of range is the service's 400, not silently
    this year), this year when absent."""
    sent = request.GET.get("year")
    if sent is None:
        return _year(request)
    return int(sent) if sent.isascii() and sent.isdigit() and len(sent) <= 4 else 0


def _pdf(html: str, filename: str) -> HttpResponse:
    pdf = documents.pdf_from_html(html)
    if pdf is None:
        raise Http404()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---- nominations -----------------------------------------------------------------------------------------


def _nominations_page(request: AuthenticatedHttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "to_decide": access.nominations_to_decide(user=request.user),
        "nominations": access.nominations_for_user(user=request.user)[:200],
        "may_nominate": rules.nominates_somewhere(request.user),
        "year": _year(request),
        **extra,
    }


@login_required
def nomination_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "honours/nominations.html", _nominations_page(request))


@login_required
def nomination_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not rules.nominates_somewhere(request.user):
        raise Http404()
    nominees = access.nominees_for(user=request.user)
    if request.method != "POST":
        initial = {}
        person = request.GET.get("person", "")
        if (
            person.isascii()
            and person.isdigit()
            and len(person) <= 18
            and nominees.filter(pk=person).exists()
        ):
            initial["person"] = int(person)  # from a ranking's link; anyone else is simply not preselected
        form = NominationForm(nominees=nominees, initial=initial)
        return render(request, "honours/nominate.html", {"form": form})
    form = NominationForm(request.POST, nominees=nominees)
    if not form.is_valid():
        return render(request, "honours/nominate.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        nomination = services.nomination_create(
            actor=request.user,
            person=data["person"],
            kind=data["kind"],
            year=data["year"],
            citation=data["citation"],
        )
    except CaseError as error:
        return refuse(request, error, "honours/nominate.html", {"form": form}, form)
    messages.success(request, _("The nomination was sent for a decision."))
    return redirect("honours_nomination", nomination_id=nomination.pk)


def _nomination_context(request: AuthenticatedHttpRequest, nomination: Nomination, form: Any = None) -> dict:
    decides = nomination.state == NominationState.PENDING and rules.decides_nomination(
        nomination, request.user
    )
    return {"nomination": nomination, "decision_form": (form or DecisionForm()) if decides else None}


@login_required
def nomination_detail(request: AuthenticatedHttpRequest, nomination_id: int) -> HttpResponse:
    nomination = _found(
        lambda: access.nomination_get_for_user(nomination_id=nomination_id, user=request.user)
    )
    return render(request, "honours/nomination.html", _nomination_context(request, nomination))


@login_required
@require_POST
def nomination_decide(request: AuthenticatedHttpRequest, nomination_id: int) -> HttpResponse:
    nomination = _found(
        lambda: access.nomination_get_for_user(nomination_id=nomination_id, user=request.user)
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        context = _nomination_context(request, nomination, form)
        return render(request, "honours/nomination.html", context, status=400)
    try:
        services.nomination_decide(
            nomination_id=nomination.pk,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except CaseError as error:
        return refuse(
            request, error, "honours/nomination.html", _nomination_context(request, nomination, form), form
        )
    messages.success(request, _("The nomination is decided."))
    return redirect("honours_nomination", nomination_id=nomination.pk)


def _roll_context(request: AuthenticatedHttpRequest, year: int) -> dict[str, Any]:
    roll = list(access.honour_roll(user=request.user, year=year))
    groups = [(kind.label, [row for row in roll if row.kind == kind]) for kind in HonourKind]
    return {
        "year": year,
        "groups": [group for group in groups if group[1]],
        "root": rules.scope_root(request.user),
    }


@login_required
def honour_roll(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = _roll_context(request, _year(request))
    return render(request, "honours/roll.html", {**context, "pdf": documents.pdf_available()})


@login_required
def honour_roll_pdf(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    if not services.FIRST_YEAR <= year <= 2100:
        raise Http404()
    context = {**_roll_context(request, year), "styles": documents.document_styles()}
    html = render_to_string("honours/roll_document.html", context, request=request)
    return _pdf(html, f"honour-roll-{year}.pdf")


# ---- 六个一 annual tasks ---------------------------------------------------------------------------------


@login_required
def annual_tasks(request: AuthenticatedHttpRequest) -> HttpResponse:
    year = _year(request)
    units = access.annual_task_units(user=request.user)
    rows = [(unit, task_progress(unit, year)) for unit in units]
    return render(request, "honours/tasks.html", {"year": year, "rows": rows, "tasks": list(AnnualTask)})


def _unit_tasks_context(request: AuthenticatedHttpRequest, unit: Unit, year: int, **forms: Any) -> dict:
    progress = task_progress(unit, year)
    targets_form = None
    if rules.sets_targets(request.user, unit):
        targets_form = forms.get("targets_form") or TargetsForm(
            initial={row.task.value: row.target for row in progress}
        )
    activity_form = None
    if rules.logs_activities(request.user, unit):
        activity_form = forms.get("activity_form") or ActivityForm()
    return {
        "unit": unit,
        "year": year,
        "progress": progress,
        "activities": access.activities_of(unit=unit, year=year),
        "editable": access.activity_ids_editable(user=request.user, unit=unit, year=year),
        "targets_form": targets_form,
        "activity_form": activity_form,
    }


def _task_unit(request: AuthenticatedHttpRequest, unit_id: int) -> Unit:
    return _found(
        lambda: access.unit_get_for_user(unit_id=unit_id, user=request.user, rule=rules.sees_annual_tasks)
    )


@login_required
def unit_tasks(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    unit = _task_unit(request, unit_id)
    return render(request, "honours/unit_tasks.html", _unit_tasks_context(request, unit, _year(request)))


@login_required
@require_POST
def targets_set(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    unit = _task_unit(request, unit_id)
    year, shown = _posted_year(request), _year(request)
    form = TargetsForm(request.POST)
    if not form.is_valid():
        context = _unit_tasks_context(request, unit, shown, targets_form=form)
        return render(request, "honours/unit_tasks.html", context, status=400)
    try:
        services.targets_set(actor=request.user, unit=unit, year=year, targets=form.targets())
    except CaseError as error:
        context = _unit_tasks_context(request, unit, shown, targets_form=form)
        return refuse(request, error, "honours/unit_tasks.html", context, form)
    messages.success(request, _("The targets of %(year)s are set.") % {"year": year})
    return redirect(reverse("honours_unit_tasks", args=[unit.pk]) + f"?year={year}")


def _activity_refused(request: AuthenticatedHttpRequest, error: CaseError, unit_id: int) -> HttpResponse:
    unit = _task_unit(request, unit_id)
    return refuse(
        request, error, "honours/unit_tasks.html", _unit_tasks_context(request, unit, _year(request))
    )


@login_required
@require_POST
@evidence_upload(_activity_refused)
def activity_log(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    unit = _task_unit(request, unit_id)
    year = _year(request)
    form = ActivityForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _unit_tasks_context(request, unit, year, activity_form=form)
        return render(request, "honours/unit_tasks.html", context, status=400)
    data = form.cleaned_data
    try:
        activity = services.activity_log(
            actor=request.user,
            unit=unit,
            task=data["task"],
            held_on=data["held_on"],
            place=data["place"],
            topic=data["topic"],
            people_reached=data["people_reached"],
            uploads=[(photo, photo.name or "") for photo in data["photos"]],
        )
    except CaseError as error:
        context = _unit_tasks_context(request, unit, year, activity_form=form)
        return refuse(request, error, "honours/unit_tasks.html", context, form)
    messages.success(request, _("The activity is logged."))
    return redirect(reverse("honours_unit_tasks", args=[unit.pk]) + f"?year={activity.held_on.year}")


@login_required
def activity_edit(request: AuthenticatedHttpRequest, activity_id: int) -> HttpResponse:
    """Correct an activity (who logged it, while its year is open): its details, not its photos."""
    activity = _found(lambda: access.activity_get_for_user(activity_id=activity_id, user=request.user))
    if request.method != "POST":
        form = ActivityEditForm(initial={name: getattr(activity, name) for name in services.EDITABLE})
        context = {"activity": activity, "form": form}
        refusal = services.activity_edit_refusal(actor=request.user, activity=activity)
        if refusal is not None:  # seen, not theirs to correct: the reason, no form
            return refuse(request, refusal, "honours/activity_edit.html", {**context, "form": None})
        return render(request, "honours/activity_edit.html", context)
    form = ActivityEditForm(request.POST)
    context = {"activity": activity, "form": form}
    if not form.is_valid():
        return render(request, "honours/activity_edit.html", context, status=400)
    try:
        services.activity_edit(actor=request.user, activity_id=activity.pk, **form.cleaned_data)
    except CaseError as error:
        return refuse(request, error, "honours/activity_edit.html", context, form)
    messages.success(request, _("The activity is corrected."))
    url = reverse("honours_unit_tasks", args=[activity.unit_id])
    return redirect(url + f"?year={activity.held_on.year}")


@login_required
def activity_photo(request: AuthenticatedHttpRequest, photo_id: int) -> HttpResponseBase:
    photo: ActivityPhoto = _found(lambda: access.photo_get_for_user(photo_id=photo_id, user=request.user))
    # Served as evidence attachments are: an activity photo has their name, type and checks.
    return attachment_response(photo, evidence_storage().open(photo.blob))  # type: ignore[arg-type]


# ---- 五强 / 六好 assessment ------------------------------------------------------------------------------


@login_required
def assessments(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = access.assessed_units(user=request.user)
    rows = [(unit, access.sheets_of(unit=unit).first()) for unit in units]
    return render(request, "honours/assessments.html", {"rows": rows})


def _criterion_rows(unit: Unit, year: int, form: SheetForm | None) -> list[dict[str, Any]]:
    figures = unit_figures(unit, year)
    weights = services.criterion_weights()
    rows = []
    for criterion in CRITERIA[SCHEME_OF[unit.organisation_type]]:
        rows.append(
            {
                "label": Criterion(criterion).label,
                "weight": weights[criterion],
                "evidence": evidence_for(criterion, figures),
                "score": form[f"score_{criterion}"] if form else None,
                "note": form[f"note_{criterion}"] if form else None,
            }
        )
    return rows


def _unit_sheets_context(
    request: AuthenticatedHttpRequest, unit: Unit, year: int, form: SheetForm | None = None
):
    scheme = SCHEME_OF[unit.organisation_type]
    if not rules.assesses(request.user, unit):
        form = None  # the sheet's figures only
    elif form is None:
        form = SheetForm(scheme=scheme)
    return {
        "unit": unit,
        "year": year,
        "scheme": scheme,
        "sheets": access.sheets_of(unit=unit),
        "rows": _criterion_rows(unit, year, form),
        "form": form,
        "thresholds": _thresholds(),
    }


def _thresholds() -> list[tuple[Any, Any]]:
    return [(Grade(grade).label, lowest) for lowest, grade in GRADE_THRESHOLDS]


@login_required
def unit_sheets(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    unit = _found(
        lambda: access.unit_get_for_user(unit_id=unit_id, user=request.user, rule=rules.sees_sheets)
    )
    shown = _year(request)
    if request.method != "POST":
        return render(request, "honours/unit_sheets.html", _unit_sheets_context(request, unit, shown))
    year = _posted_year(request)
    form = SheetForm(request.POST, scheme=SCHEME_OF[unit.organisation_type])
    if not form.is_valid():
        return render(
            request, "honours/unit_sheets.html", _unit_sheets_context(request, unit, shown, form), status=400
        )
    try:
        sheet = services.sheet_submit(
            actor=request.user, unit=unit, year=year, scores=form.scores(), note=form.cleaned_data["note"]
        )
    except CaseError as error:
        context = _unit_sheets_context(request, unit, shown, form)
        return refuse(request, error, "honours/unit_sheets.html", context, form)
    messages.success(request, _("The assessment sheet is submitted."))
    return redirect("honours_sheet", sheet_id=sheet.pk)


def _sheet_context(request: AuthenticatedHttpRequest, sheet_id: int) -> dict[str, Any]:
    sheet = _found(lambda: access.sheet_get_for_user(sheet_id=sheet_id, user=request.user))
    rows = [
        {
            "label": Criterion(row.criterion).label,
            "weight": row.weight,
            "score": row.score,
            "note": row.note,
            "evidence": [
                (str(FIGURE_LABELS[name]), "—" if value is None else value)
                for name, value in row.evidence.items()
            ],
        }
        for row in sheet.rows.all()
    ]
    return {"sheet": sheet, "rows": rows, "thresholds": _thresholds()}


@login_required
def sheet_detail(request: AuthenticatedHttpRequest, sheet_id: int) -> HttpResponse:
    context = _sheet_context(request, sheet_id)
    return render(request, "honours/sheet.html", {**context, "pdf": documents.pdf_available()})


@login_required
def sheet_pdf(request: AuthenticatedHttpRequest, sheet_id: int) -> HttpResponse:
    context = {**_sheet_context(request, sheet_id), "styles": documents.document_styles()}
    html = render_to_string("honours/sheet_document.html", context, request=request)
    return _pdf(html, f"assessment-{sheet_id}.pdf")

"""The API of honours (考核表彰): nominations and their decision, the honour roll of a year, a unit's 六个一
targets, progress and activity log (logging, and correcting by who logged it), and the 五强 / 六好 sheets (the
history, submitting one, reading one). The same forms, rules, selectors and services as the pages: what the
caller may not see is a 404, a refusal the one error shape with nothing changed."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as s
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs
from api import request_bodies as bodies
from api.parsers import EvidenceMultiPartParser, JSONBodyParser
from api.serializers import BODY_ERRORS, ERRORS, Timestamp, UnitRef
from api.views import caller
from cases.errors import NotFound
from cases.models import Unit, User
from honours import rules, services
from honours.forms import (
    LAST_YEAR,
    MOST_PHOTOS,
    ActivityEditForm,
    ActivityForm,
    DecisionForm,
    NominationForm,
    SheetForm,
    TargetsForm,
    YearForm,
    this_year,
)
from honours.models import (
    CRITERIA,
    SCHEME_OF,
    ActivityTask,
    AnnualTask,
    Criterion,
    Grade,
    HonourKind,
    NominationState,
    Scheme,
)
from honours.selectors import access
from honours.selectors.evidence import task_progress

_ROWS = _("Send the rows as a list of objects.")
_CRITERION = _("Each row is a criterion of the unit's scheme, once.")

# ---- answers ---------------------------------------------------------------------------------------------


class PersonRef(s.Serializer[Any]):
    id = s.IntegerField(source="pk")
    username = s.CharField()
    name = s.CharField(source="__str__")


class NominationOut(s.Serializer[Any]):
    id = s.IntegerField(source="pk")
    person = PersonRef()
    unit = UnitRef()
    kind = s.ChoiceField(choices=HonourKind.choices)
    year = s.IntegerField()
    citation = s.CharField()
    state = s.ChoiceField(choices=NominationState.choices)
    nominated_by = s.CharField(source="nominated_by.username")
    nominating_unit = UnitRef()
    nominated_at = Timestamp()
    decided_by = s.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = Timestamp(allow_null=True)
    decision_reason = s.CharField(allow_blank=True)

    class Meta:
        ref_name = "Nomination"


class Nominations(s.Serializer[Any]):
    results = NominationOut(many=True)


class HonourRoll(s.Serializer[Any]):
    year = s.IntegerField()
    results = NominationOut(many=True)


class TaskProgressOut(s.Serializer[Any]):
    task = s.ChoiceField(choices=AnnualTask.choices)
    target = s.IntegerField(allow_null=True)
    done = s.IntegerField()
    met = s.BooleanField()
    logged = s.BooleanField(help_text="Counted from the activity log (else from the cases and honours).")


class UnitTasks(s.Serializer[Any]):
    unit = UnitRef()
    year = s.IntegerField()
    tasks = TaskProgressOut(many=True)


class PhotoOut(s.Serializer[Any]):
    id = s.IntegerField(source="pk")
    name = s.CharField()
    content_type = s.CharField()
    size = s.IntegerField()


class ActivityOut(s.Serializer[Any]):
    id = s.IntegerField(source="pk")
    unit = UnitRef()
    task = s.ChoiceField(choices=ActivityTask.choices)
    held_on = s.DateField()
    place = s.CharField()
    topic = s.CharField()
    people_reached = s.IntegerField()
    logged_by = s.CharField(source="logged_by.username")
    logged_at = Timestamp()
    photos = PhotoOut(many=True, help_text="Shown on the unit's page (`/honours/photos/{id}/`).")

    class Meta:
        ref_name = "Activity"


class Activities(s.Serializer[Any]):
    unit = UnitRef()
    year = s.IntegerField()
    results = ActivityOut(many=True)


class SheetSummaryOut(s.Serializer[Any]):
    id = s.IntegerField(source="pk")
    year = s.IntegerField()
    scheme = s.ChoiceField(choices=Scheme.choices)
    total = s.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)
    grade = s.ChoiceField(choices=Grade.choices)
    assessed_by = s.CharField(source="assessed_by.username")
    submitted_at = Timestamp()


class Sheets(s.Serializer[Any]):
    unit = UnitRef()
    results = SheetSummaryOut(many=True)


class SheetRowOut(s.Serializer[Any]):
    criterion = s.ChoiceField(choices=Criterion.choices)
    weight = s.IntegerField()
    score = s.IntegerField()
    note = s.CharField(allow_blank=True)
    evidence = s.DictField(
        child=s.CharField(allow_null=True), help_text="The figures shown when it was scored."
    )


class SheetOut(s.Serializer[Any]):
    id = s.IntegerField(source="pk")
    unit = UnitRef()
    year = s.IntegerField()
    scheme = s.ChoiceField(choices=Scheme.choices)
    total = s.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)
    grade = s.ChoiceField(choices=Grade.choices)
    note = s.CharField(allow_blank=True)
    assessed_by = s.CharField(source="assessed_by.username")
    submitted_at = Timestamp()
    rows = SheetRowOut(many=True)

    class Meta:
        ref_name = "AssessmentSheet"


# ---- bodies ----------------------------------------------------------------------------------------------

NominationIn = bodies.form_serializer(
    NominationForm(nominees=User.objects.none()),
    name="NominationIn",
    doc="A person of the caller's subtree (a supervisor's) put forward for an honour of a year.",
    help={"person": "The nominee's id (a ranking's `person`)."},
)
NominationDecisionIn = bodies.form_serializer(
    DecisionForm(), name="NominationDecisionIn", doc="Approve, or refuse with a reason."
)
TargetsIn = bodies.form_serializer(
    TargetsForm(),
    name="AnnualTargetsIn",
    doc="The unit's 六个一 targets of a year: a number per task; a task left out or null has no target.",
    year=s.IntegerField(
        min_value=services.FIRST_YEAR,
        max_value=LAST_YEAR,
        required=False,
        help_text="This year when left out.",
    ),
)
ActivityIn = bodies.form_serializer(
    ActivityEditForm(), name="ActivityIn", doc="An activity that took place (never a future date)."
)
ActivityUploadIn = bodies.form_serializer(
    ActivityEditForm(),
    name="ActivityUploadIn",
    doc="An activity with its photos, as `multipart/form-data`; each photo checked as evidence files are.",
    photos=s.ListField(
        child=bodies.BinaryFile(), required=False, max_length=MOST_PHOTOS, help_text="Photos or scans."
    ),
)


class SheetRowIn(s.Serializer[Any]):
    criterion = s.ChoiceField(choices=Criterion.choices, help_text="A criterion of the unit's scheme.")
    score = s.IntegerField(min_value=0, max_value=100)
    note = s.CharField(required=False, allow_blank=True, max_length=1000)


class SheetIn(s.Serializer[Any]):
    """A unit's 五强 (新联会) or 六好 (工作室) sheet of a year: every criterion of its scheme scored once."""

    year = s.IntegerField(
        min_value=services.FIRST_YEAR,
        max_value=LAST_YEAR,
        required=False,
        help_text="This year when left out.",
    )
    note = s.CharField(required=False, allow_blank=True, max_length=1000, help_text="The overall note.")
    rows = SheetRowIn(many=True)


YEAR = OpenApiParameter(
    "year", int, description=f"2020–{LAST_YEAR}; this year when left out.", required=False
)


def _year(request: Request) -> int:
    return inputs.cleaned(YearForm(request.query_params))["year"] or this_year()


def _body_year(data: Any) -> int:
    return inputs.cleaned(YearForm({"year": data.get("year")}))["year"] or this_year()


def _unit_tasks(unit: Unit, year: int) -> dict[str, Any]:
    tasks = [
        {"task": row.task, "target": row.target, "done": row.done, "met": row.met, "logged": row.logged}
        for row in task_progress(unit, year)
    ]
    return UnitTasks({"unit": unit, "year": year, "tasks": tasks}).data


def _sheet_form(body: dict[str, Any], scheme: Scheme) -> SheetForm:
    """The page's sheet form, bound to the API's rows (a criterion once each, of the unit's scheme)."""
    rows = body.get("rows")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValidationError({"rows": [str(_ROWS)]})
    data: dict[str, Any] = {"note": body.get("note", "")}
    for row in rows:
        criterion = row.get("criterion")
        if criterion not in CRITERIA[scheme] or f"score_{criterion}" in data:
            raise ValidationError({"rows": [str(_CRITERION)]})
        data[f"score_{criterion}"] = row.get("score")
        data[f"note_{criterion}"] = row.get("note", "")
    return SheetForm(data, scheme=scheme)


# ---- views -----------------------------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    description="The nominations the caller sees (a supervisor: their subtree's and those they decide; anyone: "
    "those they made, and their own once approved), newest first, at most 200.",
    responses={200: Nominations, **ERRORS},
    operation_id="v1_honours_nominations_list",
)
@extend_schema(
    methods=["POST"],
    request=NominationIn,
    description="A supervisor nominates a person of their subtree for 三师先锋 (`pioneer`) or a commendation of "
    "a year; the supervisors one level above hear of it. 400 for someone outside the subtree, a year out of "
    "range or no citation; 404 for a caller who nominates nobody; 409 when the person is nominated for that "
    "honour and year already.",
    responses={201: NominationOut, **BODY_ERRORS},
    operation_id="v1_honours_nominations_create",
)
@api_view(["GET", "POST"])
def nominations(request: Request) -> Response:
    user = caller(request)
    if request.method == "GET":
        rows = access.nominations_for_user(user=user)[:200]
        return Response(Nominations({"results": rows}).data)
    if not rules.nominates_somewhere(user):
        raise NotFound()
    values = inputs.cleaned(NominationForm(inputs.body(request), nominees=access.nominees_for(user=user)))
    nomination = services.nomination_create(
        actor=user,
        person=values["person"],
        kind=values["kind"],
        year=values["year"],
        citation=values["citation"],
    )
    return Response(NominationOut(nomination).data, status=201)


@extend_schema(
    request=NominationDecisionIn,
    description="A supervisor one level above the nominating unit (an administrator for one made at the top) "
    "approves or refuses (with a reason) a pending nomination; the nominator hears, and the nominee of an "
    "approval. 403 for someone who sees it but may not decide it; 409 when decided already.",
    responses={200: NominationOut, **BODY_ERRORS},
)
@api_view(["POST"])
def nomination_decide(request: Request, nomination_id: int) -> Response:
    user = caller(request)
    access.nomination_get_for_user(nomination_id=nomination_id, user=user)  # one you may not see: 404
    values = inputs.cleaned(DecisionForm(inputs.body(request)))
    nomination = services.nomination_decide(
        nomination_id=nomination_id,
        actor=user,
        approve=values["decision"] == "approve",
        reason=values["reason"],
    )
    return Response(NominationOut(nomination).data)


@extend_schema(
    parameters=[YEAR],
    description="The approved honours of a year in the caller's scope (an administrator: all; a supervisor: "
    "their subtree; anyone else: their own unit), by honour, unit and name.",
    responses={200: HonourRoll, **ERRORS},
)
@api_view(["GET"])
def honour_roll(request: Request) -> Response:
    year = _year(request)
    rows = access.honour_roll(user=caller(request), year=year)
    return Response(HonourRoll({"year": year, "results": rows}).data)


@extend_schema(
    parameters=[YEAR],
    description="The 六个一 tasks of a service team or 新联会 for a year: each task's target (null when not "
    "set) and what is done, from the cases and honours or from the activity log. 404 for a unit the caller does "
    "not see (or one without annual tasks).",
    responses={200: UnitTasks, **ERRORS},
)
@api_view(["GET"])
def unit_tasks(request: Request, unit_id: int) -> Response:
    user = caller(request)
    unit = access.unit_get_for_user(unit_id=unit_id, user=user, rule=rules.sees_annual_tasks)
    return Response(_unit_tasks(unit, _year(request)))


@extend_schema(
    request=TargetsIn,
    description="A supervisor above a service team or 新联会 (never of that unit itself) sets its 六个一 targets "
    "of a year, as the unit's page does; the answer is the unit's progress of that year. 404 for a unit the "
    "caller does not see, 403 for one who sees it but sets no targets, 400 for a year out of range or a "
    "negative target.",
    responses={200: UnitTasks, **BODY_ERRORS},
)
@api_view(["POST"])
def unit_targets(request: Request, unit_id: int) -> Response:
    user = caller(request)
    unit = access.unit_get_for_user(unit_id=unit_id, user=user, rule=rules.sees_annual_tasks)
    body = inputs.body(request)
    year = _body_year(body)
    form = TargetsForm({key: value for key, value in body.items() if key != "year"})
    inputs.cleaned(form)
    services.targets_set(actor=user, unit=unit, year=year, targets=form.targets())
    return Response(_unit_tasks(unit, year))


@extend_schema(
    methods=["GET"],
    parameters=[YEAR],
    description="The unit's activity log of a year (those its 六个一 progress counts), newest first. 404 for a "
    "unit the caller does not see (or one without annual tasks).",
    responses={200: Activities, **ERRORS},
    operation_id="v1_honours_unit_activities_list",
)
@extend_schema(
    methods=["POST"],
    request={"application/json": ActivityIn, "multipart/form-data": ActivityUploadIn},
    description="A liaison officer of the unit's district, or one of the unit's own workers, logs an activity "
    "(JSON, or `multipart/form-data` with its photos). 403 for someone who sees the unit but logs nothing "
    "there, 400 for a future date, a photo that is not one (judged by its content) or more than "
    f"{MOST_PHOTOS} photos, 413 for a photo past the size limit.",
    responses={201: ActivityOut, **BODY_ERRORS},
    operation_id="v1_honours_unit_activities_create",
)
@api_view(["GET", "POST"])
@parser_classes([JSONBodyParser, EvidenceMultiPartParser])
def unit_activities(request: Request, unit_id: int) -> Response:
    user = caller(request)
    unit = access.unit_get_for_user(unit_id=unit_id, user=user, rule=rules.sees_annual_tasks)
    if request.method == "GET":
        year = _year(request)
        rows = access.activities_of(unit=unit, year=year).select_related("unit")
        return Response(Activities({"unit": unit, "year": year, "results": rows}).data)
    if not isinstance(request.data, dict):
        inputs.body(request)  # the one message for a body that is no object
    values = inputs.cleaned(ActivityForm(request.data, request.FILES))
    activity = services.activity_log(
        actor=user,
        unit=unit,
        task=values["task"],
        held_on=values["held_on"],
        place=values["place"],
        topic=values["topic"],
        people_reached=values["people_reached"],
        uploads=[(photo, photo.name or "") for photo in values["photos"]],
    )
    return Response(ActivityOut(activity).data, status=201)


@extend_schema(
    methods=["GET"],
    description="An activity of a unit whose annual tasks the caller sees (else 404).",
    responses={200: ActivityOut, **ERRORS},
    operation_id="v1_honours_activity_retrieve",
)
@extend_schema(
    methods=["PUT"],
    request=ActivityIn,
    description="Who logged an activity corrects its details (all of them; its photos stay) while its year is "
    "open (until the year it took place in ends); the honours audit trail records what changed. 403 for "
    "anyone else who sees it, 409 once its year has ended, 400 for a future date or one in another year.",
    responses={200: ActivityOut, **BODY_ERRORS},
    operation_id="v1_honours_activity_update",
)
@api_view(["GET", "PUT"])
def activity_detail(request: Request, activity_id: int) -> Response:
    user = caller(request)
    activity = access.activity_get_for_user(activity_id=activity_id, user=user)
    if request.method == "GET":
        return Response(ActivityOut(activity).data)
    values = inputs.cleaned(ActivityEditForm(inputs.body(request)))
    activity = services.activity_edit(actor=user, activity_id=activity.pk, **values)
    return Response(ActivityOut(activity).data)


@extend_schema(
    methods=["GET"],
    description="The unit's submitted 五强 / 六好 sheets, newest first (the history of its grade). 404 unless "
    "the caller is of the unit or supervises it.",
    responses={200: Sheets, **ERRORS},
    operation_id="v1_honours_unit_sheets_list",
)
@extend_schema(
    methods=["POST"],
    request=SheetIn,
    description="A supervisor above a 新联会 or 工作室 (never of that unit) submits its sheet of a year: every "
    "criterion of its scheme scored 0–100, with notes; the weights and the evidence figures of the moment are "
    "kept with it and an earlier sheet stays as history. 403 for someone who sees the unit but does not assess "
    "it, 400 for a criterion missing, repeated or of the other scheme, or a score out of range.",
    responses={201: SheetOut, **BODY_ERRORS},
    operation_id="v1_honours_unit_sheets_create",
)
@api_view(["GET", "POST"])
def unit_sheets(request: Request, unit_id: int) -> Response:
    user = caller(request)
    unit = access.unit_get_for_user(unit_id=unit_id, user=user, rule=rules.sees_sheets)
    if request.method == "GET":
        rows = access.sheets_of(unit=unit).order_by("-submitted_at", "-id")
        return Response(Sheets({"unit": unit, "results": rows}).data)
    body = inputs.body(request)
    year = _body_year(body)
    form = _sheet_form(body, SCHEME_OF[unit.organisation_type])
    inputs.cleaned(form)
    sheet = services.sheet_submit(
        actor=user, unit=unit, year=year, scores=form.scores(), note=form.cleaned_data["note"]
    )
    return Response(SheetOut(access.sheet_get_for_user(sheet_id=sheet.pk, user=user)).data, status=201)


@extend_schema(
    description="A submitted 五强 / 六好 sheet with its rows (weight, score, note and the evidence figures of "
    "the moment it was scored). 404 unless the caller is of the unit or supervises it.",
    responses={200: SheetOut, **ERRORS},
)
@api_view(["GET"])
def sheet_detail(request: Request, sheet_id: int) -> Response:
    sheet = access.sheet_get_for_user(sheet_id=sheet_id, user=caller(request))
    return Response(SheetOut(sheet).data)

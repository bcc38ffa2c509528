"""The API of honours (考核表彰): nominations and their decision, the honour roll of a year, a unit's 六个一
progress and a submitted 五强 / 六好 sheet. The same forms, rules, selectors and services as the pages: what the
caller may not see is a 404, a refusal the one error shape with nothing changed."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as s
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs
from api import request_bodies as bodies
from api.serializers import BODY_ERRORS, ERRORS, Timestamp, UnitRef
from api.views import caller
from cases.errors import NotFound
from cases.models import User
from honours import rules, services
from honours.forms import LAST_YEAR, DecisionForm, NominationForm, YearForm, this_year
from honours.models import AnnualTask, Criterion, Grade, HonourKind, NominationState, Scheme
from honours.selectors import access
from honours.selectors.evidence import task_progress

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
YEAR = OpenApiParameter(
    "year", int, description=f"2020–{LAST_YEAR}; this year when left out.", required=False
)


def _year(request: Request) -> int:
    return inputs.cleaned(YearForm(request.query_params))["year"] or this_year()


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
    year = _year(request)
    tasks = [
        {"task": row.task, "target": row.target, "done": row.done, "met": row.met, "logged": row.logged}
        for row in task_progress(unit, year)
    ]
    return Response(UnitTasks({"unit": unit, "year": year, "tasks": tasks}).data)


@extend_schema(
    description="A submitted 五强 / 六好 sheet with its rows (weight, score, note and the evidence figures of "
    "the moment it was scored). 404 unless the caller is of the unit or supervises it.",
    responses={200: SheetOut, **ERRORS},
)
@api_view(["GET"])
def sheet_detail(request: Request, sheet_id: int) -> Response:
    sheet = access.sheet_get_for_user(sheet_id=sheet_id, user=caller(request))
    return Response(SheetOut(sheet).data)

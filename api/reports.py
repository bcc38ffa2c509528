"""The API of the reports (考核表彰): the unit figures of a period and the people's ranking, as JSON or, with
``?format=xlsx``, as the same table in a workbook. The same selectors and scope as the pages
(``reports.selectors``): a supervisor's subtree, an administrator's tree, anyone else their unit's totals and
their own row."""

from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as s
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as answers
from api.views import caller
from cases.errors import InvalidInput
from cases.models import Role
from reports import tables
from reports.exports import XLSX_TYPE, xlsx_response
from reports.figures import figures_refresh
from reports.periods import period_from, printable
from reports.selectors import Figures, people_ranking, report_scope, report_unit, unit_figures

ERRORS = answers.ERRORS
RANKED_ROLES = [Role.MEDIATOR, Role.LIAISON, Role.PROFESSIONAL, Role.SUPERVISOR]


class XlsxRenderer(BaseRenderer):
    """Lets ``?format=xlsx`` through DRF's content negotiation; the view answers with the workbook itself."""

    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return b""  # only errors come here (as JSON: ``_as_json``)


class UnitOut(s.Serializer):
    id = s.IntegerField()
    name = s.CharField()
    path = s.CharField()
    kind = s.CharField()


def _rate_field(help_text: str) -> s.FloatField:
    return s.FloatField(allow_null=True, help_text=help_text)


class UnitFiguresOut(s.Serializer):
    unit = UnitOut(help_text="The unit; its figures are those of its whole subtree.")
    has_children = s.BooleanField(help_text="Whether the unit has units below (a drill-down goes on).")
    received = s.IntegerField()
    closed = s.IntegerField()
    resolution_rate = _rate_field("办结率 %: closed of received; null when nothing was received.")
    on_time_rate = _rate_field(
        "按时办结率 %: closed by the case's due moment (working-day clock), of closed."
    )
    satisfaction = s.FloatField(allow_null=True, help_text="Average rating 1–5 of the closed cases rated.")
    satisfaction_rate = _rate_field("满意率 %: rated 4 or 5, of rated.")
    bounce_rate = _rate_field("回退率 %: received cases returned at least once, of received.")
    reopen_rate = _rate_field("重办率 %: closed cases reopened after a dissatisfied follow-up, of closed.")
    extension_rate = _rate_field("延期率 %: received cases with an approved extension, of received.")
    orders = s.IntegerField(help_text="督办: supervision orders issued (escalations not counted again).")
    duplicates = s.IntegerField(help_text="重复件: duplicates (0 until cases carry the flag).")
    average_days = s.FloatField(
        allow_null=True, help_text="Average handling time of the closed, in working days."
    )


class UnitReportOut(s.Serializer):
    unit = UnitOut()
    period_from = s.DateField(source="period.start")
    period_to = s.DateField(source="period.end")
    total = UnitFiguresOut()
    results = UnitFiguresOut(
        many=True, help_text="A row per unit right below `unit` (empty for who does not drill)."
    )


class PersonOut(s.Serializer):
    rank = s.IntegerField()
    person_id = s.IntegerField()
    name = s.CharField()
    unit = s.CharField()
    steps = s.IntegerField(help_text="Steps completed.")
    points = s.IntegerField()
    on_time_rate = s.FloatField(allow_null=True, help_text="Steps completed by their due moment, %.")
    satisfaction = s.FloatField(
        allow_null=True, help_text="Average rating 1–5 of the cases they were awarded on."
    )


class PeopleOut(s.Serializer):
    unit = UnitOut()
    period_from = s.DateField()
    period_to = s.DateField()
    results = PersonOut(many=True)


def _unit(unit: Any) -> dict:
    return {"id": unit.pk, "name": unit.name, "path": unit.path, "kind": unit.kind}


def _figures(unit: Any, figures: Figures, has_children: bool) -> dict:
    return {
        "unit": _unit(unit),
        "has_children": has_children,
        **{
            name: getattr(figures, name)
            for name in (
                "received",
                "closed",
                "resolution_rate",
                "on_time_rate",
                "satisfaction",
                "satisfaction_rate",
                "bounce_rate",
                "reopen_rate",
                "extension_rate",
                "orders",
                "duplicates",
                "average_days",
            )
        },
    }


PERIOD = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD), required."),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last day, included; at most five years after `from`."
    ),
    OpenApiParameter(
        "unit",
        OpenApiTypes.INT,
        description="A unit in the caller's scope (default: the top of it); 404 outside.",
    ),
    OpenApiParameter(
        "format", OpenApiTypes.STR, enum=["json", "xlsx"], description="`xlsx`: the table as a workbook."
    ),
]
XLSX = OpenApiResponse(response=OpenApiTypes.BINARY, description="With `format=xlsx`: the workbook.")


def _wants_xlsx(request: Request) -> bool:
    return getattr(request.accepted_renderer, "format", "") == "xlsx"


def _refusals_in_json(view: Any) -> Any:
    """A refusal of an XLSX request is the JSON error all the same (the renderer of the workbook has none)."""

    def answer(request: Request, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except Exception:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
            raise

    answer.__name__ = view.__name__
    answer.__doc__ = view.__doc__
    return answer


def _query(request: Request) -> dict[str, str]:
    return {key: request.query_params.get(key, "") for key in ("from", "to", "unit", "role")}


@extend_schema(
    parameters=PERIOD,
    responses={(200, "application/json"): UnitReportOut, (200, XLSX_TYPE): XLSX, **ERRORS},
    operation_id="v1_reports_units",
    description="The unit report of a period: the totals of `unit`'s subtree and a row per unit right below it "
    "(a supervisor drills down their subtree, an administrator the whole tree; anyone else gets their own unit's "
    "totals and no rows). 400 for a period missing an end, inverted, not YYYY-MM-DD or over five years; 404 for "
    "a unit that does not exist or lies outside the caller's scope.",
)
@api_view(["GET"])
@renderer_classes([JSONRenderer, XlsxRenderer])
@_refusals_in_json
def report_units(request: Request) -> Response | HttpResponseBase:
    query = _query(request)
    scope = report_scope(caller(request))
    unit = report_unit(scope, query["unit"])
    period = period_from(query)
    figures_refresh()
    report = unit_figures(scope=scope, unit=unit, period=period)
    if _wants_xlsx(request):
        return xlsx_response(
            [tables.report_sheets(report, tables.no_lists())[0]], f"units-{period.start}-{period.end}.xlsx"
        )
    answer = {
        "unit": _unit(unit),
        "period": period,
        "total": _figures(unit, report.total, bool(report.rows)),
        "results": [_figures(row.unit, row.figures, row.has_children) for row in report.rows],
    }
    return Response(UnitReportOut(answer).data)


@extend_schema(
    parameters=[
        *PERIOD[:3],
        OpenApiParameter("role", OpenApiTypes.STR, enum=[role.value for role in RANKED_ROLES]),
        PERIOD[3],
    ],
    responses={(200, "application/json"): PeopleOut, (200, XLSX_TYPE): XLSX, **ERRORS},
    operation_id="v1_reports_people",
    description="The people's ranking of a period by points, then steps done (at most 200 rows): the people of "
    "`unit`'s subtree for a supervisor or an administrator, the caller's own row for anyone else. Same "
    "refusals as the unit report, and 400 for an unknown role.",
)
@api_view(["GET"])
@renderer_classes([JSONRenderer, XlsxRenderer])
@_refusals_in_json
def report_people(request: Request) -> Response | HttpResponseBase:
    query = _query(request)
    scope = report_scope(caller(request))
    unit = report_unit(scope, query["unit"])
    period = period_from(query)
    if query["role"] and query["role"] not in RANKED_ROLES:
        raise InvalidInput(_("Unknown role: %(role)s.") % {"role": printable(query["role"])}, field="role")
    figures_refresh()
    rows = people_ranking(scope=scope, unit=unit, period=period, role=query["role"])
    if _wants_xlsx(request):
        return xlsx_response([tables.people_sheet(rows)], f"people-{period.start}-{period.end}.xlsx")
    results = [
        {
            "rank": rank,
            "person_id": row.person_id,
            "name": row.name,
            "unit": row.unit,
            "steps": row.steps,
            "points": row.points,
            "on_time_rate": row.on_time_rate,
            "satisfaction": row.satisfaction,
        }
        for rank, row in enumerate(rows, start=1)
    ]
    answer = {"unit": _unit(unit), "period_from": period.start, "period_to": period.end, "results": results}
    return Response(PeopleOut(answer).data)

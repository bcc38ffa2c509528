"""The report pages (考核表彰): the unit report of a period with its drill-down, charts and 红黑榜; the people's
ranking; their XLSX (``?format=xlsx``, every table of the page) and the monthly unit report as a PDF.

Who sees what is ``reports.selectors.report_scope``; a unit outside it is a 404. A chart is drawn by
``static/js/reports.js`` from the JSON in the page (no inline script) and always has its table beside it."""

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases import deadlines
from cases.documents import document_styles, pdf_available, pdf_from_html
from cases.errors import InvalidInput, NotFound
from cases.models import CaseKind, CaseState, Light, Priority, Unit
from cases.selectors.cases import case_list_for_user
from reports import tables
from reports.exports import xlsx_response
from reports.figures import figures_refresh
from reports.periods import Period, month_of, period_from, printable, quarter_of, year_of
from reports.selectors import (
    ReportScope,
    people_ranking,
    red_black_list,
    report_scope,
    report_unit,
    unit_figures,
)
from web.requests import AuthenticatedHttpRequest
from workflow.selectors import queue_reach_q

MONTH_FORMAT = "%Y-%m"


def _scope(request: AuthenticatedHttpRequest) -> ReportScope:
    try:
        return report_scope(request.user)
    except NotFound as unseen:
        raise Http404(str(unseen.message)) from unseen


def _unit(scope: ReportScope, request: AuthenticatedHttpRequest) -> Any:
    try:
        return report_unit(scope, request.GET.get("unit"))
    except NotFound as unseen:
        raise Http404(str(unseen.message)) from unseen


def _shortcuts(today: date) -> list[tuple[str, Period]]:
    return [
        (_("This month"), month_of(today)),
        (_("This quarter"), quarter_of(today)),
        (_("This year"), year_of(today)),
        (_("Last year"), year_of(date(today.year - 1, 6, 1))),
    ]


def _chart_data(report: Any) -> dict[str, Any]:
    """What the charts draw (``static/js/reports.js``), the same numbers as the tables beside them."""
    return {
        "trend": {
            "months": [month.strftime(MONTH_FORMAT) for month, _f in report.by_month],
            "received": [f.received for _m, f in report.by_month],
            "closed": [f.closed for _m, f in report.by_month],
            "labels": {"received": pgettext("report", "Received"), "closed": pgettext("report", "Closed")},
        },
        "units": {
            "names": [row.unit.name for row in report.rows],
            "ids": [row.unit.pk for row in report.rows],
            "received": [row.figures.received for row in report.rows],
            "closed": [row.figures.closed for row in report.rows],
            "on_time": [row.figures.on_time_rate for row in report.rows],
            "labels": {
                "received": pgettext("report", "Received"),
                "closed": pgettext("report", "Closed"),
                "on_time": _("On-time rate %"),
            },
        },
        "categories": [
            {"name": f"{tables.kind_label(kind)} · {tables.category_label(category)}", "value": f.received}
            for kind, category, f in report.by_category
        ],
    }


def _table(headings: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A table of the page: each row's cells paired with their headings (a phone shows them as labels)."""
    return {
        "headings": headings,
        "rows": [{**row, "cells": list(zip(headings, row["cells"], strict=True))} for row in rows],
    }


def _report_context(request: AuthenticatedHttpRequest, scope: ReportScope, unit: Any, period: Period) -> dict:
    report = unit_figures(scope=scope, unit=unit, period=period)
    lists = red_black_list(scope=scope, unit=unit, period=period)
    ancestors = (
        [each for each in Unit.objects.get_ancestors(unit) if scope.root.contains(each)]
        if unit != scope.root
        else []
    )
    headings = tables.figure_headings()
    unit_rows = [
        {
            "cells": [row.unit.name, *tables.figure_cells(row.figures)],
            "link": f"?unit={row.unit.pk}&{period.query()}",
            "light": row.figures.light,
        }
        for row in report.rows
    ]
    if report.own is not None:
        own_name = _("%(unit)s itself") % {"unit": unit.name}
        unit_rows.append({"cells": [own_name, *tables.figure_cells(report.own)], "light": report.own.light})
    unit_rows.append({"cells": [_("Total"), *tables.figure_cells(report.total)], "light": report.total.light})
    return {
        "scope": scope,
        "report": report,
        "lists": lists,
        "period": period,
        "ancestors": ancestors,
        "units_table": _table([pgettext("report", "Unit"), *headings], unit_rows),
        "category_table": _table(
            [_("Kind"), _("Category"), *headings],
            [
                {"cells": [tables.kind_label(kind), tables.category_label(category), *tables.figure_cells(f)]}
                for kind, category, f in report.by_category
            ],
        ),
        "month_table": _table(
            [_("Month"), *headings],
            [
                {"cells": [month.strftime(MONTH_FORMAT), *tables.figure_cells(f)]}
                for month, f in report.by_month
            ],
        ),
        "red_table": _table(
            tables.ranked_headings(),
            [{"cells": tables.ranked_row(rank, each)} for rank, each in enumerate(lists.red, start=1)],
        ),
        "black_table": _table(
            tables.ranked_headings(),
            [{"cells": tables.ranked_row(rank, each)} for rank, each in enumerate(lists.black, start=1)],
        ),
        "charts": _chart_data(report),
        "shortcuts": _shortcuts(period.end if period.end < date.today() else date.today()),
        "pdf_available": pdf_available(),
        "month": period.start.strftime(MONTH_FORMAT),
    }


def _period(request: AuthenticatedHttpRequest) -> Period:
    return period_from(request.GET, default=month_of(date.today()))


@login_required
def unit_report(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    unit = _unit(scope, request)
    try:
        period = _period(request)
    except InvalidInput as error:
        messages.error(request, str(error.message))
        period = month_of(date.today())
        status = 400
    else:
        status = 200
    figures_refresh()
    context = _report_context(request, scope, unit, period)
    if status == 200 and request.GET.get("format") == "xlsx":
        return xlsx_response(
            tables.report_sheets(context["report"], context["lists"]),
            f"report-{unit.pk}-{period.start}-{period.end}.xlsx",
        )
    return render(request, "reports/units.html", context, status=status)


@login_required
def people_report(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    unit = _unit(scope, request)
    role = request.GET.get("role", "")
    status = 200
    try:
        period = _period(request)
        if role and role not in dict(tables.ROLE_CHOICES):
            raise InvalidInput(_("Unknown role: %(role)s.") % {"role": printable(role)}, field="role")
    except InvalidInput as error:
        messages.error(request, str(error.message))
        period, role, status = month_of(date.today()), "", 400
    figures_refresh()
    rows = people_ranking(scope=scope, unit=unit, period=period, role=role)
    if status == 200 and request.GET.get("format") == "xlsx":
        return xlsx_response(
            [tables.people_sheet(rows)], f"people-{unit.pk}-{period.start}-{period.end}.xlsx"
        )
    context = {
        "scope": scope,
        "unit": unit,
        "period": period,
        "role": role,
        "roles": tables.ROLE_CHOICES,
        "people_table": _table(
            tables.person_headings(),
            [{"cells": tables.person_cells(rank, row)} for rank, row in enumerate(rows, start=1)],
        ),
        "shortcuts": _shortcuts(date.today()),
    }
    return render(request, "reports/people.html", context, status=status)


@login_required
def unit_report_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The monthly unit report (``?month=YYYY-MM``, this month by default) as a PDF with selectable text."""
    scope = _scope(request)
    unit = _unit(scope, request)
    text = request.GET.get("month", "")
    try:
        period = month_of(date.fromisoformat(f"{text}-01") if text else date.today())
    except ValueError:
        message = _("%(value)s is not a month: write it as YYYY-MM.") % {"value": printable(text)}
        context = {"title": _("Not a month"), "message": message, "status": 400}
        return render(request, "errors/page.html", context, status=400)
    figures_refresh()
    context = {**_report_context(request, scope, unit, period), "styles": document_styles()}
    pdf = pdf_from_html(render_to_string("reports/units_pdf.html", context, request=request))
    if pdf is None:
        raise Http404(_("PDF documents are not available on this server."))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{unit.pk}-{period.start:%Y-%m}.pdf"'
    return response


def case_list_xlsx(user: Any, filters: dict[str, Any]) -> HttpResponseBase:
    """The case list under its current filters, every page of it, as the list shows it (the list shows no
    party's phone or ID number, so neither does the sheet), streamed row by row."""
    filters = {key: value for key, value in filters.items() if key not in ("after", "size")}
    cases = case_list_for_user(user=user, reach=queue_reach_q(user), **filters).only(
        "reference",
        "kind",
        "state",
        "unit__name",
        "priority",
        "created_at",
        "due_at",
        "yellow_at",
        "paused",
        "closed_at",
    )
    now = timezone.now()
    kinds, states, priorities = dict(CaseKind.choices), dict(CaseState.choices), dict(Priority.choices)
    lights = dict(Light.choices)

    def rows() -> Iterator[list[Any]]:
        for case in cases.iterator(chunk_size=2000):
            sla = deadlines.case_sla(case, now)
            yield [
                case.reference,
                str(kinds.get(case.kind, case.kind)),
                str(states.get(case.state, case.state)),
                case.unit.name,
                str(priorities.get(case.priority, case.priority)),
                timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else "",
                str(lights[sla.light]) if case.due_at else "",
            ]

    headings = [
        _("Reference"),
        _("Kind"),
        _("State"),
        _("Unit"),
        _("Priority"),
        _("Registered at"),
        _("Due"),
        _("Light"),
    ]
    return xlsx_response([(_("Cases"), headings, rows())], f"cases-{timezone.localdate():%Y%m%d}.xlsx")

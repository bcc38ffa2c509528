"""The report tables, column by column: one description for the page, the XLSX and the PDF, so that the three
always show the same figures under the same headings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.models import CaseKind, Category, Role, Specialty
from reports.exports import Sheet
from reports.selectors import Figures, PersonRow, RankedUnit, RedBlackList, UnitReport


def figure_headings() -> list[str]:
    return [
        pgettext("report", "Received"),
        pgettext("report", "Closed"),
        _("Resolution rate %"),
        _("On-time rate %"),
        _("Average satisfaction"),
        _("Satisfaction rate %"),
        _("Return rate %"),
        _("Reopen rate %"),
        _("Extension rate %"),
        _("Supervision orders"),
        _("Duplicates"),
        _("Average working days"),
    ]


def figure_cells(figures: Figures) -> list[Any]:
    return [
        figures.received,
        figures.closed,
        figures.resolution_rate,
        figures.on_time_rate,
        figures.satisfaction,
        figures.satisfaction_rate,
        figures.bounce_rate,
        figures.reopen_rate,
        figures.extension_rate,
        figures.orders,
        figures.duplicates,
        figures.average_days,
    ]


CATEGORY_LABELS = {**dict(Category.choices), **dict(Specialty.choices)}


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


def kind_label(kind: str) -> str:
    return str(dict(CaseKind.choices).get(kind, kind))


def person_headings() -> list[str]:
    return [
        _("Rank"),
        _("Person"),
        pgettext("report", "Unit"),
        _("Steps done"),
        _("Points"),
        _("On-time rate %"),
        _("Average satisfaction"),
    ]


def person_cells(rank: int, row: PersonRow) -> list[Any]:
    return [rank, row.name, row.unit, row.steps, row.points, row.on_time_rate, row.satisfaction]


def ranked_headings() -> list[str]:
    return [
        _("Rank"),
        pgettext("report", "Unit"),
        _("Score"),
        pgettext("report", "Received"),
        _("On-time rate %"),
        _("Satisfaction rate %"),
        _("Return rate %"),
        _("Reopen rate %"),
    ]


def ranked_row(rank: int, each: RankedUnit) -> list[Any]:
    f = each.figures
    return [
        rank,
        each.name,
        each.score,
        f.received,
        f.on_time_rate,
        f.satisfaction_rate,
        f.bounce_rate,
        f.reopen_rate,
    ]


def ranked_cells(lists: RedBlackList) -> Iterator[tuple[str, list[Any]]]:
    for side, units in ((_("Red list"), lists.red), (_("Black list"), lists.black)):
        for rank, each in enumerate(units, start=1):
            yield side, ranked_row(rank, each)


def report_sheets(report: UnitReport, lists: RedBlackList) -> list[Sheet]:
    """Every table of the unit report page, a sheet each."""
    total_row = [_("Total"), *figure_cells(report.total)]
    unit_rows: list[Sequence[Any]] = [[row.unit.name, *figure_cells(row.figures)] for row in report.rows]
    if report.own is not None:
        unit_rows.append([_("%(unit)s itself") % {"unit": report.unit.name}, *figure_cells(report.own)])
    sheets: list[Sheet] = [
        (_("By unit"), [pgettext("report", "Unit"), *figure_headings()], [*unit_rows, total_row]),
        (
            _("By category"),
            [_("Kind"), _("Category"), *figure_headings()],
            [
                [kind_label(kind), category_label(category), *figure_cells(f)]
                for kind, category, f in report.by_category
            ],
        ),
        (
            _("By month"),
            [_("Month"), *figure_headings()],
            [[month.strftime("%Y-%m"), *figure_cells(f)] for month, f in report.by_month],
        ),
    ]
    if lists.red or lists.black:
        sheets.append(
            (
                _("Red and black list"),
                [_("List"), *ranked_headings()],
                [[side, *cells] for side, cells in ranked_cells(lists)],
            )
        )
    return sheets


def people_sheet(rows: Iterable[PersonRow]) -> Sheet:
    return (
        _("People"),
        person_headings(),
        [person_cells(rank, row) for rank, row in enumerate(rows, start=1)],
    )


ROLE_CHOICES = [(role.value, role.label) for role in (Role.MEDIATOR, Role.LIAISON, Role.PROFESSIONAL)]


def no_lists() -> RedBlackList:
    from reports.models import RankingWeights

    return RedBlackList(RankingWeights(), [], [])

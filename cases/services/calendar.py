"""Writes to the work calendar: seeding it from the chinesecalendar package, importing a file of days.

Both write all or nothing. A date has at most one row: a date the calendar already has, or one given twice, is
refused with every problem listed, and nothing is written. Administrators change single rows in the admin.

**Seeding keeps the administrators' work**: it fills only the years that have no row at all. A year with any row
(seeded before, imported or typed in) is left exactly as it is, edits and deletions included; to reseed a year
from the package, delete its rows first. The package is read here only, never when computing a deadline.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.errors import InvalidInput
from cases.models import CalendarDay, DayKind
from cases.reference import reference_changed
from cases.transactions import command
from cases.workdays import calendar_years_with_rows

CSV_COLUMNS = ["date", "kind", "name"]


class CalendarRefused(InvalidInput):
    """A file (or a seed) refused as a whole; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            _("Nothing was imported. Correct these rows and import the file again: %(problems)s")
            % {"problems": " ".join(problems)}
        )


def _line(number: int, problem: str) -> str:
    return _("Line %(line)s: %(problem)s") % {"line": number, "problem": problem}


def _already_there(row: CalendarDay) -> str:
    return _("the work calendar already has a row for %(date)s (%(row)s); change that row instead.") % {
        "date": row.date.isoformat(),
        "row": f"{DayKind(row.kind).label} {row.name}".strip(),
    }


Problem = tuple[int, str]  # line number (0: the whole file), what is wrong


def calendar_rows_from_csv(text: str) -> tuple[list[tuple[int, CalendarDay]], list[Problem]]:
    """Unsaved rows, each with its line number, from a CSV text of ``date,kind,name`` lines (an optional header
    line; blank lines skipped; kind ``holiday`` or ``workday``; name optional), and every problem found.
    Reads no table."""
    rows: list[tuple[int, CalendarDay]] = []
    problems: list[Problem] = []
    first_line: dict[date, int] = {}
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [field.strip() for field in fields]
        if not any(cells):
            continue
        if number == 1 and [cell.lower() for cell in cells] in (CSV_COLUMNS, CSV_COLUMNS[:2]):
            continue
        if len(cells) not in (2, 3):
            problems.append(
                (number, _("expected date,kind,name, not “%(value)s”.") % {"value": ",".join(fields)})
            )
            continue
        text_date, kind, name = cells[0], cells[1].lower(), cells[2] if len(cells) == 3 else ""
        try:
            day = datetime.strptime(text_date, "%Y-%m-%d").date()
        except ValueError:
            problems.append((number, _("“%(value)s” is not a date like 2027-10-01.") % {"value": text_date}))
            continue
        if kind not in DayKind.values:
            problems.append(
                (number, _("the kind is holiday or workday, not “%(value)s”.") % {"value": cells[1]})
            )
            continue
        row = CalendarDay(date=day, kind=kind, name=name)
        try:
            row.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems += [(number, message) for message in error.messages]
            continue
        if day in first_line:
            problems.append(
                (
                    number,
                    _("%(date)s is on line %(line)s already; a date has one row.")
                    % {"date": day.isoformat(), "line": first_line[day]},
                )
            )
            continue
        first_line[day] = number
        rows.append((number, row))
    if not rows and not problems:
        problems.append((0, _("The file has no rows.")))
    return rows, problems


@command
def calendar_import_csv(*, text: str) -> list[CalendarDay]:
    """Adds the file's days, all or none (``CalendarRefused`` with every problem: nothing written)."""
    numbered, problems = calendar_rows_from_csv(text)
    lines = {row.date: number for number, row in numbered}
    existing = CalendarDay.objects.filter(date__in=list(lines)).order_by("date")
    problems += [(lines[row.date], _already_there(row)) for row in existing]
    if problems:
        raise CalendarRefused(
            [
                _line(*problem) if problem[0] else problem[1]
                for problem in sorted(problems, key=lambda problem: problem[0])
            ]
        )
    return _add([row for _number, row in numbered])


def _add(rows: list[CalendarDay]) -> list[CalendarDay]:
    try:
        with transaction.atomic():
            added = CalendarDay.objects.bulk_create(rows, batch_size=500)
            reference_changed()  # bulk_create sends no signal
            return added
    except IntegrityError as error:  # someone added one of these dates meanwhile
        raise CalendarRefused(
            [_("Someone added some of these dates meanwhile; nothing was imported. Import the file again.")]
        ) from error


# ---- seeding from the chinesecalendar package ------------------------------------------------------------


class SeedOutcome(StrEnum):
    ADDED = "added"
    KEPT = "kept"  # the year has rows already: the administrators' (or an earlier seed's), left as they are
    NOT_IN_PACKAGE = "not_in_package"


@dataclass(frozen=True)
class SeededYear:
    year: int
    outcome: SeedOutcome
    added: int = 0


def package_days() -> dict[int, list[CalendarDay]]:
    """The chinesecalendar package's holidays and adjusted working days, by year, as unsaved rows named in
    Chinese (国庆节). Only seeding calls this: the package raises for years it has no data for."""
    from chinese_calendar import constants  # type: ignore[import-untyped]  # (no type information)

    chinese = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    by_year: dict[int, list[CalendarDay]] = {}
    for kind, days in ((DayKind.HOLIDAY, constants.holidays), (DayKind.WORKDAY, constants.workdays)):
        for day, name in days.items():
            by_year.setdefault(day.year, []).append(
                CalendarDay(date=day, kind=kind, name=chinese.get(name, name))
            )
    for rows in by_year.values():
        rows.sort(key=lambda row: row.date)
    return by_year


@command
def calendar_seed(*, years: Iterable[int] | None = None) -> list[SeededYear]:
    """Fills, from the package, each of ``years`` (all the package's by default) that has no row; idempotent."""
    package = package_days()
    wanted = sorted(set(years) if years is not None else package)
    if not wanted:
        return []
    present = calendar_years_with_rows(wanted[0], wanted[-1])
    seeded: list[SeededYear] = []
    new_rows: list[CalendarDay] = []
    for year in wanted:
        if year not in package:
            seeded.append(SeededYear(year, SeedOutcome.NOT_IN_PACKAGE))
        elif year in present:
            seeded.append(SeededYear(year, SeedOutcome.KEPT))
        else:
            seeded.append(SeededYear(year, SeedOutcome.ADDED, added=len(package[year])))
            new_rows += package[year]
    _add(new_rows)
    return seeded

"""``manage.py workcalendar``: compute a due moment, show a year's special days, seed from the package.

workcalendar due --from "2026-09-30 10:00" --days 3    # 2026-10-10T10:00:00+08:00
workcalendar due --from "2026-09-30 16:30" --hours 2   # working hours (settings.WORKING_HOURS)
workcalendar show 2026                                 # the year's holidays and adjusted working days
workcalendar seed [--years 2026 2027]                  # fills the years that have no row (idempotent)
"""

from argparse import ArgumentParser, ArgumentTypeError
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats
from django.utils.translation import gettext as _

from cases.models import DayKind
from cases.services.calendar import SeedOutcome, calendar_seed
from cases.workdays import CALENDAR_ZONE, WorkCalendar, calendar_days_of


def _not_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ArgumentTypeError(
            _("expected a whole number of days, 0 or more, not “%(value)s”") % {"value": text}
        )
    return value


def _not_negative_hours(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ArgumentTypeError(_("expected a number of hours, 0 or more, not “%(value)s”") % {"value": text})
    return value


class Command(BaseCommand):
    # Its own output says what the calendar misses; the checks' warnings would only repeat it.
    requires_system_checks: list[str] = []
    help = "The work calendar: compute a due moment (due), list a year's special days (show), seed it (seed)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{due,show,seed}")

        due = actions.add_parser(
            "due", help="The due moment N working days (or H working hours) from a moment."
        )
        due.add_argument("--from", dest="start", required=True, help='"YYYY-MM-DD HH:MM", Asia/Shanghai.')
        amount = due.add_mutually_exclusive_group(required=True)
        amount.add_argument("--days", type=_not_negative_int, help="Working days.")
        amount.add_argument("--hours", type=_not_negative_hours, help="Working hours (e.g. 1.5).")

        show = actions.add_parser("show", help="The year's holidays and adjusted working days (调休).")
        show.add_argument("year", type=int)

        seed = actions.add_parser(
            "seed", help="Fill the years that have no row from the chinesecalendar package; other years stay."
        )
        seed.add_argument(
            "--years", type=int, nargs="+", help="Only these years (default: all the package has)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "due":
            self.due(start=options["start"], days=options["days"], hours=options["hours"])
        elif action == "show":
            self.show(options["year"])
        else:
            self.seed(options["years"])

    def due(self, *, start: str, days: int | None, hours: Decimal | None) -> None:
        try:
            moment = datetime.fromisoformat(start.strip())
        except ValueError as error:
            raise CommandError(
                _("--from must be a moment like “2026-09-30 10:00”, not “%(value)s”.") % {"value": start}
            ) from error
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CALENDAR_ZONE)
        calendar = WorkCalendar()
        if days is not None:
            due = calendar.add_working_days(moment, days)
        else:
            assert hours is not None  # argparse requires one of them
            due = calendar.add_working_hours(moment, float(hours))
        self.stdout.write(due.isoformat())
        for year in sorted(calendar.fallback_years):
            self.stderr.write(self._fallback(year))

    def show(self, year: int) -> None:
        days = calendar_days_of(year)
        if not days:
            self.stdout.write(self._fallback(year))
            return
        width = max(len(str(kind.label)) for kind in DayKind)
        for day in days:
            weekday = formats.date_format(day.date, "D")
            self.stdout.write(
                f"{day.date.isoformat()} {weekday} {str(DayKind(day.kind).label).ljust(width)} {day.name}".rstrip()
            )
        holidays = sum(1 for day in days if day.kind == DayKind.HOLIDAY)
        self.stdout.write(
            _("%(year)s: %(holidays)s holidays, %(workdays)s adjusted working days (调休).")
            % {"year": year, "holidays": holidays, "workdays": len(days) - holidays}
        )

    def seed(self, years: list[int] | None) -> None:
        for seeded in calendar_seed(years=years):
            if seeded.outcome == SeedOutcome.ADDED:
                line = _("%(year)s: %(count)s days added.") % {"year": seeded.year, "count": seeded.added}
            elif seeded.outcome == SeedOutcome.KEPT:
                line = _("%(year)s: kept as it is (the work calendar has days for it already).") % {
                    "year": seeded.year
                }
            else:
                line = _("%(year)s: the chinesecalendar package has no data for this year.") % {
                    "year": seeded.year
                }
            self.stdout.write(line)

    @staticmethod
    def _fallback(year: int) -> str:
        return _(
            "The work calendar has no days for %(year)s: only weekends count as rest days in it until an "
            "administrator enters its holidays and adjusted working days (调休)."
        ) % {"year": year}

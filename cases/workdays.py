"""Working days and working hours (工作日): how casework counts time. Every deadline rule builds on this module.

**Working days.** N working days from a moment is the same clock time on the Nth working day after that
moment's day: 2026-09-19 10:00 + 1 is 2026-09-20 10:00 (a Sunday worked for National Day), 2026-09-30 10:00 + 3
is 2026-10-10 10:00 (1–7 October are holidays, the 10th a worked Saturday).

**Working hours** (urgent steps): only the periods of ``settings.WORKING_HOURS`` on working days count, 08:30–12:00
and 13:30–17:30 by default. A moment outside them starts counting at the next period; an amount that ends exactly
at a period's end ends there (16:30 + 1 hour is 17:30 the same day, not 08:30 the next).

**Which days are working days.** Monday to Friday, unless the work calendar (``CalendarDay``, kept by the
administrators) says otherwise: a holiday row makes a day a rest day, an adjusted working day row (调休) makes a
Saturday or Sunday a working day. A year with no row at all is not in the calendar yet: meanwhile only its weekends
are rest days, a warning is logged and ``WorkCalendar.fallback_years`` names the year, and ``calendar_gaps`` warns
the administrators ahead of time (their pages, ``manage.py check``). The chinesecalendar package is never read
here: only seeding reads it (``cases/services/calendar.py`` and the seeding migration).

**Time zone.** Working days are days in China: every computation is in Asia/Shanghai (``CALENDAR_ZONE``, which is
also ``settings.TIME_ZONE``), whatever zone is active. Moments must be aware; results are in Asia/Shanghai.

**Reading the table.** A ``WorkCalendar`` reads the special days of whole years, lazily, one query for each run of
years it has not read yet: a computation reads its range in one query. The module's functions use a new one per
call; a batch (a page of cases, a runner's pass) makes one ``WorkCalendar`` and asks it everything. Never keep
one longer than that: administrators edit the table. The years read come from what the process keeps for a
minute (``cases.reference``), so most commands read none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models.calendar import CalendarDay, DayKind
from cases.reference import calendar_years

logger = logging.getLogger(__name__)

CALENDAR_ZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_WORKING_HOURS = (("08:30", "12:00"), ("13:30", "17:30"))
# The administrators hear of a missing year this many days before deadlines reach into it.
COVERAGE_HORIZON_DAYS = 60

ONE_DAY = timedelta(days=1)
SATURDAY = 5
# A walk that meets no working day in ten years means every day in the table is a holiday: stop, do not spin.
MAX_REST_DAYS_IN_A_ROW = 3660

Period = tuple[time, time]


# ---- working hours ---------------------------------------------------------------------------------------


def parse_working_hours(value: Sequence[Sequence[str]]) -> tuple[Period, ...]:
    """The periods of a working day from ``[("08:30", "12:00"), ...]``: "HH:MM" pairs, in order, not overlapping."""
    periods: list[Period] = []
    for item in value:
        if len(item) != 2:
            raise ImproperlyConfigured(f"WORKING_HOURS: {item!r} is not a (start, end) pair.")
        try:
            start, end = (time.fromisoformat(text.strip()) for text in item)
        except (TypeError, ValueError, AttributeError) as error:
            raise ImproperlyConfigured(f"WORKING_HOURS: {item!r} is not a pair of HH:MM times.") from error
        if start >= end:
            raise ImproperlyConfigured(f"WORKING_HOURS: {item!r} ends before it starts.")
        if periods and start < periods[-1][1]:
            raise ImproperlyConfigured(f"WORKING_HOURS: {item!r} starts before the previous period ends.")
        periods.append((start, end))
    if not periods:
        raise ImproperlyConfigured("WORKING_HOURS has no period: a working day needs working hours.")
    return tuple(periods)


def working_periods() -> tuple[Period, ...]:
    """The working day's periods from ``settings.WORKING_HOURS`` (``manage.py check`` validates them)."""
    return parse_working_hours(getattr(settings, "WORKING_HOURS", DEFAULT_WORKING_HOURS))


def _local(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError(f"{moment!r} is naive: pass an aware moment (Asia/Shanghai for local times).")
    return moment.astimezone(CALENDAR_ZONE)


# ---- the calendar ----------------------------------------------------------------------------------------


class WorkCalendar:
    """The work calendar's special days, read from the table by whole years and kept for this object's life."""

    def __init__(self) -> None:
        self._kinds: dict[date, str] = {}
        self._years_read: set[int] = set()
        self._years_with_rows: set[int] = set()
        # Years a computation met that the table has no row for: counted with weekends only.
        self.fallback_years: set[int] = set()

    def read(self, first: date, last: date) -> None:
        """Reads, in one query at most, the years from ``first`` to ``last`` that were not read yet (the years this
        process has kept, ``cases.reference``, need none)."""
        missing = [year for year in range(first.year, last.year + 1) if year not in self._years_read]
        if not missing:
            return
        for year, kinds in calendar_years(range(min(missing), max(missing) + 1)).items():
            self._kinds.update(kinds)
            if kinds:
                self._years_with_rows.add(year)
            self._years_read.add(year)

    def has_year(self, year: int) -> bool:
        """Whether the table has any row for ``year`` (a year without one is counted with weekends only)."""
        self.read(date(year, 1, 1), date(year, 1, 1))
        return year in self._years_with_rows

    def is_working_day(self, day: date) -> bool:
        self.read(day, day)
        kind = self._kinds.get(day)
        if kind is not None:
            return kind == DayKind.WORKDAY
        if day.year not in self._years_with_rows and day.year not in self.fallback_years:
            self.fallback_years.add(day.year)
            _log_fallback(day.year)
        return day.weekday() < SATURDAY

    def working_day_after(self, day: date, n: int) -> date:
        """The ``n``th working day after ``day`` (``day`` itself for 0)."""
        if n < 0:
            raise ValueError("Count working days forwards: n must not be negative.")
        # Usually every year the walk needs, in one query (a holiday week and weekends take < n + 30 days).
        self.read(day, day + timedelta(days=2 * n + 30))
        found, rest_in_a_row = 0, 0
        while found < n:
            day += ONE_DAY
            if self.is_working_day(day):
                found, rest_in_a_row = found + 1, 0
            else:
                rest_in_a_row += 1
                if rest_in_a_row > MAX_REST_DAYS_IN_A_ROW:
                    raise RuntimeError(
                        f"The work calendar has no working day from {day - rest_in_a_row * ONE_DAY}."
                    )
        return day

    def add_working_days(self, moment: datetime, n: int) -> datetime:
        """The same clock time on the ``n``th working day after ``moment``'s day (``moment`` itself for 0)."""
        local = _local(moment)
        return datetime.combine(self.working_day_after(local.date(), n), local.timetz())

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """``moment`` plus ``hours`` of working time (fractions allowed: 1.5 is an hour and a half)."""
        return self.add_working_time(moment, timedelta(hours=hours))

    def add_working_time(self, moment: datetime, duration: timedelta) -> datetime:
        """``moment`` plus ``duration`` of working time, counted only within the working periods of working days."""
        if duration < timedelta(0):
            raise ValueError("Count working time forwards: the duration must not be negative.")
        local = _local(moment)
        remaining = duration
        if not remaining:
            return local
        periods = working_periods()
        per_day = sum((_length(period) for period in periods), timedelta(0))
        day = local.date()
        self.read(day, day + timedelta(days=2 * (remaining // per_day) + 30))
        rest_in_a_row = 0
        while True:
            if self.is_working_day(day):
                rest_in_a_row = 0
                for start, end in _periods_on(day, periods):
                    start = max(start, local)
                    if end <= start:
                        continue
                    if remaining <= end - start:
                        return start + remaining
                    remaining -= end - start
            else:
                rest_in_a_row += 1
                if rest_in_a_row > MAX_REST_DAYS_IN_A_ROW:
                    raise RuntimeError(
                        f"The work calendar has no working day from {day - rest_in_a_row * ONE_DAY}."
                    )
            day += ONE_DAY

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from ``start`` to ``end``: the inverse of ``add_working_time`` (zero if ``end`` is not
        after ``start``). From a working day's moment to the same clock time ``n`` working days later it is ``n``
        full working days."""
        start, end = _local(start), _local(end)
        if end <= start:
            return timedelta(0)
        periods = working_periods()
        self.read(start.date(), end.date())
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for period_start, period_end in _periods_on(day, periods):
                    overlap = min(period_end, end) - max(period_start, start)
                    if overlap > timedelta(0):
                        total += overlap
            day += ONE_DAY
        return total

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days come after ``first`` up to and including ``last`` (0 if ``last`` is not after
        ``first``): ``add_working_days(m, n)`` lands on a day ``d`` with ``working_days_between(m's day, d) == n``."""
        if last <= first:
            return 0
        self.read(first, last)
        return sum(
            1 for offset in range(1, (last - first).days + 1) if self.is_working_day(first + offset * ONE_DAY)
        )

    def share_used(self, *, start: datetime, due: datetime, now: datetime) -> float:
        """How much of the working time from ``start`` to ``due`` has gone by at ``now``: 0 at the start, 1 at the
        due moment, above 1 after it (the yellow light is 0.75). Working time counts, as ``working_time_between``
        does; when ``start`` to ``due`` holds none (both in one night), wall-clock time stands in."""
        allowed = self.working_time_between(start, due)
        if allowed > timedelta(0):
            return self.working_time_between(start, now) / allowed
        if due > start:
            return max(0.0, (now - start) / (due - start))
        return 1.0 if now >= due else 0.0


# Each server process logs a missing year once, not once per computation.
_fallbacks_logged: set[int] = set()


def _log_fallback(year: int) -> None:
    if year not in _fallbacks_logged:
        _fallbacks_logged.add(year)
        logger.warning(
            "The work calendar has no rows for %s: only weekends count as rest days in it until an administrator "
            "enters its holidays and adjusted working days.",
            year,
        )


def _periods_on(day: date, periods: Sequence[Period]) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.combine(day, start, tzinfo=CALENDAR_ZONE), datetime.combine(day, end, tzinfo=CALENDAR_ZONE))
        for start, end in periods
    ]


def _length(period: Period) -> timedelta:
    start, end = period
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


# ---- one computation, one query --------------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    return WorkCalendar().is_working_day(day)


def add_working_days(moment: datetime, n: int) -> datetime:
    return WorkCalendar().add_working_days(moment, n)


def add_working_hours(moment: datetime, hours: float) -> datetime:
    return WorkCalendar().add_working_hours(moment, hours)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    return WorkCalendar().working_time_between(start, end)


def working_days_between(first: date, last: date) -> int:
    return WorkCalendar().working_days_between(first, last)


def share_used(*, start: datetime, due: datetime, now: datetime) -> float:
    return WorkCalendar().share_used(start=start, due=due, now=now)


# ---- what the table holds, and what it misses ------------------------------------------------------------


def calendar_today() -> date:
    return timezone.localdate(timezone=CALENDAR_ZONE)


def calendar_years_with_rows(first_year: int, last_year: int) -> set[int]:
    """The years from ``first_year`` to ``last_year`` that have at least one row (one query)."""
    rows = CalendarDay.objects.filter(date__gte=date(first_year, 1, 1), date__lte=date(last_year, 12, 31))
    return {day.year for day in rows.dates("date", "year")}


def calendar_days_of(year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))


@dataclass(frozen=True)
class CalendarGap:
    """A year the work calendar has no row for, though deadlines need it soon (``soon``: the coming
    ``COVERAGE_HORIZON_DAYS`` days reach into it) or next year does."""

    year: int
    soon: bool

    @property
    def message(self) -> str:
        """In the active language."""
        if self.soon:
            return _(
                "The work calendar has no days for %(year)s, and deadlines within the coming %(days)s days reach "
                "into it: until an administrator enters that year's holidays and adjusted working days (调休), "
                "only weekends count as rest days there."
            ) % {"year": self.year, "days": COVERAGE_HORIZON_DAYS}
        return _(
            "The work calendar has no days for next year (%(year)s) yet: enter its holidays and adjusted working "
            "days (调休) once they are published."
        ) % {"year": self.year}


def calendar_gaps(*, today: date | None = None) -> list[CalendarGap]:
    """The years that the coming ``COVERAGE_HORIZON_DAYS`` days reach, or next year, when they have no row (one
    query): what the administrators are warned of."""
    today = today or calendar_today()
    horizon = today + timedelta(days=COVERAGE_HORIZON_DAYS)
    next_year = today.year + 1
    present = calendar_years_with_rows(today.year, max(horizon.year, next_year))
    gaps = [
        CalendarGap(year, soon=True) for year in range(today.year, horizon.year + 1) if year not in present
    ]
    if next_year > horizon.year and next_year not in present:
        gaps.append(CalendarGap(next_year, soon=False))
    return gaps

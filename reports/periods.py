"""The period of a report: a month, a quarter, a year or a custom range of days, both ends included.

Refusals (400, in the user's language): a missing end (an unbounded range), a date that is not YYYY-MM-DD, an
end before the start, a period longer than five years."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from cases.errors import InvalidInput
from cases.workdays import calendar_today

LONGEST_YEARS = 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def months(self) -> list[date]:
        """The first day of each month the period touches."""
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            if first.year == date.max.year and first.month == 12:
                break
            first = (first + timedelta(days=32)).replace(day=1)
        return months

    def query(self) -> str:
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


def month_of(day: date) -> Period:
    if day.year == date.max.year and day.month == 12:
        return Period(day.replace(day=1), date.max)
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return Period(day.replace(day=1), following - timedelta(days=1))


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    return Period(start, month_of(date(day.year, first_month + 2, 1)).end)


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


def printable(value: str) -> str:
    """What a refusal may echo of a value: its first characters, without control characters (a NUL byte)."""
    return "".join(character for character in value[:20] if character.isprintable())


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            _("%(value)s is not a date: write it as YYYY-MM-DD.") % {"value": printable(value)}, field=field
        ) from None


def _years_after(day: date, years: int) -> date:
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def period_from(params: dict, *, default: Period | None = None) -> Period:
    """The period named by ``from`` and ``to`` (``YYYY-MM-DD``), or by ``period`` (``month``, ``quarter``,
    ``year``) with ``at`` (a day in it, today by default); ``default`` when none is given."""
    start, end, named = params.get("from", ""), params.get("to", ""), params.get("period", "")
    if named:
        at = _day(params["at"], "at") if params.get("at") else calendar_today()
        makers = {"month": month_of, "quarter": quarter_of, "year": year_of}
        if named not in makers:
            raise InvalidInput(_("The period is a month, a quarter or a year."), field="period")
        return makers[named](at)
    if not start and not end:
        if default is not None:
            return default
        raise InvalidInput(_("Give the period: both from and to (YYYY-MM-DD)."), field="from")
    if not start or not end:
        raise InvalidInput(
            _("The period needs both ends: from and to (YYYY-MM-DD)."), field="to" if start else "from"
        )
    period = Period(_day(start, "from"), _day(end, "to"))
    if period.end < period.start:
        raise InvalidInput(_("The period ends before it starts."), field="to")
    if period.end >= _years_after(period.start, LONGEST_YEARS):
        raise InvalidInput(_("A report covers at most five years."), field="to")
    return period

"""Every read of the reports, with its access rule. Public: ``honours`` and other apps above may import these.

Who sees what (the rules are ``cases.rules``'; nothing is decided here that they do not say):
- an administrator: the whole tree (``rules.board_root`` is the root);
- a supervisor: their unit's subtree (``rules.board_root`` is their unit), row by row, and drills down in it;
- anyone else with a unit (a mediator, a liaison officer, a professional): their unit's totals and their own
  row in the people's ranking, nothing below or beside.
A unit outside what the caller sees, or one that does not exist, is a 404 (``NotFound``), never its figures.

Every figure is read from the counters (``reports.models``): a fixed number of queries per report, whatever
the number of cases. Rates are percentages with one decimal, ``None`` when nothing was counted to divide by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils.translation import gettext as _

from cases import rules
from cases.errors import NotFound
from cases.models import Unit, User
from reports.figures import UnitCounts
from reports.models import PersonDay, RankingWeights, UnitDay
from reports.periods import Period

# The counters kept per unit and day (``reports.figures.UnitCounts``, the columns of ``UnitDay``).
COUNTERS = tuple(each.name for each in fields(UnitCounts))
ID_DIGITS = 18  # an id of ours fits a 64-bit key (``cases.converters``)
RANKED_PEOPLE = 200  # rows of the people's ranking at most
LIST_LENGTH = 5  # units on each side of the 红黑榜
# The on-time lights of the units: green from 90 %, yellow from 75 %, red below.
GREEN_FROM, YELLOW_FROM = 90.0, 75.0


# ---- scope ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """What a person's reports cover: ``root``'s subtree; ``drills`` whether they see the rows below it;
    ``people`` the people whose rows they see (a ``User`` filter)."""

    root: Unit
    drills: bool
    people: Q


def report_scope(user: User) -> ReportScope:
    """The reach of a person's reports (``rules.board_root``: administrators and supervisors; otherwise their
    own unit's totals and their own row). 404 for someone with neither a board nor a unit."""
    board = rules.board_root(user)
    if board is not None:
        return ReportScope(root=board, drills=True, people=Q(unit__path__startswith=board.path))
    if user.is_authenticated and user.is_active and user.unit is not None:
        return ReportScope(root=user.unit, drills=False, people=Q(pk=user.pk))
    raise NotFound(_("You have no reports: they follow a unit."))


def report_unit(scope: ReportScope, unit_id: int | str | None) -> Unit:
    """The unit a report is asked for (the scope's root when none): in the scope, or 404 (``NotFound``) with the
    same answer whether it exists elsewhere or not at all."""
    if unit_id in (None, ""):
        return scope.root
    text = str(unit_id)
    # ASCII digits only, as the path converters take ids (``int("١")`` would read 1).
    if not (text.isascii() and text.isdigit() and len(text) <= ID_DIGITS):
        raise NotFound(_("No such unit in your reports."))
    pk = int(text)
    if pk == scope.root.pk:
        return scope.root
    unit = Unit.objects.filter(pk=pk).first() if scope.drills else None
    if unit is None or not scope.root.contains(unit):
        raise NotFound(_("No such unit in your reports."))
    return unit


# ---- figures -------------------------------------------------------------------------------------------------


def _rate(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class Figures(UnitCounts):
    """The figures of one row (a unit's subtree, a kind and category, a month): the kept counters and the rates
    derived from them."""

    @classmethod
    def of(cls, row: dict) -> Figures:
        return cls(**{name: row.get(name) or 0 for name in COUNTERS})

    @property
    def resolution_rate(self) -> float | None:
        """办结率: closed of received."""
        return _rate(self.closed, self.received)

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: closed by the case's due moment, of closed."""
        return _rate(self.closed_on_time, self.closed)

    @property
    def satisfaction(self) -> float | None:
        """Average rating (1–5) of the closed cases rated."""
        return round(self.rating_sum / self.rated, 2) if self.rated else None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: rated 4 or 5, of rated."""
        return _rate(self.satisfied, self.rated)

    @property
    def bounce_rate(self) -> float | None:
        """回退率: received cases returned at least once, of received."""
        return _rate(self.returned, self.received)

    @property
    def reopen_rate(self) -> float | None:
        """重办率: closed cases reopened after a dissatisfied follow-up, of closed."""
        return _rate(self.reopened, self.closed)

    @property
    def extension_rate(self) -> float | None:
        """延期率: received cases with an approved extension, of received."""
        return _rate(self.extended, self.received)

    @property
    def average_days(self) -> float | None:
        """Average handling time of the closed cases, in working days."""
        return round(self.handling_days / self.closed, 1) if self.closed else None

    @property
    def light(self) -> str:
        rate = self.on_time_rate
        if rate is None:
            return ""
        return "green" if rate >= GREEN_FROM else "yellow" if rate >= YELLOW_FROM else "red"


@dataclass
class UnitRow:
    unit: Unit
    figures: Figures
    has_children: bool = False


@dataclass
class UnitReport:
    unit: Unit
    period: Period
    total: Figures
    rows: list[UnitRow]  # the units right below (each its subtree); empty for someone who does not drill
    own: Figures | None  # the unit's own cases, when it has units below
    by_category: list[tuple[str, str, Figures]] = field(default_factory=list)  # kind, category, figures
    by_month: list[tuple[date, Figures]] = field(default_factory=list)


def _counters(rows: QuerySet) -> QuerySet:
    return rows.annotate(**{name: Sum(name) for name in COUNTERS})


def _in_period(unit: Unit, period: Period) -> QuerySet[UnitDay]:
    return UnitDay.objects.filter(path__startswith=unit.path, day__gte=period.start, day__lte=period.end)


def unit_figures(*, scope: ReportScope, unit: Unit, period: Period) -> UnitReport:
    """The report of ``unit`` (its subtree) over ``period``: totals, a row per unit right below it, by kind and
    category, by month. Five queries (two for someone who does not drill)."""
    counters = _in_period(unit, period)
    rows: list[UnitRow] = []
    own: Figures | None = None
    if scope.drills:
        prefix_length = len(unit.path) + Unit.steplen
        by_prefix = {
            row["prefix"]: Figures.of(row)
            for row in _counters(counters.annotate(prefix=Substr("path", 1, prefix_length)).values("prefix"))
        }
        children = list(
            Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
        )
        grandchildren = (
            set(
                Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 2)
                .annotate(parent=Substr("path", 1, prefix_length))
                .values_list("parent", flat=True)
            )
            if children
            else set()
        )
        rows = [
            UnitRow(child, by_prefix.get(child.path, Figures()), child.path in grandchildren)
            for child in children
        ]
        own = by_prefix.get(unit.path) if children else None
        total = Figures()
        for figures in by_prefix.values():
            total.add(figures)
    else:
        total = Figures.of(counters.aggregate(**{name: Sum(name) for name in COUNTERS}))
    by_category = [
        (row["kind"], row["category"], Figures.of(row))
        for row in _counters(counters.values("kind", "category")).order_by("kind", "category")
    ]
    by_month = [
        (row["month"], Figures.of(row))
        for row in _counters(counters.annotate(month=TruncMonth("day")).values("month")).order_by("month")
    ]
    return UnitReport(unit, period, total, rows, own, by_category, _every_month(period, by_month))


def _every_month(period: Period, rows: Iterable[tuple[date, Figures]]) -> list[tuple[date, Figures]]:
    found = {(month.date() if hasattr(month, "date") else month).replace(day=1): f for month, f in rows}
    return [(month, found.get(month, Figures())) for month in period.months]


# ---- people -------------------------------------------------------------------------------------------------


@dataclass
class PersonRow:
    person_id: int
    name: str
    unit: str
    steps: int
    steps_on_time: int
    points: int
    rated: int
    rating_sum: int

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.steps_on_time, self.steps)

    @property
    def satisfaction(self) -> float | None:
        return round(self.rating_sum / self.rated, 2) if self.rated else None


def people_ranking(*, scope: ReportScope, unit: Unit, period: Period, role: str = "") -> list[PersonRow]:
    """The people of ``unit``'s subtree (of the scope's people) by points, then steps done: at most
    ``RANKED_PEOPLE`` rows, one query. ``role``: only people of that role (a ``Role`` value)."""
    people = User.objects.filter(scope.people, unit__path__startswith=unit.path)
    if role:
        people = people.filter(groups__name=role)
    rows = (
        PersonDay.objects.filter(day__gte=period.start, day__lte=period.end, person__in=people.values("pk"))
        .values("person_id", "person__display_name", "person__username", "person__unit__name")
        .annotate(
            steps_sum=Sum("steps"),
            on_time_sum=Sum("steps_on_time"),
            points_sum=Sum("points"),
            rated_sum=Sum("rated"),
            rating_total=Sum("rating_sum"),
        )
        .order_by("-points_sum", "-steps_sum", "person_id")[:RANKED_PEOPLE]
    )
    return [
        PersonRow(
            person_id=row["person_id"],
            name=row["person__display_name"] or row["person__username"],
            unit=row["person__unit__name"] or "",
            steps=row["steps_sum"] or 0,
            steps_on_time=row["on_time_sum"] or 0,
            points=row["points_sum"] or 0,
            rated=row["rated_sum"] or 0,
            rating_sum=row["rating_total"] or 0,
        )
        for row in rows
    ]


# ---- 红黑榜 -------------------------------------------------------------------------------------------------


@dataclass
class RankedUnit:
    unit_id: int
    name: str
    path: str
    figures: Figures
    score: float


@dataclass
class RedBlackList:
    weights: RankingWeights
    red: list[RankedUnit]  # 红榜: the best, best first
    black: list[RankedUnit]  # 黑榜: the worst, worst first


def unit_score(figures: Figures, weights: RankingWeights) -> float:
    """The 红黑榜 formula (``RankingWeights``); a rate nothing was counted for counts as 0."""
    return round(
        weights.on_time * (figures.on_time_rate or 0) / 100
        + weights.satisfaction * (figures.satisfaction_rate or 0) / 100
        - weights.bounce * (figures.bounce_rate or 0) / 100
        - weights.reopen * (figures.reopen_rate or 0) / 100,
        2,
    )


def red_black_list(*, scope: ReportScope, unit: Unit, period: Period) -> RedBlackList:
    """The units of ``unit``'s subtree that handle cases (each with its own cases), best and worst five by
    ``unit_score``; a unit is on one list at most (with fewer than ten, the better half is red). Two queries. Empty for someone who does not drill."""
    weights = RankingWeights.current()
    if not scope.drills:
        return RedBlackList(weights, [], [])
    rows = _counters(_in_period(unit, period).values("unit_id", "unit__name", "path"))
    ranked = [
        RankedUnit(row["unit_id"], row["unit__name"], row["path"], figures, unit_score(figures, weights))
        for row in rows
        if (figures := Figures.of(row)).received >= max(weights.minimum_cases, 1)
    ]
    ranked.sort(key=lambda each: (-each.score, each.path))
    # Fewer than ten units: the better half is red, the rest black (so that each list has someone to name).
    red = ranked[: min(LIST_LENGTH, (len(ranked) + 1) // 2)]
    black = list(reversed(ranked[len(red) :]))[:LIST_LENGTH]
    return RedBlackList(weights, red, black)


def visible_people(scope: ReportScope) -> QuerySet[User]:
    return User.objects.filter(scope.people)


__all__ = [
    "Figures",
    "PersonRow",
    "RedBlackList",
    "ReportScope",
    "UnitReport",
    "people_ranking",
    "red_black_list",
    "report_scope",
    "report_unit",
    "unit_figures",
    "unit_score",
]

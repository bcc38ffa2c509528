"""The figures from the data that bear on a unit's year: the progress of its 六个一 tasks and the evidence rows
of its 五强 / 六好 sheet. Kept simple: a handful of aggregate queries per unit and year.

A unit's cases of a year are the cases closed that year at the unit or below it, and those a member of the unit
earned points on (a service team's professionals work cases of other units).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import Assessment, Case, CaseState, User
from cases.models.org import Unit
from honours.models import (
    LOGGED_TASKS,
    Activity,
    AnnualTarget,
    AnnualTask,
    Criterion,
    Nomination,
    NominationState,
)

SATISFIED = 4  # 满意 and 基本满意 on the 1–5 scale (``cases.scoring``)

FIGURE_LABELS: dict[str, Promise] = {
    "cases_closed": _("Cases closed"),
    "satisfaction": _("Average satisfaction (1-5)"),
    "satisfied_rate": _("Satisfied share (%)"),
    "proxy_services": _("Proxy services done"),
    "visits": _("Park visits logged"),
    "knowledge_sessions": _("Knowledge sessions logged"),
    "brands": _("Service brand activities logged"),
    "activities": _("Activities logged"),
    "people_reached": _("People reached"),
    "pioneers": _("Pioneers and commendations approved"),
    "members": _("Active members"),
    "tasks_met": _("六个一 targets met"),
}

# The figures each criterion's row shows as evidence.
CRITERION_FIGURES: dict[str, tuple[str, ...]] = {
    Criterion.POLITICAL: ("knowledge_sessions", "activities"),
    Criterion.DEVELOPMENT: ("cases_closed", "proxy_services"),
    Criterion.COHESION: ("activities", "people_reached", "members"),
    Criterion.EXAMPLE: ("pioneers", "tasks_met"),
    Criterion.INFLUENCE: ("satisfaction", "satisfied_rate", "people_reached"),
    Criterion.PARTY: ("knowledge_sessions", "activities"),
    Criterion.RULES: ("cases_closed", "tasks_met"),
    Criterion.VENUE: ("visits", "brands"),
    Criterion.ACTIVITIES: ("activities", "people_reached"),
    Criterion.TEAM: ("pioneers", "members"),
    Criterion.SUPPORT: ("satisfaction", "satisfied_rate"),
}

# What counts toward each 六个一 task.
TASK_FIGURE = {
    AnnualTask.VISIT: "visits",
    AnnualTask.PROBLEMS: "cases_closed",
    AnnualTask.PROXY: "proxy_services",
    AnnualTask.KNOWLEDGE: "knowledge_sessions",
    AnnualTask.PIONEERS: "pioneers",
    AnnualTask.BRANDS: "brands",
}


def year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, zone),
        datetime.combine(date(year + 1, 1, 1), time.min, zone),
    )


def unit_cases(unit: Unit, year: int) -> QuerySet[Case]:
    start, end = year_bounds(year)
    worked = Q(unit__path__startswith=unit.path) | Q(assessment__awards__person__unit=unit)
    return Case.objects.filter(worked, state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def unit_figures(unit: Unit, year: int) -> dict[str, int | Decimal | None]:
    """Every figure of ``FIGURE_LABELS`` for the unit and year (None where there is nothing to average)."""
    cases = unit_cases(unit, year).values("pk").distinct()
    ratings = Assessment.objects.filter(case__in=cases).aggregate(
        average=Avg("satisfaction"),
        rated=Count("pk"),
        satisfied=Count("pk", filter=Q(satisfaction__gte=SATISFIED)),
    )
    closed = cases.count()
    proxy = Case.objects.filter(pk__in=cases, help_request__proxy_service_done=True).count()
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    activities = Activity.objects.filter(unit=unit, held_on__gte=start, held_on__lt=end).aggregate(
        total=Count("pk"),
        people=Sum("people_reached"),
        visits=Count("pk", filter=Q(task=AnnualTask.VISIT)),
        knowledge=Count("pk", filter=Q(task=AnnualTask.KNOWLEDGE)),
        brands=Count("pk", filter=Q(task=AnnualTask.BRANDS)),
    )
    pioneers = Nomination.objects.filter(
        unit__path__startswith=unit.path, year=year, state=NominationState.APPROVED
    ).count()
    average = ratings["average"]
    figures: dict[str, int | Decimal | None] = {
        "cases_closed": closed,
        "satisfaction": None
        if average is None
        else Decimal(average).quantize(Decimal("0.01"), ROUND_HALF_UP),
        "satisfied_rate": _percent(ratings["satisfied"], ratings["rated"]),
        "proxy_services": proxy,
        "visits": activities["visits"],
        "knowledge_sessions": activities["knowledge"],
        "brands": activities["brands"],
        "activities": activities["total"],
        "people_reached": activities["people"] or 0,
        "pioneers": pioneers,
        "members": User.objects.filter(unit=unit, is_active=True).count(),
    }
    targets = dict(AnnualTarget.objects.filter(unit=unit, year=year).values_list("task", "target"))
    figures["tasks_met"] = sum(
        1 for task, target in targets.items() if (figures[TASK_FIGURE[AnnualTask(task)]] or 0) >= target
    )
    return figures


@dataclass(frozen=True)
class TaskProgress:
    task: AnnualTask
    target: int | None
    done: int
    logged: bool  # counted from the activity log (else from the cases and nominations)

    @property
    def met(self) -> bool:
        return self.target is not None and self.done >= self.target

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return min(100, round(100 * self.done / self.target))


def task_progress(unit: Unit, year: int, figures: dict | None = None) -> list[TaskProgress]:
    """The six tasks in their order, each with its target (None when not set) and what is done."""
    figures = figures if figures is not None else unit_figures(unit, year)
    targets = dict(AnnualTarget.objects.filter(unit=unit, year=year).values_list("task", "target"))
    return [
        TaskProgress(
            task=task,
            target=targets.get(task),
            done=int(figures[TASK_FIGURE[task]] or 0),
            logged=task in LOGGED_TASKS,
        )
        for task in AnnualTask
    ]


def evidence_for(criterion: str, figures: dict) -> list[tuple[str, str]]:
    """The criterion's evidence as (label, value) pairs, values as text ("—" where there is none)."""
    return [
        (str(FIGURE_LABELS[name]), "—" if figures[name] is None else str(figures[name]))
        for name in CRITERION_FIGURES[criterion]
    ]

"""Keeping the read model of the reports (``reports.models``) up to date with the engine, incrementally.

``figures_refresh`` reads the audit rows written since its last pass (by id, and by transaction horizon on
PostgreSQL so that a row committed after a larger id is not missed: ``notifications.horizon``), recomputes the
figures of every case they touch from the engine's own tables, and adds the difference between the new and the
stored figures to the counters. Recomputing is idempotent: a case read twice changes nothing the second time.
A pass costs a fixed number of queries per batch of cases, whatever the size of the tables; with nothing new it
is two queries. Reports call it before they read (``reports.selectors`` do not write); ``manage.py
reports_refresh`` catches up after a bulk load.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from cases.models import (
    Assessment,
    AuditAction,
    AuditEntry,
    Case,
    CaseKind,
    CaseReturn,
    CaseState,
    Clock,
    ExtensionRequest,
    ExtensionState,
    PointAward,
    SatisfactionLink,
    SupervisionOrder,
    Unit,
)
from cases.transactions import command
from cases.workdays import CALENDAR_ZONE, WorkCalendar, working_periods
from notifications.horizon import replay_horizon, unseen_first
from reports.models import (
    SATISFIED_FROM,
    CaseFigures,
    FiguresCursor,
    PersonCaseFigures,
    PersonDay,
    UnitDay,
)

AUDIT_BATCH = 20_000  # audit rows read per round
CASE_BATCH = 2_000  # cases recomputed per round of queries
CURSOR_ID = 1  # the one cursor row (made by the migration)
ROUNDS = 50  # per call: a request never catches up with a million rows by itself (the command does)

# The category of a help request: the first specialty it asked for (a dispute has a category of its own).
NO_CATEGORY = "other"


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, CALENDAR_ZONE).date()


def workday_length() -> timedelta:
    return sum(
        (
            datetime.combine(date.min, end) - datetime.combine(date.min, start)
            for start, end in working_periods()
        ),
        timedelta(),
    )


# ---- what a case counts for --------------------------------------------------------------------------------


@dataclass
class UnitCounts:
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    rating_sum: int = 0
    satisfied: int = 0
    returned: int = 0
    reopened: int = 0
    extended: int = 0
    orders: int = 0
    duplicates: int = 0
    handling_days: float = 0.0

    def add(self, other: UnitCounts, sign: int = 1) -> None:
        for each in fields(self):
            setattr(self, each.name, getattr(self, each.name) + sign * getattr(other, each.name))

    def is_zero(self) -> bool:
        return all(abs(getattr(self, each.name)) < 1e-9 for each in fields(self))


@dataclass
class PersonCounts:
    steps: int = 0
    steps_on_time: int = 0
    points: int = 0
    rated: int = 0
    rating_sum: int = 0

    def add(self, other: PersonCounts, sign: int = 1) -> None:
        for each in fields(self):
            setattr(self, each.name, getattr(self, each.name) + sign * getattr(other, each.name))

    def is_zero(self) -> bool:
        return all(getattr(self, each.name) == 0 for each in fields(self))


UnitKey = tuple[int, date, str, str]  # unit id, day, kind, category


def case_counts(figures: CaseFigures) -> dict[UnitKey, UnitCounts]:
    """The counters one case adds, by the day each is attributed to (``reports.models``)."""
    base = (figures.unit_id, figures.received_on, figures.kind, figures.category)
    counts = {
        base: UnitCounts(
            received=1,
            returned=int(figures.returned),
            extended=int(figures.extended),
            orders=figures.orders,
            duplicates=int(figures.duplicate),
        )
    }
    if figures.closed_on is not None:
        closing = UnitCounts(
            closed=1,
            closed_on_time=int(figures.on_time),
            rated=int(figures.rating is not None),
            rating_sum=figures.rating or 0,
            satisfied=int((figures.rating or 0) >= SATISFIED_FROM),
            reopened=int(figures.reopened),
            handling_days=figures.handling_days or 0.0,
        )
        key = (figures.unit_id, figures.closed_on, figures.kind, figures.category)
        counts.setdefault(key, UnitCounts()).add(closing)
    return counts


def person_counts(figures: PersonCaseFigures) -> PersonCounts:
    return PersonCounts(
        steps=figures.steps,
        steps_on_time=figures.steps_on_time,
        points=figures.points,
        rated=int(figures.rating is not None),
        rating_sum=figures.rating or 0,
    )


def _ids_with(rows: Iterable[int]) -> set[int]:
    return set(rows)


def compute_figures(
    case_ids: list[int], calendar: WorkCalendar
) -> tuple[list[CaseFigures], list[PersonCaseFigures]]:
    """The figures of these cases from the engine's tables: eleven queries, whatever their number."""
    cases = list(
        Case.objects.filter(pk__in=case_ids).values(
            "pk",
            "unit_id",
            "kind",
            "state",
            "created_at",
            "closed_at",
            "duplicate_of_id",
            "dispute__category",
            "help_request__specialties",
        )
    )
    clocks = {
        row["case_id"]: row
        for row in Clock.objects.filter(case_id__in=case_ids, task_id=None).values(
            "case_id", "due_at", "stopped_at"
        )
    }
    returned = _ids_with(CaseReturn.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True))
    extended = _ids_with(
        ExtensionRequest.objects.filter(case_id__in=case_ids, state=ExtensionState.APPROVED).values_list(
            "case_id", flat=True
        )
    )
    orders = dict(
        SupervisionOrder.objects.filter(case_id__in=case_ids, escalated_from=None)
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    reopened = _ids_with(
        AuditEntry.objects.filter(
            case_id__in=case_ids, action=AuditAction.TRANSITION, name="reopen"
        ).values_list("case_id", flat=True)
    )
    assessed = dict(Assessment.objects.filter(case_id__in=case_ids).values_list("case_id", "satisfaction"))
    party_ratings = dict(
        SatisfactionLink.objects.filter(case_id__in=case_ids, rating__isnull=False)
        .order_by("case_id", "used_at")
        .values_list("case_id", "rating")
    )
    steps = AuditEntry.objects.filter(case_id__in=case_ids, action=AuditAction.TASK_DONE, actor__isnull=False)
    step_rows = list(steps.values_list("case_id", "actor_id", "on_time", "created_at"))
    points = list(
        PointAward.objects.filter(assessment__case_id__in=case_ids).values_list(
            "assessment__case_id", "person_id", "points", "created_at"
        )
    )
    day_length = workday_length()

    case_figures = []
    for row in cases:
        case_id = row["pk"]
        if row["kind"] == CaseKind.DISPUTE:
            category = row["dispute__category"] or NO_CATEGORY
        else:
            category = (row["help_request__specialties"] or [NO_CATEGORY])[0]
        closed = row["state"] == CaseState.CLOSED and row["closed_at"] is not None
        clock = clocks.get(case_id)
        on_time = closed and (
            clock is None
            or clock["due_at"] is None
            or (clock["stopped_at"] or row["closed_at"]) <= clock["due_at"]
        )
        handling = None
        if closed:
            handling = round(
                calendar.working_time_between(row["created_at"], row["closed_at"]) / day_length, 3
            )
        case_figures.append(
            CaseFigures(
                case_id=case_id,
                unit_id=row["unit_id"],
                kind=row["kind"],
                category=category,
                received_on=local_day(row["created_at"]),
                closed_on=local_day(row["closed_at"]) if closed else None,
                on_time=on_time,
                rating=assessed.get(case_id, party_ratings.get(case_id)) if closed else None,
                returned=case_id in returned,
                reopened=case_id in reopened,
                extended=case_id in extended,
                orders=orders.get(case_id, 0),
                duplicate=row["duplicate_of_id"]
                is not None,  # 重复件: registered as a repeat of an earlier case
                handling_days=handling,
            )
        )

    people: dict[tuple[int, int], PersonCaseFigures] = {}
    for case_id, person_id, on_time_step, done_at in step_rows:
        person = people.setdefault(
            (case_id, person_id),
            PersonCaseFigures(case_id=case_id, person_id=person_id, day=local_day(done_at)),
        )
        person.steps += 1
        person.steps_on_time += int(bool(on_time_step))
        person.day = max(person.day, local_day(done_at))
    for case_id, person_id, awarded, awarded_at in points:
        person = people.setdefault(
            (case_id, person_id),
            PersonCaseFigures(case_id=case_id, person_id=person_id, day=local_day(awarded_at)),
        )
        person.points += awarded
        person.rating = assessed.get(case_id)
    return case_figures, list(people.values())


# ---- applying the difference ------------------------------------------------------------------------------


def _apply_unit_deltas(deltas: dict[UnitKey, UnitCounts]) -> None:
    deltas = {key: counts for key, counts in deltas.items() if not counts.is_zero()}
    if not deltas:
        return
    unit_ids = {key[0] for key in deltas}
    days = {key[1] for key in deltas}
    existing = {
        (row.unit_id, row.day, row.kind, row.category): row
        for row in UnitDay.objects.filter(unit_id__in=unit_ids, day__in=days)
    }
    paths = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    names = [each.name for each in fields(UnitCounts)]
    changed, new = [], []
    for key, delta in deltas.items():
        row = existing.get(key)
        if row is None:
            unit_id, day, kind, category = key
            row = UnitDay(unit_id=unit_id, path=paths[unit_id], day=day, kind=kind, category=category)
            new.append(row)
        else:
            changed.append(row)
        for name in names:
            setattr(row, name, getattr(row, name) + getattr(delta, name))
    # Rewritten rather than updated: a delete and an insert are two statements, ``bulk_update``'s CASE per
    # column and row is slow at thousands of rows.
    UnitDay.objects.filter(pk__in=[row.pk for row in changed]).delete()
    for row in changed:
        row.pk = None
    UnitDay.objects.bulk_create([*changed, *new], batch_size=1000)


def _apply_person_deltas(deltas: dict[tuple[int, date], PersonCounts]) -> None:
    deltas = {key: counts for key, counts in deltas.items() if not counts.is_zero()}
    if not deltas:
        return
    existing = {
        (row.person_id, row.day): row
        for row in PersonDay.objects.filter(
            person_id__in={key[0] for key in deltas}, day__in={key[1] for key in deltas}
        )
    }
    names = [each.name for each in fields(PersonCounts)]
    changed, new = [], []
    for (person_id, day), delta in deltas.items():
        row = existing.get((person_id, day))
        if row is None:
            row = PersonDay(person_id=person_id, day=day)
            new.append(row)
        else:
            changed.append(row)
        for name in names:
            setattr(row, name, getattr(row, name) + getattr(delta, name))
    PersonDay.objects.filter(pk__in=[row.pk for row in changed]).delete()
    for row in changed:
        row.pk = None
    PersonDay.objects.bulk_create([*changed, *new], batch_size=1000)


def figures_recompute(case_ids: list[int], calendar: WorkCalendar | None = None) -> None:
    """Recomputes these cases' figures and moves the counters by the difference (inside a transaction)."""
    calendar = calendar or WorkCalendar()
    for start in range(0, len(case_ids), CASE_BATCH):
        chunk = case_ids[start : start + CASE_BATCH]
        old_cases = list(CaseFigures.objects.filter(case_id__in=chunk))
        old_people = list(PersonCaseFigures.objects.filter(case_id__in=chunk))
        new_cases, new_people = compute_figures(chunk, calendar)
        unit_deltas: dict[UnitKey, UnitCounts] = defaultdict(UnitCounts)
        for figures, sign in [*((each, -1) for each in old_cases), *((each, 1) for each in new_cases)]:
            for key, counts in case_counts(figures).items():
                unit_deltas[key].add(counts, sign)
        person_deltas: dict[tuple[int, date], PersonCounts] = defaultdict(PersonCounts)
        for person, sign in [*((each, -1) for each in old_people), *((each, 1) for each in new_people)]:
            person_deltas[(person.person_id, person.day)].add(person_counts(person), sign)
        CaseFigures.objects.filter(case_id__in=chunk).delete()
        PersonCaseFigures.objects.filter(case_id__in=chunk).delete()
        CaseFigures.objects.bulk_create(new_cases, batch_size=1000)
        PersonCaseFigures.objects.bulk_create(new_people, batch_size=1000)
        _apply_unit_deltas(unit_deltas)
        _apply_person_deltas(person_deltas)


@command
def figures_refresh(*, rounds: int = ROUNDS) -> int:
    """Follows the audit trail from where the last pass stopped; returns how many cases it recomputed.

    One pass at a time: the cursor row is locked (PostgreSQL); a pass that finds it locked skips."""
    # One pass at a time: a request that finds another pass under way skips its own (the other is catching up;
    # what it reads is at most that pass behind) instead of queueing behind it.
    cursor = FiguresCursor.objects.select_for_update(skip_locked=True).filter(pk=CURSOR_ID).first()
    if cursor is None:
        if FiguresCursor.objects.filter(pk=CURSOR_ID).exists():
            return 0  # locked by another pass
        cursor = FiguresCursor.objects.create(
            pk=CURSOR_ID
        )  # the migration made it; a flushed test database not
    calendar = WorkCalendar()
    recomputed = 0
    for _round in range(rounds):
        horizon = replay_horizon()  # before the read: it covers whatever the read cannot see
        rows = list(
            unseen_first(
                AuditEntry.objects.values_list("pk", "case_id"),
                after=cursor.after,
                horizon=cursor.horizon,
                limit=AUDIT_BATCH,
            )
        )
        if rows:
            case_ids = sorted({case_id for _pk, case_id in rows})
            figures_recompute(case_ids, calendar)
            recomputed += len(case_ids)
            cursor.after = max(cursor.after, rows[-1][0])
        full = len(rows) == AUDIT_BATCH
        # Nothing read: the old horizon still covers what this read could not see, and costs nothing to keep
        # (no row is at or after it), so the cursor is not written: a report with nothing new writes nothing.
        if rows:
            if not full:
                cursor.horizon = horizon
            cursor.refreshed_at = timezone.now()
            cursor.save()
        if not full:
            break
    return recomputed


def figures_rebuild() -> int:
    """Starts over: every counter from every case (after a change of the rules of counting)."""
    from django.db import transaction

    with transaction.atomic(durable=True):
        UnitDay.objects.all().delete()
        PersonDay.objects.all().delete()
        CaseFigures.objects.all().delete()
        PersonCaseFigures.objects.all().delete()
        FiguresCursor.objects.update(after=0, horizon=0)
    total = 0
    while True:
        done = figures_refresh(rounds=ROUNDS)
        total += done
        if (
            done == 0
            or not AuditEntry.objects.filter(pk__gt=FiguresCursor.objects.get(pk=CURSOR_ID).after).exists()
        ):
            return total

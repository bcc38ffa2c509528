"""A year of history for the reports: a few thousand closed cases across the demo units, written in bulk.

Each history case is a copy of a case the engine closed itself (the demo's own closed dispute and help
request, worked through the real commands): its case and detail row, its case clock, its audit rows, who took
part, its assessment and points, field by field as the engine wrote them, with a new reference, unit, people,
category, moments (moved to a day of the past year, stretched so that some ran late) and rating, and the
points recomputed by ``cases.scoring``. Some disputes were reopened after a dissatisfied follow-up (the
``reopen`` audit row), some requests returned (a ``CaseReturn``, upheld). What is not copied: the finished
flows' viewflow rows (process, tasks) and the step clocks, which nothing of a closed case reads but its
timeline's task links; history cases keep the audit trail.

``history_load`` is idempotent (it adds nothing when history exists) and fast: ``bulk_create``, a few
statements per thousand cases. The bench's reports part uses it to grow a database to 10k, 100k, 1M cases.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from cases.models import (
    Assessment,
    AuditAction,
    AuditEntry,
    Case,
    CaseKind,
    CaseParticipant,
    CaseReturn,
    CaseState,
    Category,
    Clock,
    DisputeDetail,
    HelpRequestDetail,
    PointAward,
    ReturnDecision,
    ReturnKind,
    ReturnReason,
    Unit,
    User,
)
from cases.scoring import SATISFACTION_BY_ANSWER, StepDone, points_for
from cases.workdays import CALENDAR_ZONE

HISTORY_CASES = int(os.environ.get("DEMO_HISTORY_CASES", "2000"))  # 0: no history
FIRST_NUMBER = 800_000  # history references: TX-<year>-8xxxxx, far above a year's real numbering
HISTORY_REFERENCE = r"^TX-[0-9]{4}-8[0-9]{5}$"
SEED = 20260115
BATCH = 500

ANSWER_OF_RATING = {rating: answer for answer, rating in SATISFACTION_BY_ANSWER.items()}


@contextmanager
def _moments_as_given(*model_classes: type[models.Model]) -> Iterator[None]:
    """``auto_now``/``auto_now_add`` off while history rows keep the moments they are given."""
    saved = []
    for model in model_classes:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _copy(row: models.Model, **changes: Any) -> Any:
    values = {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}
    values.update(changes)
    return type(row)(**values)


@dataclass
class Template:
    """A closed case as the engine wrote it, and the rows to copy."""

    case: Case
    detail: models.Model
    clock: Clock | None
    audit: list[AuditEntry]
    participants: list[CaseParticipant]
    assessment: Assessment

    @classmethod
    def of(cls, case: Case) -> Template:
        detail = case.dispute if case.kind == CaseKind.DISPUTE else case.help_request
        return cls(
            case=case,
            detail=detail,
            clock=Clock.objects.filter(case=case, task_id=None).first(),
            audit=list(AuditEntry.objects.filter(case=case).order_by("pk")),
            participants=list(CaseParticipant.objects.filter(case=case)),
            assessment=Assessment.objects.get(case=case),
        )


@dataclass(frozen=True)
class Place:
    unit: Unit
    people: dict[int, User]  # the template's people → who does their part here


def _places(people: dict[str, User]) -> dict[str, list[tuple[Place, int]]]:
    """Where history cases were handled, with weights: the worker roles of the template map to the unit's own."""
    units = {unit.name: unit for unit in Unit.objects.all()}

    def place(unit: str, **who: str) -> Place:
        return Place(units[unit], {people[old].pk: people[new] for old, new in who.items()})

    taixing = {"supervisor_taixing": "supervisor_taixing"}
    return {
        CaseKind.DISPUTE: [
            (place("祥泰社区", mediator="mediator", **taixing), 4),
            (place("祥泰社区", mediator="mediator2", **taixing), 3),
            (place("济川街道", mediator="mediator_street", **taixing), 2),
            (place("成蹊新联之家", mediator="mediator_chengxi", supervisor_taixing="supervisor_hailing"), 4),
        ],
        CaseKind.HELP_REQUEST: [
            (
                place(
                    "泰兴城区工业园区三师助企工作站", lawyer="lawyer", tax_advisor="tax_advisor", **taixing
                ),
                3,
            ),
            (
                place(
                    "泰兴城区工业园区三师助企工作站", lawyer="lawyer2", tax_advisor="accountant", **taixing
                ),
                2,
            ),
        ],
    }


class History:
    def __init__(self, people: dict[str, User], templates: dict[str, Template], *, seed: int = SEED):
        self.random = random.Random(seed)
        self.people = people
        self.templates = templates
        self.places = _places(people)
        self.now = timezone.now()
        self.number = FIRST_NUMBER + Case.objects.filter(reference__regex=HISTORY_REFERENCE).count()

    def person(self, place: Place, person_id: int | None) -> int | None:
        if person_id is None:
            return None
        return place.people[person_id].pk if person_id in place.people else person_id

    def add(self, count: int, *, days: int = 365) -> None:
        for start in range(0, count, BATCH):
            self._batch(min(BATCH, count - start), days)

    def _batch(self, count: int, days: int) -> None:
        r = self.random
        plans = []
        for _ in range(count):
            kind = CaseKind.DISPUTE if r.random() < 0.6 else CaseKind.HELP_REQUEST
            places = self.places[kind]
            place = r.choices([p for p, _w in places], weights=[w for _p, w in places])[0]
            # How long it took, in calendar days: most within their window (21 or 30 days), some beyond.
            stretch = (
                r.choices([2, 5, 9, 14, 20, 27, 35, 50], weights=[3, 6, 6, 5, 4, 3, 2, 1])[0] + r.random()
            )
            # Registered on a working day of the period, closed before today.
            ago = r.uniform(min(stretch + 2, days - 1), days)
            day = (self.now - timedelta(days=ago)).astimezone(CALENDAR_ZONE).date()
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            opened = datetime.combine(day, time(8, 30), CALENDAR_ZONE) + timedelta(minutes=r.randint(0, 480))
            rating = r.choices([5, 4, 2], weights=[6, 3, 1])[0]
            plans.append((kind, place, opened, stretch, rating))
        with (
            transaction.atomic(),
            _moments_as_given(Case, AuditEntry, Assessment, PointAward, CaseParticipant, CaseReturn),
        ):
            cases = []
            for kind, place, opened, stretch, _rating in plans:
                template = self.templates[kind]
                self.number += 1
                t0 = template.case.created_at
                cases.append(
                    _copy(
                        template.case,
                        id=None,
                        reference=f"TX-{opened.year}-{self.number:06d}",
                        unit_id=place.unit.pk,
                        created_by_id=self.person(place, template.case.created_by_id),
                        created_at=opened,
                        updated_at=opened + timedelta(days=stretch),
                        closed_at=opened + timedelta(days=stretch),
                        due_at=self._shift(template.case.due_at, t0, opened),
                        yellow_at=self._shift(template.case.yellow_at, t0, opened),
                    )
                )
            Case.objects.bulk_create(cases, batch_size=1000)
            disputes, requests, clocks, audit, participants, returns = [], [], [], [], [], []
            assessments, awards_of = [], []
            for case, (kind, place, opened, stretch, rating) in zip(cases, plans, strict=True):
                template = self.templates[kind]
                t0 = template.case.created_at
                if kind == CaseKind.DISPUTE:
                    disputes.append(
                        _copy(
                            template.detail,
                            case_id=case.pk,
                            category=r.choice(Category.values),
                            follow_up_answer=ANSWER_OF_RATING.get(rating, "satisfied"),
                        )
                    )
                else:
                    requests.append(
                        _copy(
                            template.detail,
                            case_id=case.pk,
                            card_id=None,
                            rating=rating,
                            specialties=[r.choice(["legal", "accounting", "tax"])],
                        )
                    )
                if template.clock is not None:
                    clocks.append(
                        _copy(
                            template.clock,
                            id=None,
                            case_id=case.pk,
                            started_at=opened,
                            due_at=self._shift(template.clock.due_at, t0, opened),
                            yellow_at=self._shift(template.clock.yellow_at, t0, opened),
                            stopped_at=opened + timedelta(days=stretch),
                        )
                    )
                steps = []
                closed_at = opened + timedelta(days=stretch)
                due = self._shift(template.clock.due_at if template.clock else None, t0, opened)
                in_time = due is None or closed_at <= due
                last = len(template.audit) - 1
                for index, row in enumerate(template.audit):
                    # The rows keep their order, spread evenly from the registration to the closing.
                    moved = opened + (closed_at - opened) * (index / last if last else 1)
                    on_time = row.on_time
                    if row.action == AuditAction.TASK_DONE and row.on_time is not None:
                        on_time = in_time or r.random() < 0.4
                        if index < last:  # the assessing supervisor's own step earns no points (``assess``)
                            person = self.person(place, row.actor_id) or 0
                            steps.append(StepDone(person_id=person, on_time=on_time))
                    audit.append(
                        _copy(
                            row,
                            id=None,
                            case_id=case.pk,
                            actor_id=self.person(place, row.actor_id),
                            subject_id=self.person(place, row.subject_id),
                            task_id=None,
                            created_at=moved,
                            on_time=on_time,
                            txid=None,
                        )
                    )
                worker = self.person(place, template.case.created_by_id) or 0
                if kind == CaseKind.DISPUTE and rating == 2:
                    # Dissatisfied at the follow-up: reopened once, then closed (its second follow-up satisfied).
                    audit.append(
                        AuditEntry(
                            case_id=case.pk,
                            actor_id=worker,
                            action=AuditAction.TRANSITION,
                            name="reopen",
                            from_state=CaseState.FOLLOW_UP,
                            to_state=CaseState.CONSULTING,
                            created_at=opened + (closed_at - opened) * 0.6,
                        )
                    )
                if r.random() < 0.06:
                    returns.append(
                        CaseReturn(
                            case_id=case.pk,
                            kind=ReturnKind.RELEASE,
                            code=r.choice(ReturnReason.values[:-1]),
                            to_unit_id=place.unit.pk,
                            created_by_id=worker,
                            created_at=opened + timedelta(hours=3),
                            decision=ReturnDecision.UPHELD,
                            decided_by_id=worker,
                            decided_at=opened + timedelta(hours=5),
                        )
                    )
                for participant in template.participants:
                    participants.append(
                        _copy(
                            participant,
                            id=None,
                            case_id=case.pk,
                            person_id=self.person(place, participant.person_id),
                            since=opened,
                        )
                    )
                assessed_at = case.closed_at or opened
                assessments.append(
                    _copy(
                        template.assessment,
                        id=None,
                        case_id=case.pk,
                        satisfaction=rating,
                        steps_total=len(steps),
                        steps_on_time=sum(1 for step in steps if step.on_time),
                        assessed_by_id=self.person(place, template.assessment.assessed_by_id),
                        created_at=assessed_at,
                    )
                )
                awards_of.append((steps, rating, template.assessment.quality_score, assessed_at))
            DisputeDetail.objects.bulk_create(disputes, batch_size=1000)
            HelpRequestDetail.objects.bulk_create(requests, batch_size=1000)
            Clock.objects.bulk_create(clocks, batch_size=1000)
            AuditEntry.objects.bulk_create(audit, batch_size=1000)
            CaseParticipant.objects.bulk_create(participants, batch_size=1000, ignore_conflicts=True)
            CaseReturn.objects.bulk_create(returns, batch_size=1000)
            Assessment.objects.bulk_create(assessments, batch_size=1000)
            awards = []
            for assessment, (steps, rating, quality, at) in zip(assessments, awards_of, strict=True):
                for person_id, (points, breakdown) in points_for(
                    steps=steps, satisfaction=rating, quality_score=quality
                ).items():
                    awards.append(
                        PointAward(
                            assessment_id=assessment.pk,
                            person_id=person_id,
                            points=points,
                            breakdown=breakdown,
                            created_at=at,
                        )
                    )
            PointAward.objects.bulk_create(awards, batch_size=1000)

    @staticmethod
    def _shift(moment: datetime | None, t0: datetime, opened: datetime) -> datetime | None:
        return None if moment is None else opened + (moment - t0)


def templates() -> dict[str, Template] | None:
    """The demo's closed dispute at 祥泰社区 and closed help request at the station, as the engine wrote them."""
    found: dict[str, Template] = {}
    for kind, unit in (
        (CaseKind.DISPUTE, "祥泰社区"),
        (CaseKind.HELP_REQUEST, "泰兴城区工业园区三师助企工作站"),
    ):
        case = (
            Case.objects.filter(kind=kind, state=CaseState.CLOSED, unit__name=unit, assessment__isnull=False)
            .exclude(reference__regex=HISTORY_REFERENCE)
            .select_related("dispute", "help_request")
            .order_by("pk")
            .first()
        )
        if case is None:
            return None
        found[kind] = Template.of(case)
    return found


def history_exists() -> bool:
    return Case.objects.filter(reference__regex=HISTORY_REFERENCE).exists()


def history_first_case() -> int | None:
    """The id of the first history case: every case after it is history too (history is loaded last)."""
    return (
        Case.objects.filter(reference__regex=HISTORY_REFERENCE)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def history_load(people: dict[str, User], *, count: int = HISTORY_CASES, days: int = 365) -> int:
    """Adds ``count`` closed cases over the last ``days`` days, unless history exists; returns how many."""
    if count <= 0 or history_exists():
        return 0
    found = templates()
    if found is None:
        return 0
    History(people, found).add(count, days=days)
    return count

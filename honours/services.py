"""Every write of honours: each a command (``@command``: it owns its transaction) that checks its rule
(``honours.rules``), refuses with a message before anything is written, writes its audit row in the same
transaction and, for nominations, emits its event after commit (``honours.events``)."""

import logging
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import IO

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.attachments import Evidence, evidence_read
from cases.errors import CaseError, Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import Unit, User
from cases.selectors.attachments import evidence_storage
from cases.services.attachments import blob_name
from cases.transactions import command, in_transaction
from honours import events, rules
from honours.models import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    MAX_SCORE,
    SCHEME_OF,
    Activity,
    ActivityPhoto,
    AnnualTarget,
    AnnualTask,
    AssessmentSheet,
    CriterionWeight,
    HonourAction,
    HonourAuditEntry,
    HonourKind,
    Nomination,
    NominationState,
    SheetRow,
    grade_for,
)
from honours.selectors.evidence import CRITERION_FIGURES, unit_figures

logger = logging.getLogger(__name__)

FIRST_YEAR = 2020
NOT_A_YEAR = _("Choose a year from 2020 to next year.")
NOT_YOURS_TO_NOMINATE = _("You may only nominate people of the units you supervise.")
ALREADY_NOMINATED = _("This person is already nominated for this honour this year.")
NOT_YOURS_TO_DECIDE = _("Only a supervisor one level above the nominating unit may decide this nomination.")
DECIDED = _("This nomination was decided already.")
REASON_NEEDED = _("Give the reason for refusing.")
NOT_YOURS_TO_TARGET = _("Only a supervisor above this unit may set its targets.")
NOT_YOURS_TO_LOG = _(
    "Only the liaison officers of this district and the unit's own workers may log its activities."
)
NOT_YOURS_TO_EDIT = _("Only who logged an activity may correct it.")
YEAR_CLOSED = _("The activities of %(year)s can no longer be corrected: the year has ended.")
OTHER_YEAR = _("A correction keeps the activity in its year (%(year)s); log it again for another year.")
IN_THE_FUTURE = _("An activity is logged once it took place: the date may not be in the future.")
NOT_YOURS_TO_ASSESS = _("Only a supervisor above this unit may assess it.")
EVERY_CRITERION = _("Score every criterion of the sheet.")
SCORE_RANGE = _("A score is from 0 to 100.")


def year_check(year: int, field: str = "year") -> None:
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise InvalidInput(NOT_A_YEAR, field=field)


@in_transaction
def _audit(*, actor: User, action: str, unit: Unit, year: int, target_id: int, detail: str = "") -> None:
    HonourAuditEntry.objects.create(
        actor=actor, action=action, unit=unit, year=year, target_id=target_id, detail=detail[:1000]
    )


# ---- nominations ----------------------------------------------------------------------------------------


@command
def nomination_create(*, actor: User, person: User, kind: str, year: int, citation: str) -> Nomination:
    """A supervisor nominates a person of their subtree; the deciders hear of it."""
    year_check(year)
    if not rules.nominates(actor, person):
        raise NotAllowed(NOT_YOURS_TO_NOMINATE, field="person")
    assert person.unit is not None and actor.unit is not None
    nomination = Nomination(
        person=person,
        unit=person.unit,
        kind=HonourKind(kind),
        year=year,
        citation=citation.strip(),
        nominated_by=actor,
        nominating_unit=actor.unit,
    )
    if not nomination.citation:
        raise InvalidInput(_("Write the citation."), field="citation")
    nomination.full_clean(
        exclude=["person", "unit", "nominated_by", "nominating_unit", "state"], validate_constraints=False
    )
    duplicate = Nomination.objects.filter(person=person, kind=kind, year=year).exclude(
        state=NominationState.REFUSED
    )
    if duplicate.exists():
        raise Conflict(ALREADY_NOMINATED)
    try:
        with transaction.atomic():  # a concurrent twin trips the constraint: a 409, not a 500
            nomination.save()
    except IntegrityError as twin:
        raise Conflict(ALREADY_NOMINATED) from twin
    _audit(
        actor=actor,
        action=HonourAction.NOMINATED,
        unit=nomination.unit,
        year=year,
        target_id=nomination.pk,
        detail=f"{person.username} · {kind}",
    )
    events.nomination_submitted(nomination, actor)
    return nomination


@command
def nomination_decide(*, nomination_id: int, actor: User, approve: bool, reason: str = "") -> Nomination:
    """Approve or refuse (with a reason) a pending nomination; the nominator hears, and the nominee of an
    approval."""
    nomination = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("person", "unit", "nominating_unit", "nominated_by")
        .filter(pk=nomination_id)
        .first()
    )
    if nomination is None or not rules.sees_nomination(nomination, actor):
        raise NotFound()
    if not rules.decides_nomination(nomination, actor):
        raise NotAllowed(NOT_YOURS_TO_DECIDE)
    if nomination.state != NominationState.PENDING:
        raise Conflict(DECIDED)
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput(REASON_NEEDED, field="reason")
    if approve:
        nomination.approve()
    else:
        nomination.refuse()
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()
    nomination.decision_reason = reason
    nomination.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    _audit(
        actor=actor,
        action=HonourAction.APPROVED if approve else HonourAction.REFUSED,
        unit=nomination.unit,
        year=nomination.year,
        target_id=nomination.pk,
        detail=reason,
    )
    events.nomination_decided(nomination, actor)
    return nomination


# ---- 六个一 targets and activities --------------------------------------------------------------------------


@command
def targets_set(*, actor: User, unit: Unit, year: int, targets: Mapping[str, int | None]) -> None:
    """Set (or clear, with None) the unit's targets of a year, task by task."""
    year_check(year)
    if not rules.sets_targets(actor, unit):
        raise NotAllowed(NOT_YOURS_TO_TARGET)
    for task in AnnualTask:
        target = targets.get(task)
        if target is None:
            AnnualTarget.objects.filter(unit=unit, year=year, task=task).delete()
        else:
            AnnualTarget.objects.update_or_create(
                unit=unit, year=year, task=task, defaults={"target": target, "set_by": actor}
            )
    detail = ", ".join(f"{task}={targets.get(task)}" for task in AnnualTask if targets.get(task) is not None)
    _audit(
        actor=actor, action=HonourAction.TARGETS_SET, unit=unit, year=year, target_id=unit.pk, detail=detail
    )


def activity_log(
    *,
    actor: User,
    unit: Unit,
    task: str,
    held_on: date,
    place: str,
    topic: str,
    people_reached: int,
    uploads: Iterable[tuple[IO[bytes], str]] = (),
) -> Activity:
    """Log an activity with its photos (each checked as evidence is, before anything is written). A file
    written for a transaction that does not commit is deleted again, as evidence attachments are."""
    photos = [evidence_read(upload, name=name) for upload, name in uploads]
    written: list[str] = []
    try:
        return _activity_store(
            actor=actor,
            unit=unit,
            task=task,
            held_on=held_on,
            place=place,
            topic=topic,
            people_reached=people_reached,
            photos=photos,
            written=written,
        )
    except BaseException:
        for name in written:
            try:
                evidence_storage().delete(name)
            except Exception:  # never mask the error that brought us here
                logger.exception("Could not delete the activity photo %s.", name)
        raise


@command
def _activity_store(
    *,
    actor: User,
    unit: Unit,
    task: str,
    held_on: date,
    place: str,
    topic: str,
    people_reached: int,
    photos: list[Evidence],
    written: list[str],
) -> Activity:
    if not rules.logs_activities(actor, unit):
        raise NotAllowed(NOT_YOURS_TO_LOG)
    if held_on > timezone.localdate():
        raise InvalidInput(IN_THE_FUTURE, field="held_on")
    year_check(held_on.year, field="held_on")
    activity = Activity(
        unit=unit,
        task=task,
        held_on=held_on,
        place=place.strip(),
        topic=topic.strip(),
        people_reached=people_reached,
        logged_by=actor,
    )
    activity.full_clean(exclude=["unit", "logged_by"])
    activity.save()
    transaction.on_commit(written.clear)  # committed: nothing to delete any more
    for photo in photos:
        blob = blob_name()
        written.append(blob)
        stored = evidence_storage().save(blob, ContentFile(photo.data))
        if stored != blob:
            written.append(stored)
        ActivityPhoto.objects.create(
            activity=activity,
            name=photo.name,
            content_type=photo.content_type,
            size=photo.size,
            sha256=photo.sha256,
            blob=stored,
            uploaded_by=actor,
        )
    _audit(
        actor=actor,
        action=HonourAction.ACTIVITY_LOGGED,
        unit=unit,
        year=held_on.year,
        target_id=activity.pk,
        detail=f"{task} · {activity.topic} · {len(photos)}",
    )
    return activity


EDITABLE = ["task", "held_on", "place", "topic", "people_reached"]


def activity_edit_refusal(*, actor: User, activity: Activity) -> CaseError | None:
    """Why ``actor`` may not correct ``activity`` (None: they may), for the service and the page's form."""
    if not rules.edits_activity(actor, activity):
        return NotAllowed(NOT_YOURS_TO_EDIT)
    if not rules.year_open(activity.held_on.year):
        return Conflict(YEAR_CLOSED % {"year": activity.held_on.year})
    return None


@command
def activity_edit(
    *, actor: User, activity_id: int, task: str, held_on: date, place: str, topic: str, people_reached: int
) -> Activity:
    """Correct a logged activity's details (its photos stay as they are), by who logged it, while its year is
    open; the audit row says what changed."""
    try:
        activity = Activity.objects.select_for_update(of=("self",)).select_related("unit").get(pk=activity_id)
    except Activity.DoesNotExist:
        raise NotFound() from None
    refusal = activity_edit_refusal(actor=actor, activity=activity)
    if refusal is not None:
        raise refusal
    year = activity.held_on.year
    if held_on > timezone.localdate():
        raise InvalidInput(IN_THE_FUTURE, field="held_on")
    if held_on.year != year:
        raise InvalidInput(OTHER_YEAR % {"year": year}, field="held_on")
    before = {name: getattr(activity, name) for name in EDITABLE}
    activity.task, activity.held_on, activity.people_reached = task, held_on, people_reached
    activity.place, activity.topic = place.strip(), topic.strip()
    activity.full_clean(exclude=["unit", "logged_by"])
    changed = [
        f"{name}: {before[name]} → {getattr(activity, name)}"
        for name in EDITABLE
        if before[name] != getattr(activity, name)
    ]
    if not changed:
        return activity  # nothing to correct: nothing written
    activity.save(update_fields=EDITABLE)
    _audit(
        actor=actor,
        action=HonourAction.ACTIVITY_EDITED,
        unit=activity.unit,
        year=year,
        target_id=activity.pk,
        detail="; ".join(changed),
    )
    return activity


# ---- 五强 / 六好 sheets ------------------------------------------------------------------------------------


def criterion_weights() -> dict[str, int]:
    """The weights of new sheets: the table's (kept in the admin), the defaults where it has none."""
    weights = {str(criterion): weight for criterion, weight in DEFAULT_WEIGHTS.items()}
    weights.update(CriterionWeight.objects.values_list("criterion", "weight"))
    return weights


def weighted_total(rows: Iterable[tuple[int, int]]) -> Decimal:
    """Σ weight × score / Σ weight, on 0–100, to two decimals; ``rows`` are (weight, score)."""
    rows = list(rows)
    weights = sum(weight for weight, _ in rows)
    if not weights:
        return Decimal(0)
    total = Decimal(sum(weight * score for weight, score in rows)) / weights
    return total.quantize(Decimal("0.01"), ROUND_HALF_UP)


@command
def sheet_submit(
    *, actor: User, unit: Unit, year: int, scores: Mapping[str, tuple[int, str]], note: str = ""
) -> AssessmentSheet:
    """Submit a unit's 五强 / 六好 sheet for a year: every criterion of its scheme scored 0–100 (with a note);
    the weights and the evidence figures of the moment are kept with it. An earlier sheet stays as history."""
    year_check(year)
    if not rules.assesses(actor, unit):
        raise NotAllowed(NOT_YOURS_TO_ASSESS)
    scheme = SCHEME_OF[unit.organisation_type]
    criteria = CRITERIA[scheme]
    if any(criterion not in scores for criterion in criteria):
        raise InvalidInput(EVERY_CRITERION)
    if any(not 0 <= scores[criterion][0] <= MAX_SCORE for criterion in criteria):
        raise InvalidInput(SCORE_RANGE)
    weights = criterion_weights()
    total = weighted_total((weights[criterion], scores[criterion][0]) for criterion in criteria)
    figures = unit_figures(unit, year)
    sheet = AssessmentSheet.objects.create(
        unit=unit,
        year=year,
        scheme=scheme,
        total=total,
        grade=grade_for(total),
        note=note.strip(),
        assessed_by=actor,
    )
    SheetRow.objects.bulk_create(
        SheetRow(
            sheet=sheet,
            criterion=criterion,
            weight=weights[criterion],
            score=scores[criterion][0],
            note=scores[criterion][1].strip(),
            evidence={
                name: None if figures[name] is None else str(figures[name])
                for name in CRITERION_FIGURES[criterion]
            },
        )
        for criterion in criteria
    )
    _audit(
        actor=actor,
        action=HonourAction.SHEET_SUBMITTED,
        unit=unit,
        year=year,
        target_id=sheet.pk,
        detail=f"{total} {sheet.grade}",
    )
    return sheet

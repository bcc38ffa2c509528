"""What a party may read of their case, given its reference and tracking code, and nothing else: the stage
(the public wording of the state, ``PublicStage``), when each stage began, the due moment while one is due,
and the notes a worker marked public. Never a name, a phone or ID number, minutes or who worked it.

A wrong code and an unknown reference take the same path: one query by reference, one keyed hash of the code
compared in constant time (against a stand-in hash when there is no case), then the same answer (None)."""

from dataclasses import dataclass
from datetime import datetime

from cases import tokens
from cases.models import AuditAction, AuditEntry, Case, Clock, PublicStage, TrackingCode
from cases.models.tracking import PUBLIC_STAGE_OF_STATE, PUBLIC_STAGES_ENDED


@dataclass(frozen=True)
class StageEntry:
    stage: PublicStage
    since: datetime


@dataclass(frozen=True)
class NoteEntry:
    at: datetime
    text: str


@dataclass(frozen=True)
class PublicStatus:
    reference: str
    kind: str
    unit: str  # the office that has the case (a unit's name, never a person's)
    stage: PublicStage
    since: datetime  # when the current stage began
    registered_at: datetime
    due_at: datetime | None  # the whole case's limit, while it runs (``case_due_for_party``)
    waiting_for_party: bool  # every open step waits for a party: the clock stands still
    referred_to: str  # the department a referred case went to ("" otherwise)
    stages: list[StageEntry]  # oldest first; a stage the case came back to is listed again
    notes: list[NoteEntry]  # oldest first


def case_tracked(*, reference: str, code: str) -> Case | None:
    """The case with this reference whose tracking code this is; None otherwise (whichever of the two is
    wrong, the same work and the same answer)."""
    row = (
        TrackingCode.objects.select_related("case__unit")
        .filter(case__reference=(reference or "").strip().upper())
        .first()
    )
    matched = tokens.digests_match(tokens.tracking_code_normalised(code), row.digest if row else None)
    return row.case if row is not None and matched else None


def case_due_for_party(case: Case) -> datetime | None:
    """The moment the party is promised: the whole case's limit (its own clock, counted from registration:
    a dispute's month, a help request's 15 working days), not the office's next internal step (which
    ``Case.due_at`` follows, the earliest of both); ``Case.due_at`` when no policy sets the case's own."""
    own = Clock.objects.filter(case=case, task_id__isnull=True).values_list("due_at", flat=True).first()
    return own or case.due_at


def public_stage(state: str) -> PublicStage:
    return PUBLIC_STAGE_OF_STATE[state]


def case_public_status(*, case: Case) -> PublicStatus:
    """The case as its party reads it (``case`` from ``case_tracked``)."""
    moves = AuditEntry.objects.filter(
        case=case, action__in=[AuditAction.REGISTERED, AuditAction.TRANSITION]
    ).order_by("created_at", "id")
    stages: list[StageEntry] = []
    for to_state, at in moves.values_list("to_state", "created_at"):
        stage = public_stage(to_state)
        if not stages or stages[-1].stage != stage:
            stages.append(StageEntry(stage=stage, since=at))
    current = public_stage(case.state)
    if not stages or stages[-1].stage != current:  # a case from before its audit trail: its state, since then
        stages.append(StageEntry(stage=current, since=case.updated_at))
    running = current not in PUBLIC_STAGES_ENDED
    return PublicStatus(
        reference=case.reference,
        kind=case.kind,
        unit=case.unit.name,
        stage=current,
        since=stages[-1].since,
        registered_at=case.created_at,
        due_at=case_due_for_party(case) if running else None,
        waiting_for_party=running and case.paused,
        referred_to=case.referred_to if current == PublicStage.REFERRED else "",
        stages=stages,
        notes=[
            NoteEntry(at=at, text=text) for at, text in case.public_notes.values_list("created_at", "text")
        ],
    )

"""What completing each human step writes, and the transition it makes (the step catalogue, ``cases.steps``,
names each step's write).

Each function runs inside the completing command's transaction (``workflow.services.task_complete``), with the
case locked, and takes the step form's cleaned data as keyword arguments. What a step writes and nothing reads
back inside the command (an advice, a detail's fields) goes with the command's batch (``row_later``,
``update_later``): one statement at its end.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import scoring
from cases.errors import InvalidInput
from cases.events import case_event
from cases.models import (
    Advice,
    Assessment,
    AuditAction,
    AuditEntry,
    Case,
    FollowUpAnswer,
    Meeting,
    PointAward,
    User,
)
from cases.services.agreements import agreement_performance_record, agreement_record, agreement_summary
from cases.services.intake import specialties_refuse_invalid
from cases.services.transitions import case_apply_transition
from cases.transactions import in_transaction
from notifications.events import row_later, update_later
from notifications.types import EventType


def _meeting_record(
    *, case: Case, actor: User, meeting: Meeting | None = None, attendees=(), **fields
) -> Meeting:
    meeting = meeting or Meeting(case=case, created_by=actor)
    for name, value in fields.items():
        if value not in (None, ""):
            setattr(meeting, name, value)
    if meeting.scheduled_at is None or not meeting.place:
        raise InvalidInput(_("A meeting needs a time and a place."), field="scheduled_at")
    meeting.save()
    if attendees:
        meeting.attendees.add(*attendees)
        if not meeting.held:
            case_event(
                type=EventType.MEETING_INVITED,
                case=case,
                actor=actor,
                recipients=[person.pk for person in attendees],
                params={
                    "when": timezone.localtime(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                    "place": meeting.place,
                },
            )
    return meeting


@in_transaction
def triage(*, case: Case, actor: User, category: str, priority: int, note: str = "") -> None:
    case.dispute.category = category
    update_later(case.dispute, ["category"])
    case.priority = priority
    case_apply_transition(case=case, name="triage", actor=actor, reason=note, saving_also=("priority",))


@in_transaction
def convene(
    *, case: Case, actor: User, scheduled_at, place: str, departments: str = "", attendees=()
) -> None:
    _meeting_record(
        case=case,
        actor=actor,
        scheduled_at=scheduled_at,
        place=place,
        departments=departments,
        attendees=attendees,
    )
    case_apply_transition(case=case, name="convene", actor=actor)


@in_transaction
def consult(
    *,
    case: Case,
    actor: User,
    minutes: str,
    decisions: str,
    scheduled_at=None,
    place: str = "",
    departments: str = "",
    attendees=(),
) -> None:
    """Record the consultation: the scheduled meeting, or a new one after a reopened follow-up."""
    pending = case.meetings.filter(held=False).order_by("-scheduled_at").first()
    _meeting_record(
        case=case,
        actor=actor,
        meeting=pending,
        scheduled_at=scheduled_at,
        place=place,
        departments=departments,
        attendees=attendees,
        minutes=minutes,
        decisions=decisions,
        held=True,
    )
    case_apply_transition(case=case, name="conclude", actor=actor)


# The help request's joint session (资源对接 with departments) records a meeting exactly as a consultation does
# and fires the same transition (``conclude``); it has no scheduled meeting before it, so its form asks for the
# time and place.
joint_session = consult


@in_transaction
def resolve(
    *,
    case: Case,
    actor: User,
    outcome: str = "",
    solution: str = "",
    proxy_service_done: bool = False,
    **agreement: Any,
) -> None:
    """A dispute's mediation agreement (``cases.services.agreements``) or a help request's solution."""
    if case.is_dispute:
        agreement_record(case=case, actor=actor, **agreement)
        case.dispute.agreement_text = agreement_summary(case.agreement.terms.order_by("number"))
        case.dispute.outcome = outcome
        update_later(case.dispute, ["agreement_text", "outcome"])
    else:
        case.help_request.solution = solution
        case.help_request.proxy_service_done = proxy_service_done
        update_later(case.help_request, ["solution", "proxy_service_done"])
    case_apply_transition(case=case, name="resolve", actor=actor)


@in_transaction
def follow_up(
    *, case: Case, actor: User, answer: str, note: str = "", performance: list[dict] | None = None
) -> None:
    case.dispute.follow_up_answer = answer
    case.dispute.follow_up_note = note
    update_later(case.dispute, ["follow_up_answer", "follow_up_note"])
    if performance:
        agreement_performance_record(case=case, performance=performance)
    name = "reopen" if answer == FollowUpAnswer.DISSATISFIED else "confirm"
    case_apply_transition(case=case, name=name, actor=actor, reason=note)


@in_transaction
def dispatch(*, case: Case, actor: User, specialties: list[str], priority: int, note: str = "") -> None:
    specialties_refuse_invalid(specialties)
    case.help_request.specialties = list(dict.fromkeys(specialties))
    update_later(case.help_request, ["specialties"])
    case.priority = priority
    case_apply_transition(case=case, name="dispatch", actor=actor, reason=note, saving_also=("priority",))


@in_transaction
def advise(*, case: Case, actor: User, specialty: str, text: str) -> None:
    row_later(Advice(case=case, specialty=specialty, author=actor, text=text))


@in_transaction
def feedback(*, case: Case, actor: User, rating: int, comment: str = "") -> None:
    case.help_request.rating = rating
    case.help_request.rating_comment = comment
    update_later(case.help_request, ["rating", "rating_comment"])
    case_apply_transition(case=case, name="rate", actor=actor, reason=comment)


@in_transaction
def assess(*, case: Case, actor: User, quality_score: int, comment: str = "") -> None:
    """考核表彰: timeliness from the audit trail, satisfaction from the applicant, quality from the supervisor."""
    done = list(
        AuditEntry.objects.filter(case=case, action=AuditAction.TASK_DONE, actor__isnull=False).values_list(
            "actor_id", "on_time"
        )
    )
    steps = [scoring.StepDone(person_id=person_id, on_time=bool(on_time)) for person_id, on_time in done]
    if case.is_dispute:
        satisfaction = scoring.SATISFACTION_BY_ANSWER.get(case.dispute.follow_up_answer, 3)
    else:
        satisfaction = case.help_request.rating or 3
    assessment = Assessment.objects.create(
        case=case,
        steps_total=len(steps),
        steps_on_time=sum(1 for s in steps if s.on_time),
        satisfaction=satisfaction,
        quality_score=quality_score,
        comment=comment,
        assessed_by=actor,
    )
    awards = scoring.points_for(steps=steps, satisfaction=satisfaction, quality_score=quality_score)
    PointAward.objects.bulk_create(
        PointAward(assessment=assessment, person_id=person_id, points=points, breakdown=breakdown)
        for person_id, (points, breakdown) in awards.items()
    )
    case_apply_transition(case=case, name="commend", actor=actor, reason=comment)
    for person_id, (points, _breakdown) in awards.items():
        case_event(
            type=EventType.POINTS_AWARDED,
            case=case,
            actor=actor,
            recipients=[person_id],
            params={"points": points},
        )

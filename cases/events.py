"""Events about cases: the case in the terms of the delivery layer, and the emitting of an event with its
recipients. Which audit rows are board events is ``AuditEntry.event_type`` (one mapping, for the live push and
the replay)."""

from collections.abc import Iterable, Sequence

from cases.carried import carried
from cases.models import AuditEntry, Case, CaseParticipant, Unit, User
from cases.selectors.board import board_case
from notifications.events import Event, Subject, events_emit
from notifications.models import Notification
from notifications.types import EventType, Hears


def case_follower_ids(case: Case) -> set[int]:
    """The person who registered the case and everyone who takes part in it (as the command keeps them,
    ``cases.carried``; read otherwise)."""
    people: Iterable[int] | None = carried(case).participants
    if people is None:
        people = CaseParticipant.objects.filter(case=case).values_list("person_id", flat=True)
    return {case.created_by_id, *people}


def case_subject(case: Case) -> Subject:
    return Subject(
        case_id=case.pk,
        reference=case.reference,
        unit_path=case.unit.path,
        unit_steplen=Unit.steplen,
        board_view=lambda: board_case(case),
    )


def case_event(
    *,
    type: EventType,
    case: Case,
    actor: User | None = None,
    audit: AuditEntry | None = None,
    recipients: Iterable[int] | None = None,
    params: dict | None = None,
) -> list[Notification]:
    """Emit one event about a case (``notifications.events.event_emit``). With an audit row it goes to the
    boards, as the type that row replays as; followers are found here when the type's hearers are
    ``Hears.FOLLOWERS`` and no recipients are named."""
    return events_emit(
        [case_event_of(type=type, case=case, actor=actor, audit=audit, recipients=recipients, params=params)]
    )


def case_events(events: Sequence[Event]) -> list[Notification]:
    """Emit several events of one transaction at once (``case_event_of`` each): one INSERT of their
    notifications, one hop for their pushes."""
    return events_emit(events)


def case_event_of(
    *,
    type: EventType,
    case: Case,
    actor: User | None = None,
    audit: AuditEntry | None = None,
    recipients: Iterable[int] | None = None,
    params: dict | None = None,
) -> Event:
    """The event ``case_event`` emits, not emitted yet."""
    if audit is not None and audit.event_type is not type:
        raise ValueError(f"audit row {audit.action}/{audit.name} replays as {audit.event_type}, not {type}")
    if recipients is None:
        recipients = case_follower_ids(case) if type.hears is Hears.FOLLOWERS else ()
    return Event(
        type=type,
        subject=case_subject(case),
        actor_id=actor.pk if actor else None,
        seq_row=audit,
        recipients=frozenset(recipients),
        params=params,
    )

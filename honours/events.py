"""Events about nominations, through the one emitting function (``notifications.events.event_emit``): stored
with the change, pushed after commit. They are about no case: the subject has no case and no reference, and
the notification's ``link`` leads to the nomination's page."""

from django.db.models import Q
from django.urls import reverse

from cases import rules
from cases.models import Role, Unit, User
from honours.models import HonourKind, Nomination
from notifications.events import Subject, event_emit
from notifications.types import EventType


def _subject(nomination: Nomination) -> Subject:
    return Subject(
        case_id=None,  # type: ignore[arg-type]  # an honour is about no case
        reference="",
        unit_path=nomination.unit.path,
        unit_steplen=Unit.steplen,
        board_view=dict,
    )


def _params(nomination: Nomination) -> dict:
    return {
        "person": str(nomination.person),
        "honour": HonourKind(nomination.kind).label,
        "year": nomination.year,
        "link": reverse("honours_nomination", args=[nomination.pk]),
    }


def approver_ids(nomination: Nomination) -> list[int]:
    """Who decides it (``honours.rules.decides_nomination``): the supervisors of the nominating unit's parent's
    line up to the top, or the administrators for a nomination made at the top."""
    nominating = nomination.nominating_unit
    if nominating.depth == 1:
        people = User.objects.filter(rules.administrators_people_q())
    else:
        parent = nominating.path[: -Unit.steplen]
        paths = [parent[:end] for end in range(Unit.steplen, len(parent) + 1, Unit.steplen)]
        people = User.objects.filter(Q(is_active=True, groups__name=Role.SUPERVISOR, unit__path__in=paths))
    return sorted(set(people.exclude(pk=nomination.nominated_by_id).values_list("pk", flat=True)))


def nomination_submitted(nomination: Nomination, actor: User) -> None:
    event_emit(
        type=EventType.NOMINATION_SUBMITTED,
        subject=_subject(nomination),
        actor_id=actor.pk,
        recipients=approver_ids(nomination),
        params={**_params(nomination), "nominator": str(actor)},
    )


def nomination_decided(nomination: Nomination, actor: User) -> None:
    if nomination.state == "approved":
        event_emit(
            type=EventType.NOMINATION_APPROVED,
            subject=_subject(nomination),
            actor_id=actor.pk,
            recipients=[nomination.person_id, nomination.nominated_by_id],
            params={**_params(nomination), "approver": str(actor)},
        )
    else:
        event_emit(
            type=EventType.NOMINATION_REFUSED,
            subject=_subject(nomination),
            actor_id=actor.pk,
            recipients=[nomination.nominated_by_id],
            params={**_params(nomination), "reason": nomination.decision_reason},
        )

"""Applying one of the case's transitions: conditions, permission, save, audit row and event."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from cases.errors import Conflict, NotAllowed
from cases.events import case_event
from cases.models import AuditAction, Case, User
from cases.services.audit import audit_write
from cases.transactions import in_transaction
from notifications.types import EventType

# Fields a transition may set, saved with the state.
TRANSITION_FIELDS = [
    "state",
    "unit",
    "escalated_from",
    "exit_reason",
    "referred_to",
    "closed_at",
    "updated_at",
]


@in_transaction
def case_apply_transition(
    *,
    case: Case,
    name: str,
    actor: User | None,
    reason: str = "",
    check_permission: bool = True,
    arguments: dict | None = None,
    saving_also: tuple[str, ...] = (),
) -> Case:
    """Call transition ``name`` on a case the caller has locked (``select_for_update``) in this transaction.
    Its event is ``case.<name>``; who hears it is the type's (``EventType``). ``saving_also``: fields of the case
    the step changed before it, saved in the transition's UPDATE."""
    method = getattr(case, name)
    if not can_proceed(method):
        raise Conflict(
            _("Case %(reference)s is %(state)s now: this step is not possible.")
            % {"reference": case.reference, "state": case.get_state_display()}
        )
    if check_permission and (actor is None or not has_transition_perm(method, actor)):
        raise NotAllowed(_("You may not do this on case %(reference)s.") % {"reference": case.reference})
    from_state = case.state
    method(**(arguments or {}))
    if not case.is_open and case.closed_at is None:
        case.closed_at = timezone.now()
    case.save(update_fields=[*TRANSITION_FIELDS, *saving_also])
    entry = audit_write(
        case=case,
        actor=actor,
        action=AuditAction.TRANSITION,
        name=name,
        from_state=from_state,
        to_state=case.state,
        reason=reason,
    )
    case_event(
        type=EventType.of_transition(name), case=case, actor=actor, audit=entry, params=_text_params(case)
    )
    return case


def _text_params(case: Case) -> dict:
    params: dict[str, str | int] = {"unit": case.unit.name, "to": case.referred_to}
    if case.is_help_request and case.help_request.rating:
        params["rating"] = case.help_request.rating
    return params

"""Side exits: reject (不予受理), refer (转办), escalate (上报) and withdraw (撤回), with their input rules."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from cases import rules
from cases.errors import Conflict, InvalidInput
from cases.models import Case, Unit, User, limits
from cases.services.transitions import case_apply_transition
from cases.transactions import in_transaction

SIDE_EXITS = ("reject", "refer", "escalate", "withdraw")


def side_exit_input(*, action: str, reason: str, to: str = "") -> dict:
    """The checked input of a side exit, refused before anything is locked: a known action, a reason, and
    where a referral goes."""
    if action not in SIDE_EXITS:
        raise InvalidInput(_("Unknown action."), field="action")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason."), field="reason")
    to = (to or "").strip()
    if action == "refer" and not to:
        raise InvalidInput(_("Say where the case is referred to."), field="to")
    # The forms refuse longer text already; a caller without one must not reach the columns with it either.
    for field, value, limit in (("reason", reason, limits.REASON), ("to", to, limits.REFERRED_TO)):
        try:
            MaxLengthValidator(limit)(value)
        except ValidationError as error:
            raise InvalidInput(error.messages[0], field=field) from None
    return {"reason": reason, "to": to}


@in_transaction
def case_side_exit_apply(*, case: Case, user: User, action: str, reason: str, to: str = "") -> None:
    """The side exit's transition on the locked case, with input checked by ``side_exit_input``."""
    arguments: dict = {"reason": reason}
    if action == "refer":
        arguments["to"] = to
    if action == "escalate":
        if not rules.has_parent_unit(case):
            raise Conflict(_("%(unit)s has no parent unit to escalate to.") % {"unit": case.unit})
        arguments["parent"] = Unit.objects.get_parent(case.unit)
    case_apply_transition(case=case, name=action, actor=user, reason=reason, arguments=arguments)


def case_side_exits_for_user(*, case: Case, user: User) -> list[str]:
    """The side exits the person may take on the case now (for buttons and the API)."""
    return [
        name
        for name in SIDE_EXITS
        if can_proceed(getattr(case, name)) and has_transition_perm(getattr(case, name), user)
    ]

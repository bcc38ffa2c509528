"""Who may do what to a case: the conditions and permissions of the case's transitions.

Pure functions of the case and the user (no queries beyond ``user.roles`` and loaded relations), so that
the same rule guards a transition, hides a button and filters a queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cases.models import Case, Unit, User


def is_dispute(case: Case) -> bool:
    return case.kind == "dispute"


def is_help_request(case: Case) -> bool:
    return case.kind == "help_request"


def has_parent_unit(case: Case) -> bool:
    return case.unit.depth > 1


def unit_contains(ancestor: Unit | None, unit: Unit) -> bool:
    return ancestor is not None and unit.path.startswith(ancestor.path)


def worker_role_for_kind(kind: str) -> str:
    """The role that registers and works a case of this kind at its unit."""
    return "mediator" if kind == "dispute" else "liaison"


def worker_role(case: Case) -> str:
    return worker_role_for_kind(case.kind)


def works_case(case: Case, user: User) -> bool:
    """A mediator (dispute) or liaison officer (help request) of the case's own unit."""
    return user.is_authenticated and user.has_role(worker_role(case)) and user.unit_id == case.unit_id


def supervises_case(case: Case, user: User) -> bool:
    """A supervisor of the case's unit or of any unit above it."""
    return user.is_authenticated and user.has_role("supervisor") and unit_contains(user.unit, case.unit)


def works_or_supervises_case(case: Case, user: User) -> bool:
    return works_case(case, user) or supervises_case(case, user)


def serves_specialty(user: User, specialty: str, unit: Unit) -> bool:
    """A professional of the specialty whose service pool covers the unit."""
    return (
        user.is_authenticated
        and user.has_role("professional")
        and user.specialty == specialty
        and unit_contains(user.pool, unit)
    )

"""Who may do what: each access rule once, its Python predicate and its query forms side by side.

A predicate answers for one case and one person, with no query beyond ``user.roles`` and loaded relations, so
the same rule guards a transition, hides a button and checks a request. Its query forms answer the same
question for many rows: ``…_people_q(case)`` filters people (``User``); ``…_cases_q(user, prefix)`` filters
cases, or rows that reach a case through ``prefix`` (a task reaches its case through
``process__caseprocess__case__``). ``tests/test_rules_parity.py`` checks, for every person and every case of
the demo organisation, that each predicate and its query forms agree.

Only active people work, serve, supervise, take steps or attend meetings. Every predicate takes an anonymous
visitor too (``AnonymousUser`` is never active, and each rule asks that first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Q

from cases.models.kinds import CaseKind
from cases.models.org import Role, Unit

if TYPE_CHECKING:
    from cases.models import Case, User

NOTHING = Q(pk__in=[])


class CaseAtUnit(Protocol):
    """What the rule of the parties' personal data reads of a case: its kind and its unit. A ``Case``, or a row
    of a worklist read as values (``workflow.selectors.WorklistRow``), which loads no case."""

    @property
    def kind(self) -> str: ...

    @property
    def unit_id(self) -> int: ...


class Audience(StrEnum):
    """Who does a step."""

    WORKER = "worker"  # a mediator (dispute) or liaison officer (help request) of the case's unit
    PROFESSIONAL = "professional"  # a professional of the step's specialty whose pool covers the case's unit
    SUPERVISOR = "supervisor"  # a supervisor of the case's unit or of a unit above it


def _on(prefix: str, **lookups: Any) -> Q:
    return Q(**{prefix + name: value for name, value in lookups.items()})


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def unit_contains(ancestor: Unit | None, unit: Unit) -> bool:
    return ancestor is not None and unit.path.startswith(ancestor.path)


def unit_and_ancestor_paths(unit: Unit) -> list[str]:
    return [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]


# ---- what a case is --------------------------------------------------------------------------------------


def is_dispute(case: Case) -> bool:
    return case.kind == CaseKind.DISPUTE


def is_help_request(case: Case) -> bool:
    return case.kind == CaseKind.HELP_REQUEST


def has_parent_unit(case: Case) -> bool:
    return case.unit.depth > 1


def was_escalated(case: Case) -> bool:
    """The dispute came here by an escalation, from the unit it may be sent back to (``Case.send_back``)."""
    return case.escalated_from_id is not None


def worker_role_for_kind(kind: str) -> Role:
    """The role that registers and works a case of this kind at its unit."""
    return Role.MEDIATOR if kind == CaseKind.DISPUTE else Role.LIAISON


def worker_role(case: CaseAtUnit) -> Role:
    return worker_role_for_kind(case.kind)


# ---- administrators: everything --------------------------------------------------------------------------


def is_administrator(user: User) -> bool:
    return _active(user) and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def administrators_people_q() -> Q:
    return Q(is_active=True) & (Q(is_superuser=True) | Q(groups__name=Role.ADMINISTRATOR))


# ---- works the case: a mediator (dispute) or liaison officer (help request) of the case's own unit --------


def works_case(case: CaseAtUnit, user: User) -> bool:
    return _active(user) and user.has_role(worker_role(case)) and user.unit_id == case.unit_id


def works_case_people_q(case: Case) -> Q:
    return Q(is_active=True, groups__name=worker_role(case), unit_id=case.unit_id)


def works_case_cases_q(user: User, prefix: str = "", kind: str | None = None) -> Q:
    """``kind``: only cases of that kind (a step's flow has one); without it, any."""
    if not _active(user) or user.unit_id is None:
        return NOTHING
    worked = NOTHING
    for each in CaseKind if kind is None else [CaseKind(kind)]:
        if user.has_role(worker_role_for_kind(each)):
            worked |= (
                _on(prefix, kind=each, unit_id=user.unit_id)
                if kind is None
                else _on(prefix, unit_id=user.unit_id)
            )
    return worked


# ---- supervises the case: a supervisor of the case's unit or of a unit above it --------------------------


def supervises_case(case: Case, user: User) -> bool:
    return _active(user) and user.has_role(Role.SUPERVISOR) and unit_contains(user.unit, case.unit)


def supervises_case_people_q(case: Case) -> Q:
    return Q(is_active=True, groups__name=Role.SUPERVISOR, unit__path__in=unit_and_ancestor_paths(case.unit))


def supervises_case_cases_q(user: User, prefix: str = "") -> Q:
    if not (_active(user) and user.has_role(Role.SUPERVISOR) and user.unit is not None):
        return NOTHING
    return _on(prefix, unit__path__startswith=user.unit.path)


def supervisors_above_people_q(case: Case) -> Q:
    """Supervisors of the units above the case's (of its own unit, for a case of the root unit): who an overdue
    step is reported to (the nearest of them: ``cases.services.supervision``)."""
    paths = unit_and_ancestor_paths(case.unit)
    return Q(is_active=True, groups__name=Role.SUPERVISOR, unit__path__in=paths[:-1] or paths)


def unit_supervisors_people_q(unit: Unit) -> Q:
    """Supervisors of that very unit (who speak for it: an order the system issued on its behalf)."""
    return Q(is_active=True, groups__name=Role.SUPERVISOR, unit=unit)


def supervisors_above_unit_people_q(unit: Unit) -> Q:
    """Supervisors of the units strictly above ``unit``: where a supervision order issued by ``unit`` escalates
    (the nearest of them: ``cases.services.orders``)."""
    paths = unit_and_ancestor_paths(unit)[:-1]
    return Q(is_active=True, groups__name=Role.SUPERVISOR, unit__path__in=paths) if paths else NOTHING


# ---- answers a supervision order: whoever works the case now ----------------------------------------------


def answers_order(case: Case, user: User, *, holds_step: bool) -> bool:
    """Who must reply to a case's supervision orders (督办单): whoever works it now, its unit's mediators or
    liaison officers (``works_case``), and whoever holds one of its open steps (``holds_step``: the workflow
    knows who holds a step)."""
    return works_case(case, user) or (_active(user) and holds_step)


def answers_order_people_q(case: Case, holders: Iterable[int]) -> Q:
    """``holders``: the ids of the people who hold an open step of the case."""
    return works_case_people_q(case) | Q(is_active=True, pk__in=list(holders))


def answers_order_cases_q(user: User, prefix: str = "", holds: Q = NOTHING) -> Q:
    """``holds``: the cases (or rows reaching them through ``prefix``) with an open step the user holds."""
    if not _active(user):
        return NOTHING
    return works_case_cases_q(user, prefix) | holds


def works_or_supervises_case(case: Case, user: User) -> bool:
    return works_case(case, user) or supervises_case(case, user)


# ---- decides a return (退回): a worker of the case's kind at the unit that received it, or a supervisor of it ----


def decides_return(*, kind: str, to_unit: Unit, user: User) -> bool:
    if not _active(user):
        return False
    if user.has_role(worker_role_for_kind(kind)) and user.unit_id == to_unit.pk:
        return True
    return user.has_role(Role.SUPERVISOR) and unit_contains(user.unit, to_unit)


def decides_return_people_q(*, kind: str, to_unit: Unit) -> Q:
    return Q(is_active=True, groups__name=worker_role_for_kind(kind), unit_id=to_unit.pk) | Q(
        is_active=True, groups__name=Role.SUPERVISOR, unit__path__in=unit_and_ancestor_paths(to_unit)
    )


def decides_return_returns_q(user: User) -> Q:
    """The returns (``CaseReturn`` rows) the person decides."""
    if not _active(user):
        return NOTHING
    decided = NOTHING
    if user.unit_id is not None:
        for kind in CaseKind:
            if user.has_role(worker_role_for_kind(kind)):
                decided |= Q(case__kind=kind, to_unit_id=user.unit_id)
        if user.has_role(Role.SUPERVISOR) and user.unit is not None:
            decided |= Q(to_unit__path__startswith=user.unit.path)
    return decided


def decides_returns_somewhere(user: User) -> bool:
    """``decides_return`` holds for some unit (their own): the returns page and its menu link."""
    return (
        _active(user)
        and user.unit_id is not None
        and any(user.has_role(role) for role in (Role.MEDIATOR, Role.LIAISON, Role.SUPERVISOR))
    )


# ---- serves a specialty there: a professional of it whose service pool covers the unit -------------------


def serves_specialty(user: User, specialty: str, unit: Unit) -> bool:
    return (
        _active(user)
        and user.has_role(Role.PROFESSIONAL)
        and user.specialty == specialty
        and unit_contains(user.pool, unit)
    )


def serves_specialty_people_q(specialty: str, unit: Unit) -> Q:
    return Q(
        is_active=True,
        groups__name=Role.PROFESSIONAL,
        specialty=specialty,
        pool__path__in=unit_and_ancestor_paths(unit),
    )


def serves_specialty_cases_q(user: User, specialty: str, prefix: str = "") -> Q:
    if not (
        _active(user)
        and user.has_role(Role.PROFESSIONAL)
        and user.specialty == specialty
        and user.pool is not None
    ):
        return NOTHING
    return _on(prefix, unit__path__startswith=user.pool.path)


# ---- may take a step: its audience -----------------------------------------------------------------------


def may_take(*, audience: Audience, specialty: str | None, case: Case, user: User) -> bool:
    if audience is Audience.WORKER:
        return works_case(case, user)
    if audience is Audience.PROFESSIONAL:
        return serves_specialty(user, specialty or "", case.unit)
    return supervises_case(case, user)


def may_take_people_q(*, audience: Audience, specialty: str | None, case: Case) -> Q:
    if audience is Audience.WORKER:
        return works_case_people_q(case)
    if audience is Audience.PROFESSIONAL:
        return serves_specialty_people_q(specialty or "", case.unit)
    return supervises_case_people_q(case)


@dataclass(frozen=True)
class Units:
    """The units whose cases a person may take a step of: one unit (``unit_id``) or a unit and every unit below
    it (``path``)."""

    unit_id: int | None = None
    path: str = ""


def may_take_units(*, audience: Audience, specialty: str | None, user: User, kind: str) -> Units | None:
    """``may_take_cases_q`` for a step of ``kind``, as the units of the cases (None: no case), for reads that
    filter rows by their unit's id without joining the unit (``workflow.selectors.queue_branches``)."""
    if audience is Audience.WORKER:
        return Units(unit_id=user.unit_id) if works_case_cases_q(user, kind=kind) != NOTHING else None
    if audience is Audience.PROFESSIONAL:
        if serves_specialty_cases_q(user, specialty or "") == NOTHING:
            return None
        return Units(path=user.pool.path)  # type: ignore[union-attr]  # a professional without a pool serves none
    if supervises_case_cases_q(user) == NOTHING:
        return None
    return Units(path=user.unit.path)  # type: ignore[union-attr]  # a supervisor without a unit supervises none


def may_take_cases_q(
    *, audience: Audience, specialty: str | None, user: User, prefix: str = "", kind: str | None = None
) -> Q:
    """``kind``: the step's kind, when the rows are already of that kind only (a step's tasks)."""
    if audience is Audience.WORKER:
        return works_case_cases_q(user, prefix, kind)
    if audience is Audience.PROFESSIONAL:
        return serves_specialty_cases_q(user, specialty or "", prefix)
    return supervises_case_cases_q(user, prefix)


# ---- sees the case (by unit and role; workflow adds the cases a professional's tasks reach) ---------------


def sees_case(case: Case, user: User) -> bool:
    if is_administrator(user) or supervises_case(case, user):
        return True
    is_worker = user.has_role(Role.MEDIATOR) or user.has_role(Role.LIAISON)
    return (
        _active(user)
        and is_worker
        and bool(user.unit_id)
        and (case.unit_id == user.unit_id or case.created_by_id == user.pk)
    )


def sees_case_cases_q(user: User, prefix: str = "") -> Q:
    if is_administrator(user):
        return Q()  # everything; never ``|`` it with another Q (``Q() | other`` is ``other``)
    seen = supervises_case_cases_q(user, prefix)
    is_worker = user.has_role(Role.MEDIATOR) or user.has_role(Role.LIAISON)
    if _active(user) and is_worker and user.unit_id:
        seen |= _on(prefix, unit_id=user.unit_id) | _on(prefix, created_by=user.pk)
    return seen


def units_seen(user: User) -> Q:
    """The units whose cases a person may filter by: the whole tree for administrators, a supervisor's subtree."""
    if is_administrator(user):
        return Q()
    if _active(user) and user.has_role(Role.SUPERVISOR) and user.unit is not None:
        return Q(path__startswith=user.unit.path)
    return NOTHING


def shows_personal_data(case: CaseAtUnit, user: User, *, took_part: bool) -> bool:
    """Parties' phone and ID numbers: to administrators, the case's workers (``works_case``: its own unit's
    mediators or liaison officers, while it is at their unit) and whoever else holds or held one of its tasks
    (``took_part``: a professional after claiming, a supervisor who worked a step). A worker of the case's kind
    sees them through their unit only: once the case leaves it (escalated to the unit above), the mediator who
    registered or triaged it no longer works it and sees them masked, like anyone not working the case; the
    steps they held there do not keep them open."""
    if is_administrator(user) or works_case(case, user):
        return True
    return _active(user) and took_part and not user.has_role(worker_role(case))


def shows_personal_data_cases_q(user: User, prefix: str = "", took_part: Q = NOTHING) -> Q:
    """``shows_personal_data`` as a filter on cases (or rows reaching them through ``prefix``); ``took_part``:
    the cases the user holds or held a step of. Searching by a phone number finds only these cases: nobody
    learns whose number it is from a search where the page would show it masked."""
    if is_administrator(user):
        return Q()
    if not _active(user):
        return NOTHING
    worker_kinds = [kind for kind in CaseKind if user.has_role(worker_role_for_kind(kind))]
    return works_case_cases_q(user, prefix) | (took_part & ~_on(prefix, kind__in=worker_kinds))


def may_unmask(case: Case, user: User) -> bool:
    """Showing the personal data to someone not working the case, with a reason (audited)."""
    return is_administrator(user) or supervises_case(case, user)


# ---- evidence attachments: like the personal data, and the case's supervisors ----------------------------


def sees_attachments(case: Case, user: User, *, took_part: bool) -> bool:
    """A case's attachments (photos of IDs and contracts): to whoever sees its parties' personal data
    (``shows_personal_data``: a professional only once they claimed one of its steps) and to its supervisors,
    who judge the work and may remove a file. Someone who sees the case otherwise (a professional before
    claiming, a worker of the other kind in the unit) does not."""
    return shows_personal_data(case, user, took_part=took_part) or supervises_case(case, user)


def may_remove_attachment(case: Case, user: User, *, uploaded_by_id: int, took_part: bool) -> bool:
    """Removing one: whoever added it (while they still see it), a supervisor of the case or an
    administrator. Adding one: whoever sees them (``sees_attachments``). Either only while the case is open
    (``cases.services.attachments``)."""
    if is_administrator(user) or supervises_case(case, user):
        return True
    return uploaded_by_id == user.pk and sees_attachments(case, user, took_part=took_part)


# ---- notes on a case: the people who see it through their work, never its parties -------------------------


def sees_notes(case: Case, user: User, *, took_part: bool) -> bool:
    """The case's notes (备注), to read and to write, and who a note may @mention: whoever sees the case by unit
    and role (``sees_case``: administrators, its supervisors, its unit's workers, who registered it) and whoever
    holds or held one of its steps (``took_part``). A professional who only finds the case in their queue does
    not, until they claim; parties never (they have no account; ``/track/`` shows no note)."""
    return sees_case(case, user) or (_active(user) and took_part)


def sees_notes_people_q(case: Case) -> Q:
    """``sees_notes`` as a filter on people (``took_part`` through ``CaseParticipant``)."""
    by_work = Q(is_active=True) & (
        Q(groups__name__in=[Role.MEDIATOR, Role.LIAISON], unit_id=case.unit_id)
        | Q(groups__name__in=[Role.MEDIATOR, Role.LIAISON], pk=case.created_by_id, unit__isnull=False)
    )
    participants = Q(is_active=True, pk__in=case.participants.values("person_id"))
    return administrators_people_q() | supervises_case_people_q(case) | by_work | participants


# ---- the board -------------------------------------------------------------------------------------------


def board_root(user: User) -> Unit | None:
    """The root of the board a person may watch: the whole tree for an administrator, a supervisor's unit."""
    if is_administrator(user):
        return Unit.objects.get_first_root_node()
    if _active(user) and user.has_role(Role.SUPERVISOR) and user.unit_id:
        return user.unit
    return None


def has_board(user: User) -> bool:
    """``board_root`` is not None, without its query."""
    return is_administrator(user) or (_active(user) and user.has_role(Role.SUPERVISOR) and bool(user.unit_id))


# ---- registering a case ----------------------------------------------------------------------------------


def may_register(user: User, unit: Unit, kind: str) -> bool:
    """A worker of the kind in their own unit; a supervisor anywhere in their subtree."""
    if not _active(user):
        return False
    as_worker = user.has_role(worker_role_for_kind(kind)) and unit.pk == user.unit_id
    return as_worker or (user.has_role(Role.SUPERVISOR) and unit_contains(user.unit, unit))


def may_register_somewhere(user: User, kind: str) -> bool:
    """``may_register`` holds for some unit (their own): the intake page and its menu link."""
    return (
        _active(user)
        and user.unit_id is not None
        and (user.has_role(worker_role_for_kind(kind)) or user.has_role(Role.SUPERVISOR))
    )


# ---- meetings: people of the case's district (市/区 level) may be invited -------------------------------


def _district_path(unit: Unit) -> str:
    return unit.path[: Unit.steplen * min(unit.depth, 2)]


def may_attend(case: Case, user: User) -> bool:
    return bool(
        user.is_active and user.unit is not None and user.unit.path.startswith(_district_path(case.unit))
    )


def may_attend_people_q(case: Case) -> Q:
    return Q(is_active=True, unit__path__startswith=_district_path(case.unit))


def same_district(unit: Unit, other: Unit) -> bool:
    """Both units lie in the same 市/区 (the district level ``may_attend`` uses)."""
    return other.path.startswith(_district_path(unit))

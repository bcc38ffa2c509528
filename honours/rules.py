"""Who may do what with honours, targets, activities and assessment sheets: each rule once, a predicate and,
where lists need it, its query form beside it. Built on ``cases.rules`` (active people, administrators, the
unit tree, districts); nothing here re-decides a case rule.

- A supervisor nominates people of their unit's subtree; the supervisors one level above the nominating unit
  (whose unit contains its parent) decide; a nomination made at the top unit is decided by an administrator.
- The scope of every page: an administrator sees the whole tree, a supervisor their subtree, anyone else their
  own unit only. A unit never sees another unit's figures or sheets unless it supervises it.
- A supervisor sets the 六个一 targets of the units they supervise and assesses them (never their own unit);
  liaison officers of the unit's district, and the unit's own workers, log its activities; whoever logged an
  activity corrects it while its year is open (the calendar year it took place in, until that year ends).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from cases import rules
from cases.models.org import OrganisationType, Role, Unit
from honours.models import NominationState

if TYPE_CHECKING:
    from cases.models import User
    from honours.models import Activity, Nomination


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _supervisor(user: User) -> bool:
    return _active(user) and user.has_role(Role.SUPERVISOR) and user.unit_id is not None


# ---- scope: which units' honours, figures and sheets a person sees ---------------------------------------


def supervises_unit(user: User, unit: Unit) -> bool:
    """An administrator, or a supervisor of the unit or of a unit above it."""
    return rules.is_administrator(user) or (_supervisor(user) and rules.unit_contains(user.unit, unit))


def sees_unit(user: User, unit: Unit) -> bool:
    """Whoever supervises the unit, and its own members."""
    return supervises_unit(user, unit) or (_active(user) and user.unit_id == unit.pk)


def units_in_scope_q(user: User, prefix: str = "") -> Q:
    """``sees_unit`` as a filter on units (or rows reaching a unit through ``prefix``, e.g. ``unit__``)."""
    if rules.is_administrator(user):
        return Q()
    if _supervisor(user):
        assert user.unit is not None
        return Q(**{prefix + "path__startswith": user.unit.path})
    if _active(user) and user.unit_id is not None:
        return Q(**{(prefix + "pk") if prefix else "pk": user.unit_id})
    return rules.NOTHING


def scope_root(user: User) -> Unit | None:
    """The top unit of what the person sees (the whole tree's root for an administrator)."""
    if rules.is_administrator(user):
        return Unit.objects.get_first_root_node()
    return user.unit if _active(user) else None


# ---- 三师先锋 and commendations -----------------------------------------------------------------------------


def nominates_somewhere(user: User) -> bool:
    return _supervisor(user)


def nominates(user: User, person: User) -> bool:
    """A supervisor puts forward an active person of their subtree, never themselves."""
    return (
        _supervisor(user)
        and person.pk != user.pk
        and person.is_active
        and person.unit is not None
        and rules.unit_contains(user.unit, person.unit)
    )


def nominees_q(user: User) -> Q:
    """``nominates`` as a filter on people."""
    if not _supervisor(user):
        return rules.NOTHING
    assert user.unit is not None
    return Q(is_active=True, unit__path__startswith=user.unit.path) & ~Q(pk=user.pk)


def decides_nomination(nomination: Nomination, user: User) -> bool:
    """A supervisor one level above the nominating unit (their unit contains its parent), never the nominator;
    an administrator for a nomination made at the top unit."""
    if user.pk == nomination.nominated_by_id:
        return False
    nominating = nomination.nominating_unit
    if nominating.depth == 1:
        return rules.is_administrator(user)
    # their unit contains the nominating unit's parent: the nominating unit lies strictly below their unit
    return (
        _supervisor(user)
        and rules.unit_contains(user.unit, nominating)
        and nominating.depth > user.unit.depth  # type: ignore[union-attr]  # _supervisor: a unit
    )


def decides_nominations_q(user: User) -> Q:
    """``decides_nomination`` as a filter on nominations."""
    if not _active(user):
        return rules.NOTHING
    decided = rules.NOTHING
    if rules.is_administrator(user):
        decided |= Q(nominating_unit__depth=1)
    if _supervisor(user):
        assert user.unit is not None
        # their unit contains the nominating unit's parent: the nominating unit lies strictly below their unit
        decided |= Q(
            nominating_unit__path__startswith=user.unit.path, nominating_unit__depth__gt=user.unit.depth
        )
    return decided & ~Q(nominated_by=user.pk)


def sees_nomination(nomination: Nomination, user: User) -> bool:
    """Whoever supervises the nominee's unit (the nominator and the deciders do), the nominator, and the nominee
    once it is approved (a pending or refused one, with its reason, is the supervisors' business)."""
    if not _active(user):
        return False
    nominee = user.pk == nomination.person_id and nomination.state == NominationState.APPROVED
    return (
        supervises_unit(user, nomination.unit)
        or nominee
        or user.pk == nomination.nominated_by_id
        or decides_nomination(nomination, user)
    )


def sees_nominations_q(user: User) -> Q:
    if rules.is_administrator(user):
        return Q()
    if not _active(user):
        return rules.NOTHING
    seen = Q(person=user.pk, state=NominationState.APPROVED) | Q(nominated_by=user.pk)
    if _supervisor(user):
        assert user.unit is not None
        seen |= Q(unit__path__startswith=user.unit.path) | decides_nominations_q(user)
    return seen


# ---- 六个一 annual tasks ---------------------------------------------------------------------------------


def has_annual_tasks(unit: Unit) -> bool:
    return unit.organisation_type in (OrganisationType.SERVICE_TEAM, OrganisationType.NEW_UNION)


def sets_targets(user: User, unit: Unit) -> bool:
    """A supervisor above the unit (or an administrator) sets its targets, never the unit itself."""
    return has_annual_tasks(unit) and supervises_unit(user, unit) and user.unit_id != unit.pk


def logs_activities(user: User, unit: Unit) -> bool:
    """Liaison officers of the unit's district, and the unit's own liaison officers and mediators."""
    if not (_active(user) and has_annual_tasks(unit) and user.unit is not None):
        return False
    if user.unit_id == unit.pk and (user.has_role(Role.LIAISON) or user.has_role(Role.MEDIATOR)):
        return True
    return user.has_role(Role.LIAISON) and rules.same_district(unit, user.unit)


def year_open(year: int) -> bool:
    """An activity's year takes corrections until it ends (then its progress is the year's record)."""
    return year >= timezone.localdate().year


def edits_activity(user: User, activity: Activity) -> bool:
    """Who logged it, while they still log the unit's activities (a liaison officer moved to another district
    no longer does). The year being open is checked apart: it has a message of its own."""
    return activity.logged_by_id == user.pk and logs_activities(user, activity.unit)


def sees_annual_tasks(user: User, unit: Unit) -> bool:
    return has_annual_tasks(unit) and (sees_unit(user, unit) or logs_activities(user, unit))


# ---- 五强 / 六好 assessment ------------------------------------------------------------------------------


def is_assessed(unit: Unit) -> bool:
    return unit.organisation_type in (OrganisationType.NEW_UNION, OrganisationType.STUDIO)


def assesses(user: User, unit: Unit) -> bool:
    """A supervisor above the unit (or an administrator); a unit never grades itself."""
    return is_assessed(unit) and supervises_unit(user, unit) and user.unit_id != unit.pk


def sees_sheets(user: User, unit: Unit) -> bool:
    """The unit's own members and whoever supervises it; any other unit: not even that it has sheets."""
    return is_assessed(unit) and sees_unit(user, unit)

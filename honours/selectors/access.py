"""Reads with their access rule (``honours.rules``): what a person may not see is a ``NotFound`` (404), never
a 403, so nobody learns that another unit has a nomination, an activity or a sheet."""

from collections.abc import Callable

from django.db.models import QuerySet

from cases.errors import NotFound
from cases.models import OrganisationType, Unit, User
from honours import rules
from honours.models import (
    Activity,
    ActivityPhoto,
    AssessmentSheet,
    Nomination,
    NominationState,
)


def _nominations() -> QuerySet[Nomination]:
    return Nomination.objects.select_related(
        "person", "person__unit", "unit", "nominated_by", "nominating_unit", "decided_by"
    )


def nomination_get_for_user(*, nomination_id: int, user: User) -> Nomination:
    nomination = _nominations().filter(pk=nomination_id).first()
    if nomination is None or not rules.sees_nomination(nomination, user):
        raise NotFound()
    return nomination


def nominations_for_user(*, user: User) -> QuerySet[Nomination]:
    """Every nomination the person sees, newest first."""
    return _nominations().filter(rules.sees_nominations_q(user)).distinct()


def nominations_to_decide(*, user: User) -> QuerySet[Nomination]:
    return _nominations().filter(rules.decides_nominations_q(user), state=NominationState.PENDING)


def honour_roll(*, user: User, year: int) -> QuerySet[Nomination]:
    """The approved honours of a year in the person's scope, by honour, unit and name."""
    return (
        _nominations()
        .filter(rules.units_in_scope_q(user, "unit__"), year=year, state=NominationState.APPROVED)
        .order_by("kind", "unit__path", "person__display_name", "person__username")
    )


def nominees_for(*, user: User) -> QuerySet[User]:
    return (
        User.objects.filter(rules.nominees_q(user))
        .select_related("unit")
        .order_by("unit__path", "display_name", "username")
    )


def unit_get_for_user(*, unit_id: int, user: User, rule: Callable[[User, Unit], bool]) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not rule(user, unit):
        raise NotFound()
    return unit


def _typed_units(*types: str) -> QuerySet[Unit]:
    return Unit.objects.filter(organisation_type__in=types).order_by("path")


def annual_task_units(*, user: User) -> list[Unit]:
    """The service teams and 新联会 whose 六个一 tasks the person sees (a handful of units: one query)."""
    units = _typed_units(OrganisationType.SERVICE_TEAM, OrganisationType.NEW_UNION)
    return [unit for unit in units if rules.sees_annual_tasks(user, unit)]


def assessed_units(*, user: User) -> list[Unit]:
    units = _typed_units(OrganisationType.NEW_UNION, OrganisationType.STUDIO)
    return [unit for unit in units if rules.sees_sheets(user, unit)]


def activities_of(*, unit: Unit, year: int) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(unit=unit, held_on__year=year)
        .select_related("logged_by")
        .prefetch_related("photos")
    )


def activity_get_for_user(*, activity_id: int, user: User) -> Activity:
    """An activity of a unit whose annual tasks the person sees (else ``NotFound``)."""
    activity = Activity.objects.select_related("unit", "logged_by").filter(pk=activity_id).first()
    if activity is None or not rules.sees_annual_tasks(user, activity.unit):
        raise NotFound()
    return activity


def activity_ids_editable(*, user: User, unit: Unit, year: int) -> set[int]:
    """The activities of ``unit`` in ``year`` that ``user`` may correct (``rules.edits_activity``), at once."""
    if not (rules.year_open(year) and rules.logs_activities(user, unit)):
        return set()
    return set(activities_of(unit=unit, year=year).filter(logged_by=user).values_list("pk", flat=True))


def photo_get_for_user(*, photo_id: int, user: User) -> ActivityPhoto:
    photo = ActivityPhoto.objects.select_related("activity__unit").filter(pk=photo_id).first()
    if photo is None or not rules.sees_annual_tasks(user, photo.activity.unit):
        raise NotFound()
    return photo


def sheets_of(*, unit: Unit) -> QuerySet[AssessmentSheet]:
    return AssessmentSheet.objects.filter(unit=unit).select_related("assessed_by")


def sheet_get_for_user(*, sheet_id: int, user: User) -> AssessmentSheet:
    sheet = (
        AssessmentSheet.objects.select_related("unit", "assessed_by")
        .prefetch_related("rows")
        .filter(pk=sheet_id)
        .first()
    )
    if sheet is None or not rules.sees_sheets(user, sheet.unit):
        raise NotFound()
    return sheet

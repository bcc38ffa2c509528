"""System checks of the work calendar (``manage.py check``, and before every command that runs checks).

``cases.W001``: the coming 60 days reach a year the calendar has no row for (deadlines there count weekends
only). ``cases.W002``: next year has no row yet. ``cases.E001``: ``WORKING_HOURS`` is malformed.

The coverage check reads the database, unlike most checks: it says nothing when the table is not there yet
(before ``migrate``) or the database cannot be reached.
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from cases.models import CalendarDay
from cases.workdays import calendar_gaps, working_periods


def _for_cases(app_configs: Sequence[AppConfig] | None) -> bool:
    return app_configs is None or any(config.label == "cases" for config in app_configs)


@checks.register()
def work_calendar_covered(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if not _for_cases(app_configs):
        return []
    try:
        if CalendarDay._meta.db_table not in connection.introspection.table_names():
            return []
        gaps = calendar_gaps()
    except DatabaseError:
        return []
    hint = _(
        "Import the year's days in the admin (Work calendar → Import from file), or upgrade the chinesecalendar "
        "package and run `manage.py workcalendar seed`."
    )
    return [
        checks.Warning(
            gap.message, hint=hint, obj="cases.CalendarDay", id="cases.W001" if gap.soon else "cases.W002"
        )
        for gap in gaps
    ]


@checks.register()
def working_hours_valid(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if not _for_cases(app_configs):
        return []
    try:
        working_periods()
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint='Set WORKING_HOURS to "start-end" periods in order, e.g. "08:30-12:00,13:30-17:30".',
                id="cases.E001",
            )
        ]
    return []

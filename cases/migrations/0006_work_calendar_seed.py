"""Seeds the work calendar from the chinesecalendar package (2004–2026 in version 1.11), so that every database,
fresh or upgraded, counts working days right from its first deadline without anyone running a command.

Self-contained on purpose (a migration must not follow the app's code as it changes); the same rule as
``manage.py workcalendar seed``: only years with no row at all are filled, so administrators' edits stay.
"""

import datetime

from django.db import migrations


def seed(apps, schema_editor):
    try:
        from chinese_calendar import constants
    except ImportError:  # the package is a dependency; without it the administrators enter the days themselves
        return
    CalendarDay = apps.get_model("cases", "CalendarDay")
    chinese = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    rows = {}
    for kind, days in (("holiday", constants.holidays), ("workday", constants.workdays)):
        for day, name in days.items():
            rows[day] = CalendarDay(date=day, kind=kind, name=chinese.get(name, name))
    db = schema_editor.connection.alias
    present = {
        day.year
        for day in CalendarDay.objects.using(db).filter(
            date__gte=datetime.date(min(rows).year, 1, 1), date__lte=datetime.date(max(rows).year, 12, 31)
        ).dates("date", "year")
    }
    CalendarDay.objects.using(db).bulk_create(
        [row for day, row in sorted(rows.items()) if day.year not in present], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_work_calendar"),
    ]

    operations = [
        # Backwards: the rows go with the table (0005), nothing to undo here.
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]

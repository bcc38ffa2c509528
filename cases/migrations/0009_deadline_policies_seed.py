"""Seeds the deadline policies from practice, so that every database counts deadlines from its first case.

同心接访 disputes: triage within 1 working day (4 working hours when urgent); the consultation held within 5
working days of the call for it (convene and consult share that window); resolution within 10; the follow-up
call within 2 of the agreement; the assessment within 5; the whole dispute within 30 calendar days of its
registration (人民调解: one month).
三师 help requests: dispatched within 1 working day (4 working hours when urgent); each advice claimed within 1 of
the dispatch (4 working hours when urgent) and given within 5 of the claim (16 working hours when urgent); the
joint session and the solution within 3 each, the enterprise's feedback within 2, the assessment within 5; the
whole request within 15 working days.

Self-contained on purpose (a migration must not follow the app's code as it changes). Administrators change the
rows afterwards (admin → Deadline policies); running this again adds only rows that are missing.
"""

from django.db import migrations

ANY, URGENT = 0, 3
DAYS, HOURS, CALENDAR_DAYS = "working_days", "working_hours", "calendar_days"

DEFAULTS = [
    # (kind, step, priority, counted from, amount, unit)
    ("dispute", "", ANY, "registered", 30, CALENDAR_DAYS),
    ("dispute", "triage", ANY, "opened", 1, DAYS),
    ("dispute", "triage", URGENT, "opened", 4, HOURS),
    ("dispute", "convene", ANY, "opened", 5, DAYS),
    ("dispute", "consult", ANY, "previous_opened", 5, DAYS),
    ("dispute", "resolution", ANY, "opened", 10, DAYS),
    ("dispute", "follow_up", ANY, "opened", 2, DAYS),
    ("dispute", "assess", ANY, "opened", 5, DAYS),
    ("help_request", "", ANY, "registered", 15, DAYS),
    ("help_request", "dispatch", ANY, "opened", 1, DAYS),
    ("help_request", "dispatch", URGENT, "opened", 4, HOURS),
    *(
        row
        for specialty in ("legal", "accounting", "tax")
        for row in (
            ("help_request", f"advise_{specialty}", ANY, "opened", 1, DAYS),
            ("help_request", f"advise_{specialty}", URGENT, "opened", 4, HOURS),
            ("help_request", f"advise_{specialty}", ANY, "claimed", 5, DAYS),
            ("help_request", f"advise_{specialty}", URGENT, "claimed", 16, HOURS),
        )
    ),
    ("help_request", "joint_session", ANY, "opened", 3, DAYS),
    ("help_request", "resolution", ANY, "opened", 3, DAYS),
    ("help_request", "feedback", ANY, "opened", 2, DAYS),
    ("help_request", "assess", ANY, "opened", 5, DAYS),
]


def seed(apps, schema_editor):
    DeadlinePolicy = apps.get_model("cases", "DeadlinePolicy")
    db = schema_editor.connection.alias
    present = set(DeadlinePolicy.objects.using(db).values_list("kind", "step", "priority", "counted_from"))
    DeadlinePolicy.objects.using(db).bulk_create(
        DeadlinePolicy(kind=kind, step=step, priority=priority, counted_from=start, amount=amount, unit=unit)
        for kind, step, priority, start, amount, unit in DEFAULTS
        if (kind, step, priority, start) not in present
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_clocks"),
    ]

    operations = [
        # Backwards: the rows go with the table (0008), nothing to undo here.
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]

"""An index on ``Case.due_at`` for the boards' overdue list (the earliest deadlines first, a page of them).

Without it the overdue list read every case of the subtree. Created with SQL so that the model's Meta stays
as it is; the index is plain and portable (PostgreSQL and SQLite).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_unmask_audit_action"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX case_due ON cases_case (due_at)",
            reverse_sql="DROP INDEX case_due",
        ),
    ]

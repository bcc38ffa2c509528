"""An index for the queues: the tasks waiting to be claimed (NEW, no owner), by node.

viewflow's Task only has an index on ``status`` alone: a queue read walked every NEW task of every node and
filtered by node and owner, which grows with the number of cases (574 rows read for 50 at 10k cases).
The index is partial, so it holds only the open queue, and it lives here because Task is viewflow's model.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("casework_flow", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX task_queue_open ON viewflow_task (flow_task, created, id) "
                "WHERE status = 'NEW' AND owner_id IS NULL"
            ),
            reverse_sql="DROP INDEX task_queue_open",
        ),
    ]

"""Who took part in each case so far: everyone who holds or held one of its tasks (``cases.CaseParticipant``,
kept by the workflow's commands from here on)."""

from django.db import migrations

BATCH = 5000


def fill(apps, schema_editor):
    Task = apps.get_model("viewflow", "Task")
    Participant = apps.get_model("cases", "CaseParticipant")
    pairs = (
        Task.objects.filter(owner__isnull=False, process__caseprocess__isnull=False)
        .values_list("process__caseprocess__case_id", "owner_id")
        .distinct()
        .order_by()
    )
    batch = []
    for case_id, person_id in pairs.iterator():
        batch.append(Participant(case_id=case_id, person_id=person_id))
        if len(batch) >= BATCH:
            Participant.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Participant.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("casework_flow", "0002_task_queue_index"),
        ("cases", "0004_participants"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

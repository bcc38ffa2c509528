from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_unmask_audit_action"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["due_at"], name="case_due"),
        ),
    ]

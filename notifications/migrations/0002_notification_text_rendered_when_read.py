from django.db import migrations


class Migration(migrations.Migration):
    """The text is rendered when read, in the reader's language, from the type and the stored parameters."""

    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RemoveField(model_name="notification", name="text")]

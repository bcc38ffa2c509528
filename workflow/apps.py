from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    label = "casework_flow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from workflow import saved_tasks  # noqa: F401  (remembers the tasks each command saves)

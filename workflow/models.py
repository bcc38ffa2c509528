from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class CaseProcess(Process):
    """A flow run over one case. A case has one open process; an escalation ends it and starts the next."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="processes")

    class Meta:
        verbose_name = _("case process")

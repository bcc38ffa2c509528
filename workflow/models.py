from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from notifications.events import held


class CaseProcess(Process):
    """A flow run over one case. A case has one open process; an escalation ends it and starts the next."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="processes")

    def save(self, *args, **kwargs):
        """viewflow saves the whole process when it finishes; the case it belongs to never changes after the
        first save, so a later save writes the process table only (one UPDATE, not one per table)."""
        if (
            self.pk is not None
            and not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            kwargs["update_fields"] = [
                field.attname for field in Process._meta.concrete_fields if not field.primary_key
            ]
        adding = self._state.adding
        super().save(*args, **kwargs)
        if (
            adding and ("case", self.case_id) in held()
        ):  # a new process of a case the command holds (its lock)
            held().add(("process", self.pk))

    class Meta:
        verbose_name = _("case process")

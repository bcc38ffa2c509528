"""What each person last chose on each of their worklists (filters and order), so that the list opens as they
left it, on any device and in any session."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Worklist(models.TextChoices):
    INBOX = "inbox", _("My tasks")
    QUEUE = "queue", _("Queue")
    ARCHIVE = "archive", _("Done")


class WorklistOrder(models.TextChoices):
    """How a worklist is ordered (the task's id breaks ties, so that pages are stable)."""

    PRIORITY = "priority", _("Most urgent first")  # the most urgent case first, then the soonest due
    DUE = "due", _("Due first")  # the step's due moment, the soonest first (steps without a deadline last)
    AGE = "age", _("Oldest first")  # the step waiting longest first
    FINISHED = "finished", _("Done last first")  # the archive's default


class WorklistPreference(models.Model):
    """The query of one worklist as its person last set it: only the fields of ``cases.forms.WorklistForm``,
    checked again whenever it is used (a step or unit that no longer exists is dropped, never a 500)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    worklist = models.CharField(_("list"), max_length=10, choices=Worklist.choices)
    query = models.JSONField(_("filters and order"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("worklist preference")
        verbose_name_plural = _("worklist preferences")
        constraints = [models.UniqueConstraint(fields=["user", "worklist"], name="worklist_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id}·{self.worklist}"

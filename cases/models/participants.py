"""Who takes part in a case: everyone who holds or held one of its steps (and was not released from it)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseParticipant(models.Model):
    """Kept by the workflow whenever a step gets an owner, is released or reassigned away. Participants follow
    the case (they hear of its transitions) and see the parties' personal data."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(_("since"), auto_now_add=True)
    # The case's registration, copied by the database when the row is inserted (a trigger: the commands that
    # add participants send nothing more), so that a professional's case list, newest first, is a range of
    # ``participant_newest`` rather than a sort of every case they ever took part in.
    case_created = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="participant_once")]
        indexes = [
            models.Index(fields=["person", "case"], name="participant_cases"),
            models.Index(fields=["person", "-case_created", "-case"], name="participant_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.person_id}"

"""Notes on a case (备注): a thread between the people who may see it, with @mentions that notify. Parties never
see it; a professional only once they took part (``rules.sees_notes``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits


class CaseNote(models.Model):
    """One note, as written: never edited (the thread is part of the case's record, like its audit trail)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=limits.REASON)
    # Who the note @mentions (each of them may see the case's notes, and heard of it).
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["case", "created_at"], name="note_thread")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.author_id}·{self.created_at:%Y-%m-%d %H:%M}"

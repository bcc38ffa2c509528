"""The party's own rating of the outcome: a single-use link that expires, sent when the follow-up (dispute) or
feedback (help request) step opens."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import limits


class SatisfactionLink(models.Model):
    """One link for one open step (``task_id``): kept as the hash of its token (``cases.tokens``). It works
    while it is unused, unexpired and its step is still open; once the party answered through it, the rating
    and comment stay here."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="satisfaction_links")
    task_id = models.BigIntegerField(_("step's task"))
    step = models.CharField(_("step"), max_length=40)
    digest = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=limits.REASON)

    class Meta:
        verbose_name = _("satisfaction link")
        verbose_name_plural = _("satisfaction links")
        indexes = [models.Index(fields=["case", "task_id"], name="satisfaction_link_step")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.step}"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

"""Returns (退回): work given back with a reason code from one list, and the receiving unit's decision on it.

Three things are returns: a task released back to the queue (by the professional who claimed it, or a
supervisor), an escalated dispute sent back by the unit it went to, to the unit that escalated it, and a
referred dispute sent back by the outside department it went to (recorded by the case's unit). Each takes a
code (``ReturnReason``; 其他 needs a text). The unit that receives it (``to_unit``) decides once: re-dispatched
(the return did not hold: the work goes out again) or upheld (it held: the unit keeps the work). Units are
counted by the returns they sent and received (``cases.selectors.returns.returns_by_unit``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits
from cases.models.org import Unit


class ReturnReason(models.TextChoices):
    """Why work goes back: one list for releases and returns alike."""

    FUNCTION = "function", _("Not within our function")
    TERRITORY = "territory", _("Not within our area")
    OWNERSHIP = "ownership", _("Responsibility unclear")
    INCOMPLETE = "incomplete", _("Information incomplete")
    OTHER = "other", _("Other (say why)")


class ReturnKind(models.TextChoices):
    RELEASE = "release", _("Task released to the queue")
    ESCALATION = "escalation", _("Escalated dispute sent back")
    REFERRAL = "referral", _("Referred dispute sent back")


class ReturnDecision(models.TextChoices):
    REDISPATCHED = "redispatched", _("Re-dispatched")
    UPHELD = "upheld", _("Upheld")


class CaseReturn(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="returns")
    kind = models.CharField(_("kind"), max_length=20, choices=ReturnKind.choices)
    code = models.CharField(_("reason code"), max_length=20, choices=ReturnReason.choices)
    reason = models.TextField(_("details"), blank=True, max_length=limits.REASON)
    # Who gives it back: a unit (the professional's, the unit a dispute was escalated to), or for a referred
    # dispute the outside department (``from_name``, the case's ``referred_to``), which is no unit here.
    from_unit = models.ForeignKey(
        Unit,
        verbose_name=_("returned by (unit)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_name = models.CharField(_("from (outside department)"), max_length=limits.REFERRED_TO, blank=True)
    to_unit = models.ForeignKey(
        Unit, verbose_name=_("returned to"), on_delete=models.PROTECT, related_name="+"
    )
    step = models.CharField(_("step"), max_length=40, blank=True)
    task_id = models.BigIntegerField(null=True, blank=True)  # the released task (viewflow's)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("returned by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=20, choices=ReturnDecision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=limits.REASON)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["created_at", "id"]
        indexes = [
            # The counts per unit (sent, received) and the returns waiting for a unit's decision.
            models.Index(fields=["from_unit", "code"], name="return_sent"),
            models.Index(fields=["to_unit", "decision"], name="return_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(code="other") | ~models.Q(reason=""), name="return_other_has_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(decision="", decided_at__isnull=True)
                | (~models.Q(decision="") & models.Q(decided_at__isnull=False)),
                name="return_decided_once_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.kind}·{self.code}"

    @property
    def is_pending(self) -> bool:
        return not self.decision

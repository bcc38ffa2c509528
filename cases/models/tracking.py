"""What the parties see of their case without an account: a secret tracking code (only its hash is kept), the
public wording of the case's state (``PublicStage``) and the progress notes a worker marks public."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits
from cases.models.case import CaseState

PUBLIC_NOTE = limits.REASON  # a public progress note is a note: audited as its reason


class PublicStage(models.TextChoices):
    """The case's state as the party reads it on ``/track/``: the steps inside the office (triage, dispatch,
    claims, the assessment) are not theirs to follow."""

    RECEIVED = "received", _("Received")
    ESCALATED = "escalated", _("Passed to the office above")
    IN_PROGRESS = "in_progress", _("Being handled")
    CONSULTING = "consulting", _("Consultation with the parties")
    RESOLVING = "resolving", _("Working out a solution")
    FOLLOW_UP = "follow_up", _("Asking for your opinion")
    CONCLUDED = "concluded", _("Concluded")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    REFERRED = "referred", _("Referred to another office")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PUBLIC_STAGE_OF_STATE: dict[str, PublicStage] = {
    CaseState.REGISTERED: PublicStage.RECEIVED,
    CaseState.SUBMITTED: PublicStage.RECEIVED,
    CaseState.ESCALATED: PublicStage.ESCALATED,
    CaseState.TRIAGED: PublicStage.IN_PROGRESS,
    CaseState.DISPATCHED: PublicStage.IN_PROGRESS,
    CaseState.CLAIMED: PublicStage.IN_PROGRESS,
    CaseState.CONSULTING: PublicStage.CONSULTING,
    CaseState.RESOLVING: PublicStage.RESOLVING,
    CaseState.FOLLOW_UP: PublicStage.FOLLOW_UP,
    CaseState.FEEDBACK: PublicStage.FOLLOW_UP,
    CaseState.COMMENDING: PublicStage.CONCLUDED,  # the office's own assessment: done as far as the party goes
    CaseState.CLOSED: PublicStage.CONCLUDED,
    CaseState.REJECTED: PublicStage.NOT_ACCEPTED,
    CaseState.REFERRED: PublicStage.REFERRED,
    CaseState.WITHDRAWN: PublicStage.WITHDRAWN,
}
# Stages after which nothing is due any more for the party.
PUBLIC_STAGES_ENDED = frozenset(
    {PublicStage.CONCLUDED, PublicStage.NOT_ACCEPTED, PublicStage.REFERRED, PublicStage.WITHDRAWN}
)


class TrackingCode(models.Model):
    """The case's tracking code, as a keyed hash (``cases.tokens.secret_digest``): the code itself is shown
    once, on the receipt (and in the receipt's SMS), and kept nowhere. Re-issuing replaces the hash, so the
    old code stops working."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="tracking_code"
    )
    digest = models.CharField(_("code hash"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("tracking code")
        verbose_name_plural = _("tracking codes")

    def __str__(self) -> str:
        return str(self.case_id)


class PublicNote(models.Model):
    """A short progress note a worker marks public: the party reads it on ``/track/`` (without its author)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="public_notes")
    text = models.TextField(_("public progress note"), max_length=PUBLIC_NOTE)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("public progress note")
        verbose_name_plural = _("public progress notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.pk}"

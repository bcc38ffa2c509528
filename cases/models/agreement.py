"""调解协议书: a dispute's mediation agreement as structured data (人民调解法 art. 28–29, 33).

Recorded at the resolution step: the parties with their roles, the facts and the matters in dispute, the agreed
terms (each with how and by when it is performed), the mediators, the committee and the date it was signed.
Signatures and fingerprints are on paper: the documents made from it (``cases.agreement_documents``) leave room
for them, one copy per party and one for the committee. Whether each term was performed (履行情况) is recorded
at the follow-up step. When the parties want 司法确认 (art. 33: they may jointly apply to the court within 30
days) the mediator is reminded on day ``CONFIRMATION_REMINDER_DAY`` after signing (a ``Timer`` of the agreement).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits
from cases.validators import validate_id_number, validate_mobile

CONFIRMATION_DAYS = 30  # art. 33: within 30 days of the agreement taking effect
CONFIRMATION_REMINDER_DAY = 20  # the mediator's reminder, counted in calendar days from signing


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")


class Performance(models.TextChoices):
    PERFORMED = "performed", _("Performed")
    PARTLY = "partly", _("Partly performed")
    NOT_PERFORMED = "not_performed", _("Not performed")


class MediationAgreement(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="agreement"
    )
    facts = models.TextField(_("facts"), max_length=limits.TEXT)
    dispute = models.TextField(_("matters in dispute"), max_length=limits.TEXT)
    mediators = models.CharField(_("mediators"), max_length=200)
    committee = models.CharField(_("people's mediation committee"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    judicial_confirmation = models.BooleanField(_("parties want judicial confirmation"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self) -> str:
        return str(self.case_id)


class AgreementParty(models.Model):
    """A party as the agreement names them, copied from the dispute when it is signed (the dispute's details may
    change later; what was signed does not)."""

    agreement = models.ForeignKey(MediationAgreement, on_delete=models.CASCADE, related_name="parties")
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])

    class Meta:
        verbose_name = _("party to the agreement")
        verbose_name_plural = _("parties to the agreement")
        ordering = ["agreement", "position"]
        constraints = [models.UniqueConstraint(fields=["agreement", "position"], name="agreement_party_once")]

    def __str__(self) -> str:
        return f"{self.agreement_id}·{self.position}"


class AgreementTerm(models.Model):
    """One agreed term: what, how it is performed, by when; and, after the follow-up, whether it was."""

    agreement = models.ForeignKey(MediationAgreement, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("number"))
    content = models.TextField(_("term"), max_length=limits.REASON)
    method = models.CharField(_("how it is performed"), max_length=200)
    deadline = models.DateField(_("performed by"))
    performance = models.CharField(_("performance"), max_length=20, choices=Performance.choices, blank=True)
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    performance_note = models.CharField(_("performance note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("agreed term")
        verbose_name_plural = _("agreed terms")
        ordering = ["agreement", "number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="agreement_term_once")]

    def __str__(self) -> str:
        return f"{self.agreement_id}·{self.number}"

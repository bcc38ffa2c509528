"""Experience cards (体验卡 "稳企赋能"): free services issued to enterprises in batches."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CardBatch(models.Model):
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey("cases.Unit", verbose_name=_("issued by"), on_delete=models.PROTECT)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    services_per_card = models.PositiveSmallIntegerField(_("free services per card"), default=3)

    class Meta:
        verbose_name = _("card batch")
        verbose_name_plural = _("card batches")

    def __str__(self) -> str:
        return self.name


class ExperienceCard(models.Model):
    batch = models.ForeignKey(CardBatch, on_delete=models.PROTECT, related_name="cards")
    code = models.CharField(_("card code"), max_length=20, unique=True)
    enterprise_name = models.CharField(_("enterprise"), max_length=100)
    services_left = models.PositiveSmallIntegerField(_("services left"))
    expires_on = models.DateField(_("expires on"))

    class Meta:
        verbose_name = _("experience card")
        verbose_name_plural = _("experience cards")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(services_left__gte=0), name="card_services_left_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.code


class CardRedemption(models.Model):
    card = models.ForeignKey(ExperienceCard, on_delete=models.PROTECT, related_name="redemptions")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="card_redemption")
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    redeemed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("card redemption")
        verbose_name_plural = _("card redemptions")

    def __str__(self) -> str:
        return f"{self.card_id}→{self.case_id}"

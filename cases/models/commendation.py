"""考核表彰: the assessment of a closed case and the points it awards (rule in ``cases.scoring``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits


class Assessment(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="assessment")
    steps_total = models.PositiveSmallIntegerField(_("steps"))
    steps_on_time = models.PositiveSmallIntegerField(_("steps on time"))
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"))
    quality_score = models.PositiveSmallIntegerField(_("quality score (1-5)"))
    comment = models.TextField(_("comment"), blank=True, max_length=limits.REASON)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return str(self.case_id)


class PointAward(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="awards")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_awards"
    )
    points = models.PositiveIntegerField(_("points"))
    breakdown = models.CharField(_("how"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("points award")
        verbose_name_plural = _("points awards")
        constraints = [models.UniqueConstraint(fields=["assessment", "person"], name="one_award_per_person")]

    def __str__(self) -> str:
        return f"{self.person_id}+{self.points}"

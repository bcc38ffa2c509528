"""议事会商: meetings of a case with the people and outside departments who attend."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits


class Meeting(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="meetings")
    scheduled_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), blank=True, related_name="meetings"
    )
    departments = models.CharField(
        _("outside departments"), max_length=300, blank=True, help_text=_("e.g. 司法局, 税务局, 12345")
    )
    minutes = models.TextField(_("minutes"), blank=True, max_length=limits.TEXT)
    decisions = models.TextField(_("decisions"), blank=True, max_length=limits.TEXT)
    held = models.BooleanField(_("held"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["scheduled_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.scheduled_at:%Y-%m-%d %H:%M}"

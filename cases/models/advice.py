from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import limits
from cases.models.org import Specialty


class Advice(models.Model):
    """A professional's answer to one specialty of a help request."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="advice")
    specialty = models.CharField(_("specialty"), max_length=20, choices=Specialty.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("advice"), max_length=limits.TEXT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("advice")
        verbose_name_plural = _("advice")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.specialty}"

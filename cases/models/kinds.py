from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    DISPUTE = "dispute", _("Micro-dispute")
    HELP_REQUEST = "help_request", _("Enterprise help request")

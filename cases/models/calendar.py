"""The work calendar (工作日历): the dates that break the Monday-to-Friday rule.

A row is a holiday (放假: a rest day, whatever the weekday) or an adjusted working day (调休: a Saturday or
Sunday worked in exchange for a holiday). A date without a row is a working day from Monday to Friday and a
rest day on Saturday and Sunday. Administrators keep the table; the math that reads it is ``cases/workdays.py``.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

SATURDAY = 5


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Adjusted working day (调休)")


class CalendarDay(models.Model):
    date = models.DateField(
        _("date"),
        unique=True,
        error_messages={
            "unique": _("The work calendar already has a row for this date; change that row instead.")
        },
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("The holiday, e.g. 国庆节."))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("work calendar")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=DayKind.values), name="calendar_day_kind")
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}".strip()

    def clean(self) -> None:
        if self.kind == DayKind.WORKDAY and self.date is not None and self.date.weekday() < SATURDAY:
            raise ValidationError(
                {
                    "kind": _(
                        "An adjusted working day (调休) must be a Saturday or a Sunday: weekdays are worked anyway."
                    )
                }
            )

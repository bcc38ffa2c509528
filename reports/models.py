"""The read model of the reports (考核表彰): figures per case, counters per unit and day, per person and day.

Nothing here is written by the engine's commands directly. ``reports.figures.figures_refresh`` follows the audit
trail (every change of a case writes an audit row in its transaction) by id and transaction horizon, recomputes
the figures of each case it touched from the engine's own tables, and applies the difference to the counters.
A report then reads counters, never cases: its cost depends on the units and days of the period, not on the
number of cases.

Counters are attributed to days: what is counted when a case comes in (received, returned, extended, 督办,
duplicates) to the day it was registered; what is counted when it ends (closed, on time, rating, reopened,
handling time) to the day it was closed. A person's steps and points on a case go to the day of the last step
they completed on it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Unit

# A rating of this or more is 满意 (satisfied): 满意 = 5 and 基本满意 = 4 (``cases.scoring``).
SATISFIED_FROM = 4


class FiguresCursor(models.Model):
    """How far the figures followed the audit trail (one row): the last audit id read and the horizon of that
    read (``notifications.horizon``), so that a row committed late, with a smaller id, is still read."""

    after = models.BigIntegerField(default=0)
    horizon = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("figures cursor")
        verbose_name_plural = _("figures cursors")

    def __str__(self) -> str:
        return f"{self.after}/{self.horizon}"


class CaseFigures(models.Model):
    """What one case counts for, as last computed (the refresh subtracts it before adding the new figures)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    category = models.CharField(max_length=20)
    received_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    on_time = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    returned = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    extended = models.BooleanField(default=False)
    orders = models.PositiveIntegerField(default=0)
    duplicate = models.BooleanField(default=False)
    handling_days = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("case figures")
        verbose_name_plural = _("case figures")

    def __str__(self) -> str:
        return str(self.case_id)


class UnitDay(models.Model):
    """The counters of one unit (its own cases, not its subtree's), day, kind and category."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)  # the unit's path: a subtree is ``path__startswith``
    day = models.DateField()
    kind = models.CharField(max_length=20)
    category = models.CharField(max_length=20)
    received = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0)
    handling_days = models.FloatField(default=0)  # summed over the closed cases

    class Meta:
        verbose_name = _("unit figures of a day")
        verbose_name_plural = _("unit figures of a day")
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "kind", "category"], name="reports_unit_day_once")
        ]
        indexes = [models.Index(fields=["day", "path"], name="reports_unit_day_period")]

    def __str__(self) -> str:
        return f"{self.unit_id}·{self.day}·{self.kind}·{self.category}"


class PersonCaseFigures(models.Model):
    """What one case counts for one person who completed steps of it (or was awarded points on it)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    steps = models.IntegerField(default=0)
    steps_on_time = models.IntegerField(default=0)
    points = models.IntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("person's case figures")
        verbose_name_plural = _("person's case figures")
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="reports_person_case_once")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.person_id}"


class PersonDay(models.Model):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    steps = models.IntegerField(default=0)
    steps_on_time = models.IntegerField(default=0)
    points = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("person figures of a day")
        verbose_name_plural = _("person figures of a day")
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="reports_person_day_once")]
        indexes = [models.Index(fields=["day", "person"], name="reports_person_day_period")]

    def __str__(self) -> str:
        return f"{self.person_id}·{self.day}"


def _weight() -> list:
    return [MinValueValidator(0), MaxValueValidator(100)]


class RankingWeights(models.Model):
    """The 红黑榜 formula (one row, kept by administrators): a unit's score is

    score = w_on_time × 按时办结率 + w_satisfaction × 满意率 − w_bounce × 回退率 − w_reopen × 重办率

    with each rate in percent; only units that received at least ``minimum_cases`` in the period are ranked."""

    on_time = models.PositiveSmallIntegerField(
        _("weight of the on-time rate"), default=40, validators=_weight()
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("weight of the satisfaction rate"), default=30, validators=_weight()
    )
    bounce = models.PositiveSmallIntegerField(
        _("weight of the return rate"), default=15, validators=_weight()
    )
    reopen = models.PositiveSmallIntegerField(
        _("weight of the reopen rate"), default=15, validators=_weight()
    )
    minimum_cases = models.PositiveIntegerField(
        _("fewest cases received to be ranked"), default=1, validators=[MaxValueValidator(100000)]
    )

    class Meta:
        verbose_name = _("red and black list weights")
        verbose_name_plural = _("red and black list weights")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "RankingWeights":
        return cls.objects.order_by("pk").first() or cls()

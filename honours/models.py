"""考核表彰 beyond points: 三师先锋 and commendations (nominated, then decided one level up), the 六个一 annual
tasks of a service team (targets per year, an activity log with photos), the 五强 / 六好 scoring sheet of a
unit per year, and the append-only trail of all of it.

Who may do what is ``honours.rules``; every write is a command in ``honours.services``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import limits
from cases.models.attachments import StoredFile
from cases.models.org import OrganisationType

PLACE = 200  # as a meeting's place
TOPIC = 200
CITATION = limits.REASON

# ---- 三师先锋 and commendations ---------------------------------------------------------------------------


class HonourKind(models.TextChoices):
    PIONEER = "pioneer", _("Three-professionals pioneer (三师先锋)")
    COMMENDATION = "commendation", _("Commendation of merit")


class NominationState(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Nomination(ConcurrentTransitionMixin, models.Model):
    """A person put forward for an honour of a year by a supervisor of a unit above them; decided by a
    supervisor one level above the nominating unit (``rules.decides_nomination``)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="+"
    )
    # The nominee's unit when nominated: where the honour shows on the roll, and whose supervisors see it.
    unit = models.ForeignKey("cases.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("honour"), max_length=20, choices=HonourKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    citation = models.TextField(_("citation"), max_length=CITATION)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("nominated by"), on_delete=models.PROTECT, related_name="+"
    )
    nominating_unit = models.ForeignKey(
        "cases.Unit", verbose_name=_("nominating unit"), on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=NominationState.choices,
        default=NominationState.PENDING,
        protected=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True, max_length=limits.REASON)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-nominated_at", "-id"]
        constraints = [
            # A person is put forward for an honour once a year (a refused nomination may be made again).
            models.UniqueConstraint(
                fields=["person", "kind", "year"],
                condition=~models.Q(state=NominationState.REFUSED),
                name="nomination_once_a_year",
                violation_error_message=_("This person is already nominated for this honour this year."),
            ),
        ]
        indexes = [models.Index(fields=["year", "state"], name="nomination_roll")]

    def __str__(self) -> str:
        return f"{self.year}·{self.kind}·{self.person_id}"

    @transition(field=state, source=NominationState.PENDING, target=NominationState.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=NominationState.PENDING, target=NominationState.REFUSED)
    def refuse(self) -> None:
        pass


# ---- 六个一 annual tasks ---------------------------------------------------------------------------------


class AnnualTask(models.TextChoices):
    VISIT = "visit", _("One visit to the parks (一次入园服务)")
    PROBLEMS = "problems", _("Solve a batch of real problems (解决一批现实问题)")
    PROXY = "proxy", _("Offer a batch of proxy services (推出一批代办服务)")
    KNOWLEDGE = "knowledge", _("One round of knowledge sessions (一轮知识普及)")
    PIONEERS = "pioneers", _("Name a batch of pioneers (选树一批三师先锋)")
    BRANDS = "brands", _("Build a batch of service brands (打造一批服务品牌)")


# The tasks the data cannot count: logged as activities by the liaison officers.
LOGGED_TASKS = (AnnualTask.VISIT, AnnualTask.KNOWLEDGE, AnnualTask.BRANDS)
ANNUAL_TASK_UNITS = (OrganisationType.SERVICE_TEAM, OrganisationType.NEW_UNION)


class AnnualTarget(models.Model):
    unit = models.ForeignKey("cases.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    task = models.CharField(_("task"), max_length=20, choices=AnnualTask.choices)
    target = models.PositiveSmallIntegerField(_("target"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "task"], name="annual_target_once")]

    def __str__(self) -> str:
        return f"{self.unit_id}·{self.year}·{self.task}={self.target}"


class ActivityTask(models.TextChoices):
    """The 六个一 tasks an activity is logged for (``LOGGED_TASKS``)."""

    VISIT = AnnualTask.VISIT.value, AnnualTask.VISIT.label
    KNOWLEDGE = AnnualTask.KNOWLEDGE.value, AnnualTask.KNOWLEDGE.label
    BRANDS = AnnualTask.BRANDS.value, AnnualTask.BRANDS.label


class Activity(models.Model):
    unit = models.ForeignKey(
        "cases.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="honour_activities"
    )
    task = models.CharField(_("task"), max_length=20, choices=ActivityTask.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=PLACE)
    topic = models.CharField(_("topic"), max_length=TOPIC)
    people_reached = models.PositiveIntegerField(_("people reached"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["unit", "held_on"], name="activity_unit_day")]

    def __str__(self) -> str:
        return f"{self.held_on}·{self.topic}"


class ActivityPhoto(StoredFile):
    """A photo (or scan) of an activity, checked as evidence attachments are (``cases.attachments``) and kept
    in the same storage under a random name."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# ---- 五强 / 六好 assessment ------------------------------------------------------------------------------


class Scheme(models.TextChoices):
    FIVE_STRONG = "five_strong", _("Five strengths (五强新联会)")
    SIX_GOOD = "six_good", _("Six goods (六好工作室)")


SCHEME_OF: dict[str, Scheme] = {
    OrganisationType.NEW_UNION: Scheme.FIVE_STRONG,
    OrganisationType.STUDIO: Scheme.SIX_GOOD,
}


class Criterion(models.TextChoices):
    POLITICAL = "political", _("Strong political leadership (政治引领力强)")
    DEVELOPMENT = "development", _("Strong service to development (服务发展力强)")
    COHESION = "cohesion", _("Strong cohesion (组织凝聚力强)")
    EXAMPLE = "example", _("Strong example to others (示范带动力强)")
    INFLUENCE = "influence", _("Strong social influence (社会影响力强)")
    PARTY = "party", _("Good Party-building leadership (党建引领好)")
    RULES = "rules", _("Good rules and procedures (制度规范好)")
    VENUE = "venue", _("Good venue (阵地建设好)")
    ACTIVITIES = "activities", _("Good activities and results (活动成效好)")
    TEAM = "team", _("Good team building (队伍建设好)")
    SUPPORT = "support", _("Good working support (工作保障好)")


CRITERIA = {
    Scheme.FIVE_STRONG: (
        Criterion.POLITICAL,
        Criterion.DEVELOPMENT,
        Criterion.COHESION,
        Criterion.EXAMPLE,
        Criterion.INFLUENCE,
    ),
    Scheme.SIX_GOOD: (
        Criterion.PARTY,
        Criterion.RULES,
        Criterion.VENUE,
        Criterion.ACTIVITIES,
        Criterion.TEAM,
        Criterion.SUPPORT,
    ),
}
# Weights when the table holds none (each scheme's weights sum to 100); the migration seeds these rows.
DEFAULT_WEIGHTS = {
    Criterion.POLITICAL: 25,
    Criterion.DEVELOPMENT: 20,
    Criterion.COHESION: 20,
    Criterion.EXAMPLE: 15,
    Criterion.INFLUENCE: 20,
    Criterion.PARTY: 20,
    Criterion.RULES: 15,
    Criterion.VENUE: 15,
    Criterion.ACTIVITIES: 20,
    Criterion.TEAM: 15,
    Criterion.SUPPORT: 15,
}


class CriterionWeight(models.Model):
    """The weight of a criterion on new sheets (kept in the admin); a submitted sheet keeps the weights it
    was scored with."""

    criterion = models.CharField(_("criterion"), max_length=20, choices=Criterion.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("weight"))

    class Meta:
        verbose_name = _("criterion weight")
        verbose_name_plural = _("criterion weights")
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=100), name="weight_1_100")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.weight}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    GOOD = "good", _("Good (良好)")
    PASS = "pass", _("Pass (合格)")
    FAIL = "fail", _("Fail (不合格)")


# The lowest weighted score (0–100) of each grade, best first; below the last one: fail.
GRADE_THRESHOLDS = ((Decimal(90), Grade.EXCELLENT), (Decimal(75), Grade.GOOD), (Decimal(60), Grade.PASS))
MAX_SCORE = 100


def grade_for(total: Decimal) -> Grade:
    for lowest, grade in GRADE_THRESHOLDS:
        if total >= lowest:
            return grade
    return Grade.FAIL


class AssessmentSheet(models.Model):
    """One submitted 五强 / 六好 sheet of a unit for a year: never changed afterwards; a later sheet of the
    same unit and year is a re-assessment, and every one stays in the unit's history."""

    unit = models.ForeignKey(
        "cases.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessment_sheets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    scheme = models.CharField(_("scheme"), max_length=20, choices=Scheme.choices)
    total = models.DecimalField(_("weighted score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    note = models.TextField(_("overall note"), blank=True, max_length=limits.REASON)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment sheet")
        verbose_name_plural = _("assessment sheets")
        ordering = ["-year", "-submitted_at", "-id"]
        indexes = [models.Index(fields=["unit", "year"], name="sheet_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit_id}·{self.year}·{self.grade}"


class SheetRow(models.Model):
    sheet = models.ForeignKey(AssessmentSheet, on_delete=models.CASCADE, related_name="rows")
    criterion = models.CharField(_("criterion"), max_length=20, choices=Criterion.choices)
    weight = models.PositiveSmallIntegerField(_("weight"))
    score = models.PositiveSmallIntegerField(_("score (0-100)"))
    note = models.TextField(_("note"), blank=True, max_length=limits.REASON)
    # The figures shown as evidence when the sheet was scored ({"figure": value}), kept with it.
    evidence = models.JSONField(_("evidence"), default=dict)

    class Meta:
        verbose_name = _("sheet row")
        verbose_name_plural = _("sheet rows")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="sheet_row_once"),
            models.CheckConstraint(condition=models.Q(score__lte=MAX_SCORE), name="sheet_score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.score}"


# ---- the trail -------------------------------------------------------------------------------------------


class HonourAction(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    APPROVED = "approved", _("Nomination approved")
    REFUSED = "refused", _("Nomination refused")
    TARGETS_SET = "targets_set", _("Annual targets set")
    ACTIVITY_LOGGED = "activity_logged", _("Activity logged")
    ACTIVITY_EDITED = "activity_edited", _("Activity edited")
    PHOTO_ADDED = "photo_added", _("Activity photo added")
    SHEET_SUBMITTED = "sheet_submitted", _("Assessment sheet submitted")


class HonourAuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Honour audit entries are append-only.")

    def delete(self):
        raise TypeError("Honour audit entries are append-only.")


class HonourAuditEntry(models.Model):
    """Who did what to which honour, target, activity or sheet (its id in ``target_id``), in the same
    transaction as the change. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=HonourAction.choices)
    unit = models.ForeignKey("cases.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    target_id = models.BigIntegerField(_("record"))
    detail = models.TextField(_("detail"), blank=True, max_length=limits.REASON)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = HonourAuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("honour audit entry")
        verbose_name_plural = _("honour audit entries")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action}·{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Honour audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Honour audit entries are append-only.")

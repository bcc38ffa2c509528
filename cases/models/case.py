"""One case table for both kinds, so that a supervisor's queue is one paginated query.

The state is a protected django-fsm field: transitions only set fields; services save, audit and notify.
Kind-specific data lives beside the case in ``DisputeDetail`` / ``HelpRequestDetail``.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField

from cases import rules
from cases.models import limits
from cases.models.kinds import CaseKind
from cases.models.org import Specialty, Unit
from cases.validators import validate_credit_code, validate_id_number, validate_mobile

if TYPE_CHECKING:
    from django_fsm import State

    from cases.models.org import User

    _Method = TypeVar("_Method", bound=Callable[..., None])

    # django-fsm-2's ``transition`` as the type checker sees it here. django-fsm types a condition as taking any
    # model and a permission as taking any model and any user; it calls them with this case and the user asked
    # about, and the rules take a ``Case`` and a ``User`` (``rules._active`` answers an ``AnonymousUser``).
    def transition(
        *,
        field: FSMField,
        source: str | Sequence[str],
        target: str | State,
        conditions: list[Callable[["Case"], bool]] | None = None,
        permission: Callable[["Case", User], bool] | None = None,
    ) -> Callable[[_Method], _Method]: ...

else:
    from django_fsm import transition


class CaseState(models.TextChoices):
    # micro-dispute
    REGISTERED = "registered", _("Registered")
    TRIAGED = "triaged", _("Triaged")
    # enterprise help request
    SUBMITTED = "submitted", _("Submitted")
    DISPATCHED = "dispatched", _("Dispatched")
    CLAIMED = "claimed", _("Claimed")
    # both
    CONSULTING = "consulting", _("Consultation")
    RESOLVING = "resolving", _("Resolution")
    FOLLOW_UP = "follow_up", _("Follow-up")
    FEEDBACK = "feedback", _("Feedback")
    COMMENDING = "commending", _("Commendation")
    CLOSED = "closed", _("Closed")
    # side exits
    REJECTED = "rejected", _("Rejected")
    REFERRED = "referred", _("Referred")
    ESCALATED = "escalated", _("Escalated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


TERMINAL_STATES = frozenset({CaseState.CLOSED, CaseState.REJECTED, CaseState.REFERRED, CaseState.WITHDRAWN})
# Each kind's main line, in workflow order, then its side exits.
DISPUTE_MAIN_LINE = (
    CaseState.REGISTERED,
    CaseState.TRIAGED,
    CaseState.CONSULTING,
    CaseState.RESOLVING,
    CaseState.FOLLOW_UP,
    CaseState.COMMENDING,
    CaseState.CLOSED,
)
DISPUTE_STATES = (
    *DISPUTE_MAIN_LINE,
    CaseState.REJECTED,
    CaseState.REFERRED,
    CaseState.ESCALATED,
    CaseState.WITHDRAWN,
)
HELP_REQUEST_MAIN_LINE = (
    CaseState.SUBMITTED,
    CaseState.DISPATCHED,
    CaseState.CLAIMED,
    CaseState.CONSULTING,
    CaseState.RESOLVING,
    CaseState.FEEDBACK,
    CaseState.COMMENDING,
    CaseState.CLOSED,
)
HELP_REQUEST_STATES = (*HELP_REQUEST_MAIN_LINE, CaseState.REJECTED, CaseState.WITHDRAWN)
# States from which the side exits leave.
DISPUTE_OPEN_STATES = [
    CaseState.REGISTERED,
    CaseState.ESCALATED,
    CaseState.TRIAGED,
    CaseState.CONSULTING,
    CaseState.RESOLVING,
]
HELP_REQUEST_OPEN_STATES = [
    CaseState.SUBMITTED,
    CaseState.DISPATCHED,
    CaseState.CLAIMED,
    CaseState.CONSULTING,
    CaseState.RESOLVING,
]


class Brand(models.TextChoices):
    TONGXIN_JIEFANG = "tongxin_jiefang", _("Tongxin Jiefang (同心接访)")
    XIANGTAI_NUANXIN = "xiangtai_nuanxin", _("Xiangtai Nuanxin (祥泰暖心)")
    E_HU_BAI_YING = "e_hu_bai_ying", _("E Hu Bai Ying (e呼百应)")


class Channel(models.TextChoices):
    VISIT = "visit", _("Walk-in")
    PHONE = "phone", _("Phone call")
    ONLINE = "online", _("Online (e呼百应)")
    GRID = "grid", _("Grid worker report")
    API = "api", _("External system")


class Priority(models.IntegerChoices):
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Category(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbours")
    PROPERTY = "property", _("Property management")
    LABOUR = "labour", _("Wages and labour")
    CONSUMER = "consumer", _("Consumer")
    FAMILY = "family", _("Marriage and family")
    OTHER = "other", _("Other")


class FollowUpAnswer(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


# Where a case without a due moment sorts among due moments: after every one (a due moment is at most 999 days
# after its start). The case list's "due first" order and its cursor read ``due_order()``; so does ``case_due_first``.
NO_DEADLINE = datetime(3000, 1, 1, tzinfo=UTC)


def due_order() -> Coalesce:
    """The case's due moment, ``NO_DEADLINE`` without one: soonest first, cases without a deadline last."""
    return Coalesce("due_at", models.Value(NO_DEADLINE, output_field=models.DateTimeField()))


class ReferenceCounter(models.Model):
    """Per-year sequence behind reference numbers; incremented under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}:{self.last}"


class Case(ConcurrentTransitionMixin, models.Model):  # type: ignore[django-manager-missing]  # workflow.CaseProcess is a viewflow Process (untyped)
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cases")
    brand = models.CharField(_("brand"), max_length=30, choices=Brand.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    state = FSMField(_("state"), max_length=20, choices=CaseState.choices, protected=True)
    description = models.TextField(_("description"), max_length=limits.DESCRIPTION)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The case's due moment and light, kept by the services from its running clocks (``cases.models.clocks``):
    # the earliest due and yellow moments of its own clock and of its open steps that are not paused.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    yellow_at = models.DateTimeField(_("due soon from"), null=True, blank=True)
    paused = models.BooleanField(_("paused"), default=False)  # every open step waits for a party
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    exit_reason = models.TextField(_("reason"), blank=True, max_length=limits.REASON)
    referred_to = models.CharField(_("referred to"), max_length=limits.REFERRED_TO, blank=True)
    # The unit that escalated the dispute here: where a return (退回, ``send_back``) sends it.
    escalated_from = models.ForeignKey(
        Unit,
        verbose_name=_("escalated from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # 重复件: the earlier case this one repeats (chosen by the registering worker among the possible duplicates,
    # ``cases.selectors.duplicates``); its ``repeats`` are the later ones. Audited (``duplicate_linked``).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )
    # The tracking code issued with this instance at intake, in memory only (``cases.services.tracking``): the
    # database keeps its hash (``TrackingCode``). Empty on a case read back.
    issued_tracking_code: str = ""
    # The possible duplicates shown at intake (``cases.selectors.duplicates``), in memory only: the API's answer.
    possible_duplicates: list = []

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "kind"]),
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["-created_at", "-id"], name="case_newest"),
            models.Index(fields=["due_at"], name="case_due"),  # the boards' overdue lists, earliest first
            # The case list by due moment, soonest first and without one last, a keyset page at a time.
            models.Index(due_order(), "id", name="case_due_first"),
            # The boards' counts of yellow and red cases (only open cases with a deadline have a yellow moment).
            models.Index(fields=["yellow_at"], condition=models.Q(yellow_at__isnull=False), name="case_lit"),
        ]
        permissions = [("supervise_case", _("Can supervise cases of the own unit subtree"))]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_dispute(self) -> bool:
        return self.kind == CaseKind.DISPUTE

    @property
    def is_help_request(self) -> bool:
        return self.kind == CaseKind.HELP_REQUEST

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL_STATES

    # ---- micro-dispute main line -------------------------------------------------------------------------

    @transition(
        field=state,
        source=[CaseState.REGISTERED, CaseState.ESCALATED],
        target=CaseState.TRIAGED,
        conditions=[rules.is_dispute],
        permission=rules.works_case,
    )
    def triage(self) -> None:
        """研判: the mediator accepts the dispute at this unit."""

    @transition(
        field=state,
        source=CaseState.TRIAGED,
        target=CaseState.CONSULTING,
        conditions=[rules.is_dispute],
        permission=rules.works_case,
    )
    def convene(self) -> None:
        """议事会商 is called: a meeting is scheduled."""

    @transition(
        field=state,
        source=CaseState.CONSULTING,
        target=CaseState.RESOLVING,
        permission=rules.works_case,
    )
    def conclude(self) -> None:
        """The consultation recorded its decisions; 破题解难 begins."""

    @transition(
        field=state,
        source=CaseState.RESOLVING,
        target=GET_STATE(
            lambda self: CaseState.FOLLOW_UP if self.is_dispute else CaseState.FEEDBACK,
            states=[CaseState.FOLLOW_UP, CaseState.FEEDBACK],
        ),
        permission=rules.works_case,
    )
    def resolve(self) -> None:
        """An agreement (dispute) or a solution (help request) was delivered."""

    @transition(
        field=state,
        source=CaseState.FOLLOW_UP,
        target=CaseState.COMMENDING,
        conditions=[rules.is_dispute],
        permission=rules.works_case,
    )
    def confirm(self) -> None:
        """The applicant is (basically) satisfied at the follow-up call."""

    @transition(
        field=state,
        source=CaseState.FOLLOW_UP,
        target=CaseState.CONSULTING,
        conditions=[rules.is_dispute],
        permission=rules.works_case,
    )
    def reopen(self) -> None:
        """A dissatisfied follow-up sends the dispute back to consultation."""

    # ---- help-request main line ------------------------------------------------------------------------

    @transition(
        field=state,
        source=CaseState.SUBMITTED,
        target=CaseState.DISPATCHED,
        conditions=[rules.is_help_request],
        permission=rules.works_case,
    )
    def dispatch(self) -> None:
        """The liaison officer puts the request into the 工作清单 queue."""

    @transition(
        field=state,
        source=CaseState.DISPATCHED,
        target=CaseState.CLAIMED,
        conditions=[rules.is_help_request],
    )
    def claim(self) -> None:
        """The first claim of one of the request's tasks (later claims leave the state as it is)."""

    @transition(
        field=state,
        source=CaseState.CLAIMED,
        target=CaseState.DISPATCHED,
        conditions=[rules.is_help_request],
    )
    def release(self) -> None:
        """The last claim went back to the queue."""

    @transition(
        field=state,
        source=CaseState.CLAIMED,
        target=CaseState.CONSULTING,
        conditions=[rules.is_help_request],
    )
    def consult(self) -> None:
        """Every specialty answered: the joint session (议事会商) is next."""

    @transition(
        field=state,
        source=CaseState.FEEDBACK,
        target=CaseState.COMMENDING,
        conditions=[rules.is_help_request],
        permission=rules.works_case,
    )
    def rate(self) -> None:
        """The enterprise's rating was recorded."""

    # ---- both: commendation ----------------------------------------------------------------------------

    @transition(
        field=state,
        source=CaseState.COMMENDING,
        target=CaseState.CLOSED,
        permission=rules.supervises_case,
    )
    def commend(self) -> None:
        """考核表彰 done: the case is closed."""

    # ---- side exits ------------------------------------------------------------------------------------

    @transition(
        field=state,
        source=[CaseState.REGISTERED, CaseState.ESCALATED, CaseState.TRIAGED, CaseState.SUBMITTED],
        target=CaseState.REJECTED,
        permission=rules.works_or_supervises_case,
    )
    def reject(self, *, reason: str) -> None:
        self.exit_reason = reason

    @transition(
        field=state,
        source=DISPUTE_OPEN_STATES,
        target=CaseState.REFERRED,
        conditions=[rules.is_dispute],
        permission=rules.works_or_supervises_case,
    )
    def refer(self, *, to: str, reason: str) -> None:
        self.referred_to = to
        self.exit_reason = reason

    @transition(
        field=state,
        source=DISPUTE_OPEN_STATES,
        target=CaseState.ESCALATED,
        conditions=[rules.is_dispute, rules.has_parent_unit],
        permission=rules.works_or_supervises_case,
    )
    def escalate(self, *, parent: Unit, reason: str) -> None:
        """上报: the dispute moves to the parent unit and is triaged again there."""
        self.escalated_from = self.unit
        self.unit = parent
        self.exit_reason = reason

    # ---- returns (退回, ``cases.models.returns``): the dispute waits for triage again at the unit it goes to ---

    @transition(
        field=state,
        source=CaseState.ESCALATED,
        target=CaseState.REGISTERED,
        conditions=[rules.is_dispute, rules.was_escalated],
        permission=rules.works_or_supervises_case,
    )
    def send_back(self) -> None:
        """The unit an escalated dispute went to returns it, before triaging it, to the unit that escalated it."""
        assert self.escalated_from is not None  # the condition rules.was_escalated
        self.unit = self.escalated_from
        self.escalated_from = None
        self.exit_reason = ""

    @transition(
        field=state,
        source=CaseState.REFERRED,
        target=CaseState.REGISTERED,
        conditions=[rules.is_dispute],
        permission=rules.works_or_supervises_case,
    )
    def refer_back(self) -> None:
        """The outside department a dispute was referred to returned it: the case is open again at its unit."""
        self.referred_to = ""
        self.exit_reason = ""
        self.closed_at = None

    @transition(
        field=state,
        source=list(dict.fromkeys([*DISPUTE_OPEN_STATES, *HELP_REQUEST_OPEN_STATES])),
        target=CaseState.WITHDRAWN,
        permission=rules.works_or_supervises_case,
    )
    def withdraw(self, *, reason: str) -> None:
        self.exit_reason = reason


class DisputeDetail(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="dispute")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    grid = models.CharField(_("grid"), max_length=100, blank=True)
    applicant_name = models.CharField(_("applicant name"), max_length=50)
    applicant_phone = models.CharField(_("applicant mobile"), max_length=11, validators=[validate_mobile])
    applicant_id_number = models.CharField(
        _("applicant ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    respondent_name = models.CharField(_("respondent name"), max_length=50, blank=True)
    respondent_phone = models.CharField(
        _("respondent mobile"), max_length=11, blank=True, validators=[validate_mobile]
    )
    may_escalate = models.BooleanField(_("may intensify"), default=False)
    agreement_text = models.TextField(_("mediation agreement"), blank=True, max_length=limits.TEXT)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    follow_up_answer = models.CharField(
        _("follow-up answer"), max_length=30, choices=FollowUpAnswer.choices, blank=True
    )
    follow_up_note = models.TextField(_("follow-up note"), blank=True, max_length=limits.REASON)

    class Meta:
        verbose_name = _("micro-dispute details")
        verbose_name_plural = _("micro-dispute details")
        # 重复件 at intake: earlier disputes of the same applicant (by mobile or ID number)
        indexes = [
            models.Index(fields=["applicant_phone"], name="dispute_applicant_phone"),
            models.Index(fields=["applicant_id_number"], name="dispute_applicant_id"),
        ]

    def __str__(self) -> str:
        return str(self.case_id)


class HelpRequestDetail(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="help_request")
    enterprise_name = models.CharField(_("enterprise"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact mobile"), max_length=11, validators=[validate_mobile])
    specialties = models.JSONField(_("specialties needed"), default=list)
    card = models.ForeignKey(
        "cases.ExperienceCard",
        verbose_name=_("experience card"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    solution = models.TextField(_("solution"), blank=True, max_length=limits.TEXT)
    proxy_service_done = models.BooleanField(_("proxy service done"), default=False)
    rating = models.PositiveSmallIntegerField(_("enterprise rating"), null=True, blank=True)
    rating_comment = models.TextField(_("enterprise comment"), blank=True, max_length=limits.REASON)

    class Meta:
        verbose_name = _("help request details")
        verbose_name_plural = _("help request details")
        # 重复件 at intake: earlier requests of the same enterprise (credit code) or contact
        indexes = [
            models.Index(fields=["credit_code"], name="help_credit_code"),
            models.Index(fields=["contact_phone"], name="help_contact_phone"),
        ]

    def __str__(self) -> str:
        return self.enterprise_name

    @property
    def specialty_labels(self) -> list[str]:
        return [str(Specialty(code).label) for code in self.specialties]

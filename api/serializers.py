"""What the API answers: each serializer here produces its answer in the views and is the one given to
``extend_schema(responses=...)``, so the schema describes exactly what is sent. Choices come from the models'
``TextChoices`` (and viewflow's task ``STATUS``, the step catalogue's names, the event types).

Personal data is masked exactly as on the pages: ``show_personal`` in the serializer's context (the rule is
``workflow.selectors.case_shows_personal_data``; see ``api.views.case_answer``) shows it, anything else masks it.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers as s
from rest_framework.utils.serializer_helpers import ReturnList
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import deadlines
from cases.masking import mask_id_number, mask_phone
from cases.models import (
    Attachment,
    AttachmentType,
    AuditAction,
    AuditEntry,
    Brand,
    Case,
    CaseKind,
    CaseNote,
    CaseReturn,
    CaseState,
    Category,
    Channel,
    DisputeDetail,
    ExtensionRequest,
    ExtensionState,
    FollowUpAnswer,
    HelpRequestDetail,
    Light,
    OrderState,
    Priority,
    ReturnDecision,
    ReturnKind,
    ReturnReason,
    Specialty,
    SupervisionOrder,
)
from cases.models.audit import ATTACHMENT_ACTIONS
from cases.selectors.extensions import extension_list_of_case, extension_list_of_task
from cases.selectors.orders import order_sla, orders_of_case
from cases.selectors.returns import returns_of_case
from cases.services.attachments import attachment_may_remove
from cases.services.side_exits import SIDE_EXITS, case_side_exits_for_user
from cases.steps import STEPS
from notifications.types import EventType
from workflow.selectors import WorklistRow, case_open_tasks, case_timeline, with_clocks

STEP_CHOICES = sorted({step.name: step.title for step in STEPS}.items())  # two kinds may share a step name


class Timestamp(s.DateTimeField):
    """ISO 8601 with the offset the database gives (UTC, ``+00:00``), as v1 has always sent it; a timestamp
    that is already text (the board's and the notifications' payloads, built for the sockets) is sent as it is."""

    def to_representation(self, value: datetime | str) -> str:
        return value if isinstance(value, str) else value.isoformat()


class Personal(s.CharField):
    """A phone or ID number: as stored when the context's ``show_personal`` is true, masked otherwise."""

    def __init__(self, *, mask: Callable[[str], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask = mask

    def to_representation(self, value: str) -> str:
        return str(value) if self.context.get("show_personal") is True else self.mask(value)


# ---- errors ------------------------------------------------------------------------------------------------


class ErrorBody(s.Serializer[dict[str, Any]]):
    """`fields`: the messages of each field at fault; `{}` when the error is not a field's."""

    code = s.CharField()
    message = s.CharField()

    def get_fields(self) -> dict[str, s.Field]:
        # ``fields`` is the key clients read; as a class attribute it would shadow ``Serializer.fields``.
        return {**super().get_fields(), "fields": s.DictField(child=s.ListField(child=s.CharField()))}


class Error(s.Serializer[dict[str, Any]]):
    error = ErrorBody()


ERRORS = {code: Error for code in (400, 401, 403, 404, 405, 409, 415, 429)}
BODY_ERRORS = {**ERRORS, 413: Error}  # a body over api.parsers.MAX_BODY_BYTES
INTAKE_ERRORS = {**BODY_ERRORS, 422: Error}  # an Idempotency-Key sent before with another body


# ---- cases -------------------------------------------------------------------------------------------------


class SlaOut(s.Serializer[deadlines.Sla]):
    """The time of a step or a case: its due moment (null without a deadline), its light (green; yellow once
    75 % of its working time is used; red when overdue; paused while its holder waits for a party, the paused
    working time not counted) and whether it is paused. A done step shows how it ended: red if it was late."""

    due_at = Timestamp(allow_null=True)
    light = s.ChoiceField(choices=Light.choices)
    paused = s.BooleanField()

    class Meta:
        ref_name = "Sla"


def sla_answer(sla: deadlines.Sla) -> dict[str, Any]:
    """What ``SlaOut`` answers for ``sla``, built directly: every row of a worklist and of the case list has
    one, and a serializer per row was most of what serializing a row cost (``tests/test_api_rows.py`` checks
    that the two agree)."""
    return {
        "due_at": None if sla.due_at is None else sla.due_at.isoformat(),
        "light": str(sla.light),
        "paused": bool(sla.paused),
    }


class UnitRef(s.Serializer[Any]):
    id = s.IntegerField(source="pk")
    name = s.CharField()


class CaseSummary(s.Serializer[Case]):
    reference = s.CharField()
    kind = s.ChoiceField(choices=CaseKind.choices)
    state = s.ChoiceField(choices=CaseState.choices)
    unit = UnitRef()
    brand = s.ChoiceField(choices=Brand.choices)
    channel = s.ChoiceField(choices=Channel.choices)
    priority = s.ChoiceField(choices=Priority.choices)
    description = s.CharField()
    created_at = Timestamp()
    due_at = Timestamp(allow_null=True)
    sla = s.SerializerMethodField()

    @extend_schema_field(SlaOut)
    def get_sla(self, case: Case) -> dict[str, Any]:
        """The case's: its own limit from registration and its open steps not paused, the earliest first."""
        return sla_answer(deadlines.case_sla(case, timezone.now()))


class DisputeFields(s.Serializer[DisputeDetail]):
    """A micro-dispute's own data."""

    category = s.ChoiceField(choices=Category.choices)
    applicant_name = s.CharField()
    applicant_phone = Personal(mask=mask_phone)
    applicant_id_number = Personal(mask=mask_id_number, allow_blank=True)
    respondent_name = s.CharField(allow_blank=True)
    respondent_phone = Personal(mask=mask_phone, allow_blank=True)
    grid = s.CharField(allow_blank=True)
    agreement_text = s.CharField(allow_blank=True)
    outcome = s.CharField(allow_blank=True)
    follow_up_answer = s.ChoiceField(choices=FollowUpAnswer.choices, allow_blank=True)


class HelpRequestFields(s.Serializer[HelpRequestDetail]):
    """An enterprise help request's own data."""

    enterprise_name = s.CharField()
    credit_code = s.CharField()
    contact_name = s.CharField()
    contact_phone = Personal(mask=mask_phone)
    specialties = s.ListField(child=s.ChoiceField(choices=Specialty.choices))
    card_code = s.CharField(source="card.code", allow_null=True)
    solution = s.CharField(allow_blank=True)
    rating = s.IntegerField(allow_null=True)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="CaseFields",
        serializers=[DisputeFields, HelpRequestFields],
        resource_type_field_name=None,
    )
)
class KindFields(s.Field):
    """The case's kind-specific data (``DisputeFields`` or ``HelpRequestFields``), read from the case itself."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Case) -> dict[str, Any]:
        if value.is_dispute:
            return DisputeFields(value.dispute, context=self.context).data
        return HelpRequestFields(value.help_request, context=self.context).data


class TaskOut(s.Serializer[Task]):
    """A step's task on a case: who has it (`owner`, null while it waits in a queue) and its status."""

    id = s.IntegerField(source="pk")
    reference = s.CharField(source="process.caseprocess.case.reference")
    step = s.ChoiceField(source="flow_task.name", choices=STEP_CHOICES)
    title = s.CharField(source="flow_task.task_title")
    status = s.ChoiceField(choices=STATUS.choices)
    owner = s.CharField(source="owner.username", allow_null=True)
    created = Timestamp()
    sla = s.SerializerMethodField()

    class Meta:
        ref_name = "Task"

    @extend_schema_field(SlaOut)
    def get_sla(self, task: Task) -> dict[str, Any]:
        """The step's (the task carries its ``clock``: ``workflow.selectors.with_clocks``)."""
        return sla_answer(deadlines.clock_sla(task.clock, timezone.now()))


class TaskRows(s.ListSerializer[WorklistRow]):
    """A page of ``TaskRow``: each row built directly from the page's rows, the same answer as the declared
    fields give (``tests/test_api_rows.py`` compares them, value, type and key order, for every kind of row).
    DRF's walk of each field's source, its nested ``UnitRef`` and an ``SlaOut`` per row cost about 90 µs a row
    (4.4 ms for a page of 50; this, 0.4 ms). The schema still comes from ``TaskRow``'s declared fields."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        return [task_row_answer(row) for row in data]


def task_row_answer(row: WorklistRow) -> dict[str, Any]:
    """``TaskRow``'s fields of one row of a worklist, in their order."""
    return {
        "id": row.id,
        "reference": row.reference,
        "step": row.node.name,
        "title": row.title,
        "status": row.status,
        "owner": row.owner,
        "created": row.created.isoformat(),
        "sla": sla_answer(row.sla),
        "kind": row.kind,
        "priority": row.priority,
        "unit": {"id": row.unit_id, "name": row.unit_name},
        "party": row.party,
        "phone": row.phone,
        "summary": row.summary,
    }


class TaskRow(s.Serializer[WorklistRow]):
    """A row of a worklist: the task, and what identifies its case: its kind, priority and unit, who it is
    about (`party`: the applicant of a dispute, the enterprise of a help request), their `phone` (masked as
    138****1234 unless you work the case: the same rule as the case's own fields) and the question in one
    line (`summary`)."""

    # ``TaskOut``'s fields, in its order, read from a ``workflow.selectors.WorklistRow``
    id = s.IntegerField()
    reference = s.CharField()
    step = s.ChoiceField(source="node.name", choices=STEP_CHOICES)
    title = s.CharField()
    status = s.ChoiceField(choices=STATUS.choices)
    owner = s.CharField(allow_null=True)
    created = Timestamp()
    sla = s.SerializerMethodField()
    kind = s.ChoiceField(choices=CaseKind.choices)
    priority = s.ChoiceField(choices=Priority.choices)
    unit = UnitRef()
    party = s.CharField()
    phone = s.CharField()
    summary = s.CharField()

    class Meta:
        ref_name = "TaskRow"
        list_serializer_class = TaskRows  # a page of rows, as the declared fields give them

    @extend_schema_field(SlaOut)
    def get_sla(self, row: WorklistRow) -> dict[str, Any]:
        return sla_answer(row.sla)


class ClaimResultOut(s.Serializer[dict[str, Any]]):
    """One task of a bulk claim: `claimed`, or the `error` that refused it (nothing changed for that task)."""

    id = s.IntegerField()
    reference = s.CharField(help_text="The task's case; empty when you may not know it.")
    claimed = s.BooleanField()
    error = ErrorBody(allow_null=True)


class ClaimResults(s.Serializer[dict[str, Any]]):
    results = ClaimResultOut(many=True)


class NoteOut(s.Serializer[CaseNote]):
    """A note on a case (备注): who wrote it (`author`: their login; `author_name`), when, its text (`note`), and
    the logins it @mentions."""

    id = s.IntegerField(source="pk")
    author = s.CharField(source="author.username")
    author_name = s.CharField(source="author")
    note = s.CharField(source="text")
    mentions = s.SerializerMethodField()
    created_at = Timestamp()

    def get_mentions(self, note: CaseNote) -> list[str]:
        return sorted(person.username for person in note.mentions.all())


class NoteList(s.Serializer[dict[str, Any]]):
    results = NoteOut(many=True)


class ExtensionOut(s.Serializer[ExtensionRequest]):
    """An extension request (延期申请) of a step: who asked, why, the due moment then and the one asked for, and
    the decision (`state` pending until a supervisor approves or refuses it; lapsed when the step ended first)."""

    id = s.IntegerField(source="pk")
    reference = s.CharField(source="case.reference")
    task = s.IntegerField(source="task_id")
    step = s.ChoiceField(choices=STEP_CHOICES)
    number = s.IntegerField(help_text="1 or 2: a step has at most two requests.")
    state = s.ChoiceField(choices=ExtensionState.choices)
    requested_by = s.CharField(source="requested_by.username")
    reason = s.CharField()
    due_before = Timestamp(help_text="The step's due moment when it was asked.")
    due_requested = Timestamp(help_text="The due moment asked for; the step's once approved.")
    asked_at = Timestamp()
    decided_by = s.CharField(source="decided_by.username", allow_null=True)
    decision_reason = s.CharField(allow_blank=True)
    decided_at = Timestamp(allow_null=True)

    class Meta:
        ref_name = "Extension"


class TaskDetail(TaskOut):
    """One task as it is now, with its step's extension requests, oldest first."""

    extensions = s.SerializerMethodField()

    class Meta:
        ref_name = "TaskDetail"

    @extend_schema_field(ExtensionOut(many=True))
    def get_extensions(self, task: Task) -> ReturnList:
        return s.ListSerializer(extension_list_of_task(task_id=task.pk), child=ExtensionOut()).data


class AuditRow(s.Serializer[AuditEntry]):
    id = s.IntegerField(source="pk")
    at = Timestamp(source="created_at")
    action = s.ChoiceField(choices=AuditAction.choices)
    name = s.CharField(help_text="The transition or step.")
    actor = s.CharField(source="actor.username", allow_null=True)
    subject = s.CharField(source="subject.username", allow_null=True)
    reason = s.CharField(allow_blank=True)

    def get_fields(self) -> dict[str, s.Field]:
        # ``from`` is a Python keyword, so the states are declared here, in their place after ``name``.
        fields = super().get_fields()
        after = {name: fields.pop(name) for name in ("actor", "subject", "reason")}
        states = {
            "from": s.ChoiceField(source="from_state", choices=CaseState.choices, allow_blank=True),
            "to": s.ChoiceField(source="to_state", choices=CaseState.choices, allow_blank=True),
        }
        return {**fields, **states, **after}

    def to_representation(self, instance: AuditEntry) -> dict[str, Any]:
        row = super().to_representation(instance)
        # An attachment's row names its file: only for whoever may see the attachments (context).
        if instance.action in ATTACHMENT_ACTIONS and self.context.get("show_attachments") is not True:
            row["reason"] = ""
        return row


class ReturnOut(s.Serializer[CaseReturn]):
    """A return (退回): work given back with a `code` (and its text `reason`), from a unit (`from_unit`) or, for
    a referred dispute, an outside department (`from_name`), to the unit that decides it (`to_unit`). `decision`
    is empty until that unit re-dispatches it or upholds it."""

    id = s.IntegerField(source="pk")
    reference = s.CharField(source="case.reference")
    kind = s.ChoiceField(choices=ReturnKind.choices)
    code = s.ChoiceField(choices=ReturnReason.choices)
    reason = s.CharField(allow_blank=True)
    from_unit = UnitRef(allow_null=True)
    from_name = s.CharField(allow_blank=True)
    to_unit = UnitRef()
    step = s.ChoiceField(choices=STEP_CHOICES, allow_blank=True)
    task = s.IntegerField(source="task_id", allow_null=True)
    by = s.CharField(source="created_by.username")
    created_at = Timestamp()
    decision = s.ChoiceField(choices=ReturnDecision.choices, allow_blank=True)
    decided_by = s.CharField(source="decided_by.username", allow_null=True)
    decided_at = Timestamp(allow_null=True)
    decision_note = s.CharField(allow_blank=True)

    class Meta:
        ref_name = "Return"


class OrderOut(s.Serializer[SupervisionOrder]):
    """A supervision order (督办单): from which unit (`issued_by` null when the system issued it: a step red for
    two working days, or an escalation), its `level` (escalations so far), why, the reply due (`sla`: green,
    yellow once 75 % of the window is used, red once due; an answered order shows how it was answered), its
    state and the reply. An order unanswered when due is `escalated`: `escalated_to` is the order one level up."""

    id = s.IntegerField(source="pk")
    reference = s.CharField(source="case.reference")
    unit = UnitRef(help_text="The issuing unit.")
    issued_by = s.CharField(source="issued_by.username", allow_null=True)
    level = s.IntegerField()
    escalated_from = s.IntegerField(source="escalated_from_id", allow_null=True)
    escalated_to = s.SerializerMethodField()
    reason = s.CharField(source="reason_text")
    step = s.ChoiceField(
        choices=STEP_CHOICES, allow_blank=True, help_text="An automatic order's overdue step."
    )
    days = s.IntegerField(help_text="Working days to reply.")
    issued_at = Timestamp()
    due_at = Timestamp()
    state = s.ChoiceField(choices=OrderState.choices)
    sla = s.SerializerMethodField()
    reply = s.CharField(allow_blank=True)
    replied_by = s.CharField(source="replied_by.username", allow_null=True)
    replied_at = Timestamp(allow_null=True)

    class Meta:
        ref_name = "Order"

    @extend_schema_field(s.IntegerField(allow_null=True))
    def get_escalated_to(self, order: SupervisionOrder) -> int | None:
        successor = getattr(order, "escalated_to", None)
        return None if successor is None else successor.pk

    @extend_schema_field(SlaOut)
    def get_sla(self, order: SupervisionOrder) -> dict[str, Any]:
        return sla_answer(order_sla(order, timezone.now()))


class OrderPage(s.Serializer[dict[str, Any]]):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = OrderOut(many=True)


class CaseDetail(CaseSummary):
    """A case with its kind's data in `fields` (phone and ID numbers masked unless you work the case or
    unmasked it), its audit trail, its open tasks, its steps' extension requests, the side exits you may take
    now, its returns (退回) and its supervision orders (督办单)."""

    # Context: ``user``, the reader (for ``actions``), ``show_personal`` and ``show_attachments`` (the names of
    # attached files in the timeline).

    duplicate_of = s.CharField(
        source="duplicate_of.reference",
        allow_null=True,
        help_text="The reference of the case this one repeats (重复件), or null.",
    )
    timeline = s.SerializerMethodField()
    open_tasks = s.SerializerMethodField()
    extensions = s.SerializerMethodField()
    actions = s.SerializerMethodField()
    returns = s.SerializerMethodField()
    orders = s.SerializerMethodField()

    def get_fields(self) -> dict[str, s.Field]:
        # The key ``fields`` as a class attribute would shadow ``Serializer.fields``. It comes after the summary.
        summary = super().get_fields()
        names = ("timeline", "open_tasks", "extensions", "actions", "returns", "orders")
        read = {name: summary.pop(name) for name in names}
        kind_fields = KindFields(
            help_text="Kind-specific data; phone and ID numbers masked unless you work the case."
        )
        return {**summary, "fields": kind_fields, **read}

    @extend_schema_field(AuditRow(many=True))
    def get_timeline(self, case: Case) -> ReturnList:
        return s.ListSerializer(case_timeline(case=case), child=AuditRow(), context=self.context).data

    @extend_schema_field(TaskOut(many=True))
    def get_open_tasks(self, case: Case) -> ReturnList:
        tasks = with_clocks(case_open_tasks(case=case).select_related("process__caseprocess__case"))
        return s.ListSerializer(tasks, child=TaskOut()).data

    @extend_schema_field(ExtensionOut(many=True))
    def get_extensions(self, case: Case) -> ReturnList:
        """The extension requests of the case's steps, oldest first."""
        return s.ListSerializer(extension_list_of_case(case=case), child=ExtensionOut()).data

    @extend_schema_field(s.ListField(child=s.ChoiceField(choices=SIDE_EXITS)))
    def get_actions(self, case: Case) -> list[str]:
        return case_side_exits_for_user(case=case, user=self.context["user"])

    @extend_schema_field(ReturnOut(many=True))
    def get_returns(self, case: Case) -> ReturnList:
        return s.ListSerializer(returns_of_case(case=case), child=ReturnOut()).data

    @extend_schema_field(OrderOut(many=True))
    def get_orders(self, case: Case) -> ReturnList:
        """The case's supervision orders: the open ones first, by reply due."""
        return s.ListSerializer(orders_of_case(case=case), child=OrderOut()).data


class PossibleDuplicateOut(s.Serializer[Any]):
    """An earlier case the new one may repeat (重复件): nothing personal, only the case, its stage and why."""

    reference = s.CharField(source="case.reference")
    kind = s.ChoiceField(source="case.kind", choices=CaseKind.choices)
    state = s.ChoiceField(source="case.state", choices=CaseState.choices)
    unit = s.CharField(source="case.unit.name")
    created_at = Timestamp(source="case.created_at")
    reasons = s.ListField(
        child=s.ChoiceField(choices=["phone", "id_number", "credit_code", "text"]),
        help_text="Why it matched: the same mobile, ID number or credit code, or a similar description.",
    )
    similarity = s.FloatField(help_text="The descriptions' trigram similarity, 0 to 1.")


class CaseCreated(CaseDetail):
    """The case just registered, with its party's `tracking_code` (for the receipt), shown this once: only its
    hash is kept. A repeat of the request with the same Idempotency-Key answers null there: issue a new code
    with `POST /api/v1/cases/{reference}/tracking-code/`. `possible_duplicates`: the earlier cases (90 days,
    the unit and below, open or closed) of the same party or with a similar description, as they were before
    this one was saved; send `duplicate_of` with one of their references to register a case as its repeat."""

    tracking_code = s.CharField(source="issued_tracking_code", allow_null=True)
    possible_duplicates = PossibleDuplicateOut(many=True)


class CasePage(s.Serializer[dict[str, Any]]):
    next = s.URLField(allow_null=True, help_text="The next page (its `after` cursor set); null on the last.")
    results = CaseSummary(many=True)


class TaskPage(s.Serializer[dict[str, Any]]):
    next = s.URLField(allow_null=True, help_text="The next page (its `after` cursor set); null on the last.")
    results = TaskRow(many=True)


class Released(s.Serializer[Task]):
    """The task is back in its queue."""

    id = s.IntegerField(source="pk")
    status = s.ChoiceField(choices=STATUS.choices)


# ---- attachments ------------------------------------------------------------------------------------------


class AttachmentOut(s.Serializer[Attachment]):
    """An evidence file of a case, or of one of its steps (`step` and `task`; `""` and null for the case as a
    whole): its name (the extension its type's), its type as its content showed, who added it, where to
    download it (`url`) and whether you may remove it now (`removable`)."""

    # Context: ``user``, the reader, and ``took_part``, whether they hold or held a step of the case.

    id = s.IntegerField(source="pk")
    reference = s.CharField(source="case.reference")
    step = s.ChoiceField(choices=STEP_CHOICES, allow_blank=True)
    task = s.IntegerField(source="task_id", allow_null=True)
    name = s.CharField()
    content_type = s.ChoiceField(choices=AttachmentType.choices)
    size = s.IntegerField(help_text="In bytes.")
    sha256 = s.CharField(help_text="The SHA-256 of its content, in hex.")
    uploaded_by = s.CharField(source="uploaded_by.username")
    uploaded_at = Timestamp()
    url = s.SerializerMethodField()
    removable = s.SerializerMethodField()

    class Meta:
        ref_name = "Attachment"

    def get_url(self, attachment: Attachment) -> str:
        """Where to download it (`GET`), or remove it (`DELETE`)."""
        return reverse("api_attachment", args=[attachment.pk])

    def get_removable(self, attachment: Attachment) -> bool:
        return attachment_may_remove(
            attachment=attachment, user=self.context["user"], took_part=self.context["took_part"]
        )


class AttachmentList(s.Serializer[dict[str, Any]]):
    results = AttachmentOut(many=True)


# ---- the board (the snapshot ``ws/board/`` sends on connect, from ``cases.selectors.board``) ------------------


class BoardCase(s.Serializer[dict[str, Any]]):
    reference = s.CharField()
    kind = s.ChoiceField(choices=CaseKind.choices)
    state = s.ChoiceField(choices=CaseState.choices)
    unit_id = s.IntegerField()
    unit_path = s.CharField()
    priority = s.ChoiceField(choices=Priority.choices)
    due_at = Timestamp(allow_null=True)
    created_at = Timestamp()


class BoardUnit(s.Serializer[dict[str, Any]]):
    unit_id = s.IntegerField()
    name = s.CharField()
    path = s.CharField()


class BoardOrders(s.Serializer[dict[str, Any]]):
    """Open supervision orders on the cases, and those overdue: due, or escalated already."""

    open = s.IntegerField()
    overdue = s.IntegerField()


class BoardChild(BoardUnit):
    open = s.IntegerField()
    orders = BoardOrders()


class BoardLightsChild(BoardUnit):
    red = s.IntegerField(help_text="Open cases of this unit's subtree that are overdue now.")
    yellow = s.IntegerField(help_text="Open cases of this unit's subtree that are due soon now (not paused).")


class BoardLights(s.Serializer[dict[str, Any]]):
    """The open cases that are red (overdue) and yellow (due soon) now, in all and per child unit, lit as the
    cases' `sla` is. Boards get a fresh snapshot when a step turns yellow or red (`deadline.near`,
    `deadline.passed` events)."""

    red = s.IntegerField()
    yellow = s.IntegerField()
    children = BoardLightsChild(many=True)


class BoardSnapshot(s.Serializer[dict[str, Any]]):
    type = s.ChoiceField(choices=["snapshot"])
    seq = s.IntegerField(help_text="The last audit row id of the subtree: resume ws/board/ after it.")
    unit = BoardUnit()
    by_state = s.DictField(child=s.IntegerField(), help_text="Cases of the subtree per state.")
    children = BoardChild(many=True)
    newest = BoardCase(many=True)
    overdue = BoardCase(many=True)
    open = s.IntegerField()
    orders = BoardOrders()
    lights = BoardLights()


# ---- returns (退回) ------------------------------------------------------------------------------------------


class PendingReturns(s.Serializer[dict[str, Any]]):
    results = ReturnOut(many=True, help_text="Newest first, at most 200.")


class ReturnUnitCounts(BoardUnit):
    """A unit's returns: sent (by its people, or its sending back of escalated disputes) and received (to
    decide), the received ones re-dispatched, upheld and not yet decided, and both by code."""

    sent = s.IntegerField()
    received = s.IntegerField()
    redispatched = s.IntegerField()
    upheld = s.IntegerField()
    pending = s.IntegerField()
    sent_by_code = s.DictField(child=s.IntegerField(), help_text="Every code of the list, with its count.")
    received_by_code = s.DictField(
        child=s.IntegerField(), help_text="Every code of the list, with its count."
    )


class ReturnCounts(s.Serializer[dict[str, Any]]):
    unit = BoardUnit()
    units = ReturnUnitCounts(many=True, help_text="The subtree's units, its root first, by path.")


# ---- notifications (``Notification.as_message``, as the socket sends them) -----------------------------------


class NotificationOut(s.Serializer[dict[str, Any]]):
    id = s.IntegerField()
    type = s.ChoiceField(choices=[(event.value, event.value) for event in EventType])
    text = s.CharField()
    case = s.CharField(allow_null=True)
    url = s.CharField(allow_null=True)
    created = Timestamp()
    read = s.BooleanField()

    class Meta:
        ref_name = "Notification"


class NotificationList(s.Serializer[dict[str, Any]]):
    results = NotificationOut(many=True)
    horizon = s.IntegerField(
        help_text="Send it back as `horizon` with the last id seen as `after`: what committed late, whatever its "
        "id, comes then (0 where ids commit in order)."
    )


class Unread(s.Serializer[dict[str, Any]]):
    unread = s.IntegerField()


class TokenOut(s.Serializer[Any]):
    token = s.CharField(source="key")

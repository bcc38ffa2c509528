"""What the API answers: each serializer here produces its answer in the views and is the one given to
``extend_schema(responses=...)``, so the schema describes exactly what is sent. Choices come from the models'
``TextChoices`` (and viewflow's task ``STATUS``, the step catalogue's names, the event types).

Personal data is masked exactly as on the pages: ``show_personal`` in the serializer's context (the rule is
``workflow.selectors.case_shows_personal_data``; see ``api.views.case_answer``) shows it, anything else masks it.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers as s
from rest_framework.utils.serializer_helpers import ReturnList
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import deadlines
from cases.masking import mask_id_number, mask_phone
from cases.models import (
    AuditAction,
    AuditEntry,
    Brand,
    Case,
    CaseKind,
    CaseState,
    Category,
    Channel,
    DisputeDetail,
    FollowUpAnswer,
    HelpRequestDetail,
    Light,
    Priority,
    Specialty,
)
from cases.services.side_exits import SIDE_EXITS, case_side_exits_for_user
from cases.steps import STEPS
from notifications.types import EventType
from workflow.selectors import case_open_tasks, case_timeline, with_clocks

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
        return SlaOut(deadlines.case_sla(case, timezone.now())).data


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
        return SlaOut(deadlines.clock_sla(task.clock, timezone.now())).data


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


class CaseDetail(CaseSummary):
    """A case with its kind's data in `fields` (phone and ID numbers masked unless you work the case or
    unmasked it), its audit trail, its open tasks and the side exits you may take now."""

    # Context: ``user``, the reader (for ``actions``), and ``show_personal``.

    timeline = s.SerializerMethodField()
    open_tasks = s.SerializerMethodField()
    actions = s.SerializerMethodField()

    def get_fields(self) -> dict[str, s.Field]:
        # The key ``fields`` as a class attribute would shadow ``Serializer.fields``. It comes after the summary.
        summary = super().get_fields()
        read = {name: summary.pop(name) for name in ("timeline", "open_tasks", "actions")}
        kind_fields = KindFields(
            help_text="Kind-specific data; phone and ID numbers masked unless you work the case."
        )
        return {**summary, "fields": kind_fields, **read}

    @extend_schema_field(AuditRow(many=True))
    def get_timeline(self, case: Case) -> ReturnList:
        return s.ListSerializer(case_timeline(case=case), child=AuditRow()).data

    @extend_schema_field(TaskOut(many=True))
    def get_open_tasks(self, case: Case) -> ReturnList:
        tasks = with_clocks(case_open_tasks(case=case).select_related("process__caseprocess__case"))
        return s.ListSerializer(tasks, child=TaskOut()).data

    @extend_schema_field(s.ListField(child=s.ChoiceField(choices=SIDE_EXITS)))
    def get_actions(self, case: Case) -> list[str]:
        return case_side_exits_for_user(case=case, user=self.context["user"])


class CasePage(s.Serializer[dict[str, Any]]):
    next = s.URLField(allow_null=True, help_text="The next page (its `after` cursor set); null on the last.")
    results = CaseSummary(many=True)


class TaskPage(s.Serializer[dict[str, Any]]):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = TaskOut(many=True)


class Released(s.Serializer[Task]):
    """The task is back in its queue."""

    id = s.IntegerField(source="pk")
    status = s.ChoiceField(choices=STATUS.choices)


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


class BoardChild(BoardUnit):
    open = s.IntegerField()


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
    lights = BoardLights()


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


class Unread(s.Serializer[dict[str, Any]]):
    unread = s.IntegerField()


class TokenOut(s.Serializer[Any]):
    token = s.CharField(source="key")

"""What the API takes, for the schema only: the views validate bodies and query strings with the pages'
forms (``cases.forms``, each step's form from the step catalogue; ``api.inputs``), and these serializers are
made from those forms by ``form_serializer``, so the documented fields, choices, lengths and bounds are the
forms' own. A query's serializer is given to ``extend_schema(parameters=...)``, which makes a query parameter
of each field."""

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers as s

from cases import agreement_forms, order_forms
from cases import forms as case_forms
from cases.models import CaseKind, Performance
from cases.steps import STEPS, Step


class AgreedTermIn(s.Serializer):
    """One agreed term of a mediation agreement."""

    content = s.CharField(max_length=agreement_forms.TERM_CONTENT, help_text=_("What was agreed."))
    method = s.CharField(max_length=agreement_forms.TERM_METHOD, help_text=_("How it is performed."))
    deadline = s.DateField(help_text=_("The date it is performed by."))


class TermPerformanceIn(s.Serializer):
    """Whether one agreed term was performed (履行情况)."""

    term = s.IntegerField(min_value=1, max_value=agreement_forms.MAX_TERMS, help_text=_("The term's number."))
    status = s.ChoiceField(choices=Performance.choices)
    performed_on = s.DateField(required=False, allow_null=True, help_text=_("When it was performed."))
    remark = s.CharField(required=False, allow_blank=True, max_length=agreement_forms.PERFORMANCE_NOTE)


def choices(field: forms.ChoiceField) -> list[tuple[Any, Any]]:
    # A form field keeps its choices normalised to (value, label) pairs (callables are not used here).
    return list(cast(Iterable[tuple[Any, Any]], field.choices))


def serializer_field(field: forms.Field, *, help_text: str = "") -> s.Field:
    """The serializer field that documents what a form field accepts in a JSON body (or a query string), with
    ``help_text`` or the form field's own text or label."""
    options: dict[str, Any] = {
        "required": field.required,
        "help_text": help_text or field.help_text or field.label,
    }
    if isinstance(field, forms.ModelMultipleChoiceField):  # before ChoiceField: it is one
        return s.ListField(child=s.IntegerField(), allow_empty=not field.required, **options)
    if isinstance(field, forms.ModelChoiceField):
        if field.to_field_name:  # named by a column of its own (a login), not by id
            assert field.queryset is not None
            column = field.queryset.model._meta.get_field(field.to_field_name)
            return s.CharField(max_length=column.max_length, allow_blank=not field.required, **options)
        return s.IntegerField(**options)
    if isinstance(field, agreement_forms.TermsField):
        return s.ListField(
            child=AgreedTermIn(), min_length=1, max_length=agreement_forms.MAX_TERMS, **options
        )
    if isinstance(field, agreement_forms.PerformanceField):
        return s.ListField(child=TermPerformanceIn(), max_length=agreement_forms.MAX_TERMS, **options)
    if isinstance(field, forms.DateField):
        return s.DateField(**options)
    if isinstance(field, case_forms.AsciiIntegerListField):
        return s.ListField(child=s.IntegerField(min_value=0), max_length=field.max_items, **options)
    if isinstance(field, forms.IntegerField):  # AsciiIntegerField: a JSON integer, or digits in a query
        low, high = cast(
            tuple[int | None, int | None], (field.min_value, field.max_value)
        )  # never callables here
        return s.IntegerField(min_value=low, max_value=high, **options)
    if isinstance(field, forms.MultipleChoiceField):
        return s.MultipleChoiceField(choices=choices(field), allow_empty=not field.required, **options)
    if isinstance(field, forms.ChoiceField):  # TypedChoiceField too: its choices carry the typed values
        return s.ChoiceField(choices=choices(field), **options)
    if isinstance(field, forms.IntegerField):  # limits a form checks in its clean() are in its help text
        return s.IntegerField(**options)
    if isinstance(field, forms.DateTimeField):
        return s.DateTimeField(**options)
    if isinstance(field, forms.BooleanField):
        return s.BooleanField(**options)
    if isinstance(field, forms.CharField):
        return s.CharField(
            max_length=field.max_length,
            min_length=field.min_length,
            allow_blank=not field.required,
            **options,
        )
    raise TypeError(f"No request schema for a {type(field).__name__}: add it to serializer_field.")


def form_serializer(
    form: forms.Form, *, name: str, doc: str, help: dict[str, str] | None = None, **extra: s.Field
) -> type[s.Serializer[dict[str, Any]]]:
    """A serializer named ``name`` (its schema component) with a field per field of ``form`` (an instance:
    a form's ``__init__`` may change its fields), then ``extra``; ``help`` describes fields better than their
    labels do."""
    help = help or {}
    fields = {
        name: serializer_field(field, help_text=help.get(name, "")) for name, field in form.fields.items()
    }
    attributes = {**fields, **extra, "__doc__": doc, "__module__": __name__}
    return cast(type[s.Serializer[dict[str, Any]]], type(name, (s.Serializer,), attributes))


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_\W]+", name) if part)


def step_completion(step: Step) -> type[s.Serializer[dict[str, Any]]]:
    """The body that completes a task of ``step``: its form's fields."""
    kind = CaseKind(step.kind)
    return form_serializer(
        step.form(),
        name=f"{camel(kind.name)}{camel(step.name)}Completion",
        doc=f"Completes a task of the step `{step.name}` of a {kind.value.replace('_', ' ')}: the fields of "
        "its form.",
    )


# ---- intake ------------------------------------------------------------------------------------------------


def unit_field() -> s.Field:
    unit = case_forms.IntakeUnitForm().fields["unit"]
    return serializer_field(unit, help_text="A supervisor may register in a unit below them.")


def duplicate_of_field() -> s.Field:
    field = case_forms.DuplicateChoiceForm().fields["duplicate_of"]
    return serializer_field(
        field,
        help_text="Register it as a repeat (重复件) of this case: the reference of one of the "
        "`possible_duplicates` the same intake answers with.",
    )


DisputeIn = form_serializer(
    case_forms.DisputeIntakeForm(),
    name="DisputeIn",
    doc="A micro-dispute to register.",
    unit=unit_field(),
    duplicate_of=duplicate_of_field(),
)
HelpRequestIn = form_serializer(
    case_forms.HelpRequestIntakeApiForm(),
    name="HelpRequestIn",
    doc="An enterprise help request to register: the enterprise's `question` (or, as clients before v1's "
    "name sent it, `description`), the channel (`visit` when left out).",
    help={
        "question": "The enterprise's question (v1's name for it).",
        "description": "The same question under its older name; send one of the two.",
        "channel": "How it came in; `visit` when left out.",
    },
    unit=unit_field(),
    duplicate_of=duplicate_of_field(),
)

# ---- tasks -------------------------------------------------------------------------------------------------


class AnyOfProxySerializer(PolymorphicProxySerializer):
    """drf-spectacular's proxy as ``anyOf``. A step completion's body is picked by the task's step, not by
    anything in the body, and several steps take the same fields (the three advice steps, both assessments; a
    joint session's body is also a consultation's): such a body matches more than one branch, which ``oneOf``
    forbids and ``anyOf`` allows."""


class AnyOfProxySerializerExtension(PolymorphicProxySerializerExtension):
    target_class = "api.request_bodies.AnyOfProxySerializer"
    priority = 1

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = super().map_serializer(auto_schema, direction)
        return {"anyOf": schema.pop("oneOf"), **schema}


STEP_COMPLETIONS = [step_completion(step) for step in STEPS]
Completion = AnyOfProxySerializer(
    component_name="StepCompletion",
    serializers=STEP_COMPLETIONS,
    resource_type_field_name=None,
)

ReleaseIn = form_serializer(
    case_forms.ReleaseForm(),
    name="ReleaseIn",
    doc="Why the task goes back: a code, and a text (required with `other`).",
    help={"reason": "Why, in words: required with the code `other`, optional with the others."},
)
PauseIn = form_serializer(
    case_forms.PauseForm(),
    name="PauseIn",
    doc="Which party the step waits for, and for how many working days.",
)

ExtensionAskIn = form_serializer(
    case_forms.ExtensionAskForm(),
    name="ExtensionAskIn",
    doc="The new due moment asked for (ISO 8601; without an offset, Asia/Shanghai time) and why.",
)
ExtensionDecisionIn = form_serializer(
    case_forms.ExtensionDecisionForm(),
    name="ExtensionDecisionIn",
    doc="`approve` or `refuse` an extension request; a refusal says why.",
)

ReassignIn = form_serializer(
    case_forms.ReassignForm(by_login=True),
    name="ReassignIn",
    doc="Who gets the task (`to_user`: their login), and why.",
)

# ---- cases -------------------------------------------------------------------------------------------------

SideExitIn = form_serializer(
    case_forms.SideExitForm(), name="SideExitIn", doc="A side exit's reason (and, for `refer`, where to)."
)
CaseReassignIn = form_serializer(
    case_forms.CaseReassignForm(),
    name="CaseReassignIn",
    doc="v1's `reassign`: the task (its id), who gets it (their login), and why.",
)
CaseActionIn = AnyOfProxySerializer(
    component_name="CaseActionIn",
    serializers=[SideExitIn, CaseReassignIn],
    resource_type_field_name=None,
)
CaseReturnIn = form_serializer(
    case_forms.ReturnForm(),
    name="CaseReturnIn",
    doc="Why the dispute goes back (退回): a code, and a text (required with `other`).",
    help={"reason": "Why, in words: required with the code `other`, optional with the others."},
)
ReturnDecisionIn = form_serializer(
    case_forms.ReturnDecisionForm(),
    name="ReturnDecisionIn",
    doc="The receiving unit's decision on a return, and a note (required to re-dispatch a dispute).",
)
UnmaskIn = form_serializer(
    case_forms.UnmaskForm(), name="UnmaskIn", doc="Why you need to see the personal data."
)
CaseListQuery = form_serializer(
    case_forms.CaseFilterForm(),
    name="CaseListQuery",
    doc="The case list's filters and page.",
    help={
        "after": "The cursor of the page to read, from the previous page's `next` (omit for the first).",
        "light": "The cases of one light now: `green`, `yellow` (75 % of the time used), `red` (overdue), "
        "`paused`, or `none` (no deadline: ended, or timed by no policy).",
        "sort": "`newest` (registration, the newest first; the default) or `due` (the due moment, the soonest "
        "first, cases without a deadline last).",
    },
)

# ---- supervision orders ------------------------------------------------------------------------------------

OrderIn = form_serializer(
    order_forms.OrderForm(),
    name="OrderIn",
    doc="A supervision order (督办单): what the case's workers must answer for, and within how many working days.",
)
OrderReplyIn = form_serializer(
    order_forms.OrderReplyForm(), name="OrderReplyIn", doc="The reply to an order."
)
OrderListQuery = form_serializer(
    order_forms.OrderListForm(), name="OrderListQuery", doc="Which orders (by state), which page."
)

# ---- tasks and notifications -------------------------------------------------------------------------------

TaskListQuery = form_serializer(
    case_forms.TaskListForm(),
    name="TaskListQuery",
    doc="Which list, its filters and order, which page.",
    help={
        "kind": "The cases of one kind.",
        "step": "The tasks of one step (its name; a name two kinds share takes both).",
        "unit": "The cases of a unit and every unit below it.",
        "light": "The steps of one light now: `green`, `yellow` (75 % of the time used), `red` (overdue), "
        "`paused`, or `none` (no deadline).",
        "q": "A reference, party, enterprise or description; 4 digits or more also find phone numbers by "
        "their digits, on the cases whose numbers you see in full.",
        "sort": "`priority` (the most urgent first, then the soonest due; the default of `inbox` and `queue`), "
        "`due` (the soonest first, steps without a deadline last), `age` (the oldest step first) or "
        "`finished` (done last first; the default of `archive`).",
    },
)
NoteIn = form_serializer(
    case_forms.NoteForm(),
    name="NoteIn",
    doc="A note on a case.",
    help={"note": "The note, at most 1,000 characters; `@login` mentions someone who sees the case."},
)
ClaimManyIn = form_serializer(
    case_forms.ClaimManyForm(), name="ClaimManyIn", doc="The queue tasks to claim (their ids)."
)
NotificationListQuery = form_serializer(
    case_forms.NotificationListForm(), name="NotificationListQuery", doc="The notifications after an id."
)
ReadIn = form_serializer(
    case_forms.MarkReadForm(), name="ReadIn", doc="Some `ids`, all `up_to` an id, or (neither) all."
)

# ---- headers -----------------------------------------------------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": "^[!-~]{1,100}$"},
    OpenApiParameter.HEADER,
    description="1–100 visible ASCII characters. A repeat of the request (the same caller, path, key and "
    "body) answers as the first did, without a second case; the same key with another body is a 422.",
)

# ---- attachments -------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.BINARY)
class BinaryFile(s.FileField):
    """A file's bytes, a part of a multipart body (drf-spectacular documents a ``FileField`` as a URL)."""


class AttachmentIn(s.Serializer[dict[str, Any]]):
    """An evidence file, sent as `multipart/form-data`: one `file`, and `task`, the id of the case's task whose
    step it belongs to (none: the case as a whole). Its type is judged by its content: a photo (JPEG, PNG,
    WebP), a PDF or a Word file (.docx); at most the setting `ATTACHMENT_MAX_MB` (10 MB by default)."""

    _form = case_forms.AttachmentForm()
    file = BinaryFile(help_text="The file (one per upload).")
    task = serializer_field(
        _form.fields["task"], help_text="The id of the case's task whose step the file belongs to."
    )

"""What the API's POSTs take, for the schema only: the views validate with the pages' forms (``cases.forms``,
each step's form from the step catalogue), and these serializers are made from those forms by
``form_serializer``, so the documented fields, choices and lengths are the forms' own."""

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers as s

from cases import forms as case_forms
from cases.models import CaseKind
from cases.steps import STEPS, Step


def choices(field: forms.ChoiceField) -> list[tuple[Any, Any]]:
    # A form field keeps its choices normalised to (value, label) pairs (callables are not used here).
    return list(cast(Iterable[tuple[Any, Any]], field.choices))


def serializer_field(field: forms.Field) -> s.Field:
    """The serializer field that documents what a form field accepts in a JSON body."""
    options: dict[str, Any] = {"required": field.required, "help_text": field.help_text or field.label}
    if isinstance(field, forms.ModelMultipleChoiceField):  # before ChoiceField: it is one
        return s.ListField(child=s.IntegerField(), allow_empty=not field.required, **options)
    if isinstance(field, forms.ModelChoiceField):
        return s.IntegerField(**options)
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
    form: forms.Form, *, name: str, doc: str, **extra: s.Field
) -> type[s.Serializer[dict[str, Any]]]:
    """A serializer named ``name`` (its schema component) with a field per field of ``form`` (an instance:
    a form's ``__init__`` may change its fields), then ``extra``."""
    fields = {field_name: serializer_field(field) for field_name, field in form.fields.items()}
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


def unit_field() -> s.IntegerField:
    return s.IntegerField(required=False, help_text="A supervisor may register in a unit below them.")


DisputeIn = form_serializer(
    case_forms.DisputeIntakeForm(), name="DisputeIn", doc="A micro-dispute to register.", unit=unit_field()
)
HelpRequestIn = form_serializer(
    case_forms.HelpRequestIntakeForm(),
    name="HelpRequestIn",
    doc="An enterprise help request to register.",
    unit=unit_field(),
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

ReleaseIn = form_serializer(case_forms.ReleaseForm(), name="ReleaseIn", doc="Why the task goes back.")
PauseIn = form_serializer(
    case_forms.PauseForm(),
    name="PauseIn",
    doc="Which party the step waits for, and for how many working days.",
)


class ReassignIn(s.Serializer[dict[str, Any]]):
    to_user = s.CharField(help_text="The login of the person who gets the task.")
    reason = s.CharField(required=False, allow_blank=True)


# ---- cases -------------------------------------------------------------------------------------------------

CaseActionIn = form_serializer(
    case_forms.SideExitForm(),
    name="CaseActionIn",
    doc="A side exit's reason (and, for `refer`, where to); v1's `reassign` takes `task`, `to_user`, `reason`.",
    task=s.IntegerField(required=False, help_text="`reassign` (v1): the task's id."),
    to_user=s.CharField(required=False, help_text="`reassign` (v1): the login of the person who gets it."),
)


class ReasonIn(s.Serializer[dict[str, Any]]):
    reason = s.CharField()


# ---- notifications -----------------------------------------------------------------------------------------


class ReadIn(s.Serializer[dict[str, Any]]):
    ids = s.ListField(child=s.IntegerField(), required=False)
    up_to = s.IntegerField(required=False)

"""Everything the API reads from a request goes through here, so that no view parses raw input itself: the
path's ids and references through their converters (``cases.converters``), the body through
``api.parsers.JSONBodyParser`` (size, depth, Unicode), then the query string and the body through the forms
of ``cases.forms``, the pages' own. A refusal is a 400 in the error shape with each field's messages.

A JSON body can carry what a form never gets from a page: a number, a list or an object where the form
expects text. Django's ``CharField`` would store a dict's ``str()`` as a reason, so ``cleaned`` refuses a
value of the wrong JSON type before the form sees it."""

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.utils import json

from cases.agreement_forms import PerformanceField, TermsField
from cases.errors import InvalidInput
from cases.forms import AsciiIntegerListField


def body(request: Request) -> dict[str, Any]:
    """The request's JSON object; anything else (a bare number, a list) is a 400."""
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    return request.data


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


# What a field takes from JSON, by its kind (the first that matches; anything else takes a string).
JSON_TYPES: list[tuple[tuple[type, ...], Callable[[Any], bool], Promise]] = [
    ((forms.BooleanField,), lambda value: isinstance(value, bool), _("Send true or false here.")),
    (
        (forms.MultipleChoiceField, forms.ModelMultipleChoiceField, AsciiIntegerListField),
        lambda value: isinstance(value, list) and all(_scalar(item) for item in value),
        _("Send a list of values here."),
    ),
    (
        (TermsField, PerformanceField),
        lambda value: isinstance(value, list) and all(isinstance(item, dict) for item in value),
        _("Send a list of objects here."),
    ),
    (
        (forms.ChoiceField, forms.ModelChoiceField, forms.IntegerField),
        _scalar,
        _("Send a single value here, not a list or an object."),
    ),
]
TEXT = _("Send text here, not a number, a list or an object.")


def json_type_errors(form: forms.Form) -> dict[str, list[str]]:
    """The fields of ``form`` whose value in its JSON body is of the wrong type (``null`` is no value)."""
    errors = {}
    for name, field in form.fields.items():
        value = form.data.get(form.add_prefix(name))
        if value is None:
            continue
        accepts, message = next(
            ((accepts, message) for kinds, accepts, message in JSON_TYPES if isinstance(field, kinds)),
            (lambda value: isinstance(value, str), TEXT),
        )
        if not accepts(value):
            errors[name] = [str(message)]
    return errors


def cleaned(form: forms.Form) -> dict[str, Any]:
    """The cleaned data of ``form``, bound to a query string or to a JSON body; a 400 otherwise."""
    errors = {} if isinstance(form.data, QueryDict) else json_type_errors(form)
    if not errors and not form.is_valid():
        errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
    if errors:
        raise ValidationError(errors)
    return form.cleaned_data


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")  # visible ASCII, the column's length


def idempotency_key(request: Request) -> str:
    """The request's ``Idempotency-Key`` ("" without one); a key the column cannot hold as it is sent is a
    400, never cut (two keys cut alike would share an answer)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if key and not IDEMPOTENCY_KEY.fullmatch(key):
        message = gettext("An Idempotency-Key is 1 to 100 visible ASCII characters.")
        raise ValidationError({"Idempotency-Key": [message]})
    return key


def body_digest(data: dict[str, Any]) -> str:
    """What a repeat must match: the body's JSON, keys sorted (the order and spacing a client sends are no
    difference)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()

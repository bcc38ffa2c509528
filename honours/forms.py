"""The forms of honours' pages: what a page reads, refused with the field's message before any write."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.attachments import ACCEPT
from cases.forms import CHOICE_ERRORS, AsciiIntegerField, Form
from cases.models import User
from honours.models import (
    CITATION,
    CRITERIA,
    MAX_SCORE,
    PLACE,
    TOPIC,
    ActivityTask,
    AnnualTask,
    HonourKind,
    Scheme,
)
from honours.services import FIRST_YEAR

MOST_TARGET = 999
MOST_REACHED = 100_000
MOST_PHOTOS = 6
LAST_YEAR = 2100


def this_year() -> int:
    return timezone.localdate().year


def _year_field(**kwargs: Any) -> forms.IntegerField:
    return AsciiIntegerField(
        label=_("Year"), min_value=FIRST_YEAR, max_value=date.max.year, initial=this_year, **kwargs
    )


class YearForm(Form):
    """``?year=`` on the lists (the pages: this year when absent or out of range; the API: a 400)."""

    year = AsciiIntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)

    def year_or_this(self) -> int:
        if self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return this_year()


class PersonChoice(forms.ModelChoiceField):
    """A person by id, in ASCII digits (``int`` would read ``١`` as 1)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise forms.ValidationError(CHOICE_ERRORS["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def label_from_instance(self, obj: User) -> str:
        return f"{obj} · {obj.unit}" if obj.unit else str(obj)


class NominationForm(Form):
    person = PersonChoice(label=_("Nominee"), queryset=User.objects.none())
    kind = forms.ChoiceField(label=_("Honour"), choices=HonourKind.choices, initial=HonourKind.PIONEER)
    year = _year_field()
    citation = forms.CharField(
        label=_("Citation"), max_length=CITATION, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, nominees: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = nominees  # type: ignore[attr-defined]


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "refuse" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for refusing."))
        return cleaned


class TargetsForm(Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for task in AnnualTask:
            self.fields[task.value] = AsciiIntegerField(
                label=task.label, min_value=0, max_value=MOST_TARGET, required=False
            )

    def targets(self) -> dict[str, int | None]:
        return {task.value: self.cleaned_data.get(task.value) for task in AnnualTask}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one field (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, list | tuple):
            files = [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        else:
            files = [super().clean(data, initial)] if data else []
        if len(files) > MOST_PHOTOS:
            raise forms.ValidationError(_("At most %(count)d photos at once.") % {"count": MOST_PHOTOS})
        return files


class ActivityEditForm(Form):
    """An activity's details: what a correction changes (its photos stay)."""

    task = forms.ChoiceField(label=_("Task"), choices=ActivityTask.choices)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=PLACE)
    topic = forms.CharField(label=_("Topic"), max_length=TOPIC)
    people_reached = AsciiIntegerField(label=_("People reached"), min_value=0, max_value=MOST_REACHED)


class ActivityForm(ActivityEditForm):
    photos = MultipleFileField(label=_("Photos"), required=False)


class SheetForm(Form):
    note = forms.CharField(
        label=_("Overall note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = CRITERIA[scheme]
        for criterion in self.criteria:
            self.fields[f"score_{criterion}"] = AsciiIntegerField(
                label=_("Score"), min_value=0, max_value=MAX_SCORE
            )
            self.fields[f"note_{criterion}"] = forms.CharField(
                label=_("Note"), max_length=1000, required=False
            )

    def scores(self) -> dict[str, tuple[int, str]]:
        return {
            str(criterion): (self.cleaned_data[f"score_{criterion}"], self.cleaned_data[f"note_{criterion}"])
            for criterion in self.criteria
        }

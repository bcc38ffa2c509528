"""The forms of the parties' pages and the API's (the tracking lookup, the satisfaction answer) and of the
workers' public notes. They validate; services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import SCORES, TEXTAREA, Form
from cases.models import limits
from cases.models.tracking import PUBLIC_NOTE


class TrackForm(Form):
    """A party's lookup: the reference and the tracking code from the receipt."""

    reference = forms.CharField(
        label=_("Case reference"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "TX-2026-000123", "autocomplete": "off"}),
        error_messages={"required": _("Enter the reference on your receipt.")},
    )
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"placeholder": "ABCD-EFGH-JKLM", "autocomplete": "off", "autocapitalize": "characters"}
        ),
        error_messages={"required": _("Enter the tracking code on your receipt.")},
    )


class SatisfactionForm(Form):
    """The party's rating (1 to 5) and comment."""

    rating = forms.TypedChoiceField(
        label=_("Your rating (5 is best)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us (optional)"),
        widget=TEXTAREA,
        required=False,
        max_length=limits.REASON,
    )


class PublicNoteForm(Form):
    """A worker's progress note for the party: it shows on the tracking page, without its author."""

    note = forms.CharField(
        label=_("Public progress note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=PUBLIC_NOTE,
        help_text=_("The party reads it on the tracking page. No names, phone numbers or internal details."),
        error_messages={"required": _("Write the note the party will read.")},
    )

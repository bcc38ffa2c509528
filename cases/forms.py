"""Forms for intake, each workflow step and the task/case actions. They validate; services write."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Category, Channel, FollowUpAnswer, Priority, Specialty, User
from cases.validators import validate_credit_code, validate_id_number, validate_mobile

DISPUTE_CHANNELS = [(c.value, c.label) for c in (Channel.VISIT, Channel.PHONE, Channel.ONLINE, Channel.GRID)]
HELP_CHANNELS = [(c.value, c.label) for c in (Channel.VISIT, Channel.PHONE, Channel.ONLINE)]
TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DisputeIntakeForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=DISPUTE_CHANNELS)
    description = forms.CharField(label=_("What happened"), widget=TEXTAREA, max_length=2000)
    applicant_name = forms.CharField(label=_("Applicant name"), max_length=50)
    applicant_phone = forms.CharField(label=_("Applicant mobile"), validators=[validate_mobile])
    applicant_id_number = forms.CharField(
        label=_("Applicant ID number"), required=False, validators=[validate_id_number]
    )
    respondent_name = forms.CharField(label=_("Respondent name"), max_length=50, required=False)
    respondent_phone = forms.CharField(
        label=_("Respondent mobile"), required=False, validators=[validate_mobile]
    )
    grid = forms.CharField(label=_("Grid"), max_length=100, required=False)
    may_escalate = forms.BooleanField(label=_("May intensify (raises the priority)"), required=False)


class HelpRequestIntakeForm(forms.Form):
    enterprise_name = forms.CharField(label=_("Enterprise"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code"), validators=[validate_credit_code])
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact mobile"), validators=[validate_mobile])
    specialties = forms.MultipleChoiceField(
        label=_("Specialties needed"), choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Question"), widget=TEXTAREA, max_length=2000)
    channel = forms.ChoiceField(label=_("Channel"), choices=HELP_CHANNELS)
    priority = forms.TypedChoiceField(
        label=_("Urgency"),
        choices=Priority.choices,
        coerce=int,
        initial=1,
        required=False,
        empty_value=1,  # type: ignore[arg-type]  # Django takes any value; django-stubs says str or None
    )
    card_code = forms.CharField(label=_("Experience card code"), max_length=20, required=False)

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


# ---- steps -----------------------------------------------------------------------------------------------


class TriageForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    note = forms.CharField(label=_("Triage note"), widget=TEXTAREA, required=False)


class MeetingForm(forms.Form):
    scheduled_at = forms.DateTimeField(label=_("Time"), widget=DATETIME)
    place = forms.CharField(label=_("Place"), max_length=200)
    departments = forms.CharField(label=_("Outside departments"), max_length=300, required=False)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, attendee_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if attendee_choices is not None:
            cast("forms.ModelMultipleChoiceField[User]", self.fields["attendees"]).queryset = attendee_choices


class ConveneForm(MeetingForm):
    pass


class ConsultForm(MeetingForm):
    minutes = forms.CharField(label=_("Minutes"), widget=TEXTAREA)
    decisions = forms.CharField(label=_("Decisions"), widget=TEXTAREA)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The scheduled meeting already has a time and place; a reopened consultation may need new ones.
        self.fields["scheduled_at"].required = False
        self.fields["place"].required = False


class JointSessionForm(MeetingForm):
    minutes = forms.CharField(label=_("Minutes"), widget=TEXTAREA)
    decisions = forms.CharField(label=_("Decisions"), widget=TEXTAREA)


class DisputeResolveForm(forms.Form):
    agreement_text = forms.CharField(label=_("Mediation agreement"), widget=TEXTAREA)
    outcome = forms.CharField(label=_("Outcome"), max_length=200)


class HelpResolveForm(forms.Form):
    solution = forms.CharField(label=_("Solution"), widget=TEXTAREA)
    proxy_service_done = forms.BooleanField(label=_("Proxy service done for the enterprise"), required=False)


class FollowUpForm(forms.Form):
    answer = forms.ChoiceField(label=_("Applicant's answer"), choices=FollowUpAnswer.choices)
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False)


class DispatchForm(forms.Form):
    specialties = forms.MultipleChoiceField(
        label=_("Specialties needed"), choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.TypedChoiceField(label=_("Urgency"), choices=Priority.choices, coerce=int)
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False)


class AdviseForm(forms.Form):
    text = forms.CharField(label=_("Professional advice"), widget=TEXTAREA)


SCORES = [(n, str(n)) for n in range(1, 6)]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Enterprise rating (1-5)"), choices=SCORES, coerce=int)
    comment = forms.CharField(label=_("Enterprise comment"), widget=TEXTAREA, required=False)


class AssessForm(forms.Form):
    quality_score = forms.TypedChoiceField(label=_("Quality score (1-5)"), choices=SCORES, coerce=int)
    comment = forms.CharField(label=_("Comment"), widget=TEXTAREA, required=False)


# ---- actions ---------------------------------------------------------------------------------------------


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why release it"), widget=TEXTAREA)


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("Reassign to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Why"), widget=TEXTAREA, required=False)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            cast("forms.ModelChoiceField[User]", self.fields["to_user"]).queryset = candidates


class SideExitForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA)
    to = forms.CharField(label=_("Referred to (department or unit)"), max_length=100, required=False)

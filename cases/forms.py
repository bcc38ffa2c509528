"""Forms for intake, each workflow step and the task/case actions. They validate; services write."""

import copy
from typing import cast

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from cases import agreement_forms
from cases.attachments import ACCEPT, max_size
from cases.converters import REFERENCE_PATTERN
from cases.deadlines import NO_DEADLINE_LIGHT
from cases.errors import InvalidInput
from cases.models import (
    CaseKind,
    CaseState,
    Category,
    Channel,
    FollowUpAnswer,
    Light,
    Priority,
    ReturnDecision,
    ReturnReason,
    Specialty,
    User,
    WorklistOrder,
    limits,
)
from cases.selectors.cases import CaseOrder
from cases.services.clocks import pause_checked
from cases.services.extensions import decision_checked
from cases.services.returns import return_input
from cases.validators import validate_credit_code, validate_id_number, validate_mobile

ASCII_DIGITS = RegexValidator(r"^[0-9]+\Z", _("Enter a whole number in digits 0-9."), code="ascii_digits")


class AsciiIntegerField(forms.IntegerField):
    """An integer written in ASCII digits only: Python's ``int`` also reads ``١`` and ``²`` is a "digit" it
    cannot read; neither is a number a person typed here."""

    def to_python(self, value):
        if value not in self.empty_values:
            ASCII_DIGITS(str(value).strip())
        return super().to_python(value)


# A refused choice never repeats what was sent (it may be 100,000 characters long).
CHOICE_ERRORS = {"invalid_choice": _("Choose one of the listed options.")}
# Django's messages that repeat the input: a choice that is not listed, a list item that is no id.
ECHOES = ("%(value)s", "%(pk)s")


class Form(forms.Form):
    """The base of every form here. No refusal repeats what was sent: a message of Django's that would quote
    the input (a choice, a list item) says "Choose one of the listed options." instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # each form has its own copies of its fields and their messages
            for code, message in field.error_messages.items():
                if any(echo in str(message) for echo in ECHOES):
                    field.error_messages[code] = CHOICE_ERRORS["invalid_choice"]
            unlimited_in_browser(field)


def unlimited_in_browser(field: forms.Field) -> None:
    """A browser cuts a pasted text at ``maxlength`` without a word: the limit is shown instead
    (``data-maxlength``, a counter by static/js/forms.js) and a longer text is refused with its length."""
    attrs = field.widget.attrs
    if "maxlength" in attrs:
        field.widget = copy.copy(field.widget)  # the widget may be shared (TEXTAREA): never change it for all
        field.widget.attrs = {**attrs, "data-maxlength": attrs["maxlength"]}
        del field.widget.attrs["maxlength"]


DISPUTE_CHANNELS = [(c.value, c.label) for c in (Channel.VISIT, Channel.PHONE, Channel.ONLINE, Channel.GRID)]
HELP_CHANNELS = [(c.value, c.label) for c in (Channel.VISIT, Channel.PHONE, Channel.ONLINE)]
TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DisputeIntakeForm(Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=DISPUTE_CHANNELS)
    description = forms.CharField(label=_("What happened"), widget=TEXTAREA, max_length=limits.DESCRIPTION)
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


class HelpRequestIntakeForm(Form):
    enterprise_name = forms.CharField(label=_("Enterprise"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code"), validators=[validate_credit_code])
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact mobile"), validators=[validate_mobile])
    specialties = forms.MultipleChoiceField(
        label=_("Specialties needed"), choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Question"), widget=TEXTAREA, max_length=limits.DESCRIPTION)
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


ASK_THE_QUESTION = _("Write the enterprise's question.")


class HelpRequestIntakeApiForm(HelpRequestIntakeForm):
    """The API's intake as the v1 contract names it: the enterprise's ``question`` (``description``, its older
    name, still taken: one of the two, or both the same), and ``channel`` ``visit`` when left out. The cleaned
    data is the page form's (``description``, ``channel``)."""

    question = forms.CharField(
        label=_("Question"), widget=TEXTAREA, max_length=limits.DESCRIPTION, required=False
    )

    field_order = [
        "enterprise_name",
        "credit_code",
        "contact_name",
        "contact_phone",
        "specialties",
        "question",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].required = False
        self.fields["channel"].required = False

    def clean(self):
        data = super().clean() or {}
        question, description = data.pop("question", ""), data.get("description", "")
        if "question" in self.errors or "description" in self.errors:
            return data
        if question and description and question != description:
            self.add_error("question", _("Send the question once: as question, or as description."))
        elif not (question or description):
            self.add_error("question", ASK_THE_QUESTION)
        else:
            data["description"] = question or description
        data["channel"] = data.get("channel") or Channel.VISIT.value
        return data


# ---- steps -----------------------------------------------------------------------------------------------


class TriageForm(Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    note = forms.CharField(label=_("Triage note"), widget=TEXTAREA, required=False, max_length=limits.REASON)


class AttendeePicker(forms.CheckboxSelectMultiple):
    """The attendees' checkboxes grouped by role and unit, with a search box (templates/includes/
    attendee_picker.html, static/js/forms.js). Who is listed is ``rules.may_attend`` (``Step.form_for``), for the
    pages and the API alike."""

    picker = True


class MeetingForm(Form):
    scheduled_at = forms.DateTimeField(label=_("Time"), widget=DATETIME)
    place = forms.CharField(label=_("Place"), max_length=200)
    departments = forms.CharField(label=_("Outside departments"), max_length=300, required=False)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"),
        queryset=User.objects.none(),
        required=False,
        widget=AttendeePicker,
    )

    def __init__(self, *args, attendee_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if attendee_choices is not None:
            cast("forms.ModelMultipleChoiceField[User]", self.fields["attendees"]).queryset = attendee_choices


class ConveneForm(MeetingForm):
    """Schedules the consultation: a meeting to come, so a time already past is refused."""

    def clean_scheduled_at(self):
        scheduled_at = self.cleaned_data["scheduled_at"]
        if scheduled_at <= timezone.now():
            raise forms.ValidationError(
                _("Choose a time still to come: the meeting is being scheduled."), code="past"
            )
        return scheduled_at


class ConsultForm(MeetingForm):
    minutes = forms.CharField(label=_("Minutes"), widget=TEXTAREA, max_length=limits.TEXT)
    decisions = forms.CharField(label=_("Decisions"), widget=TEXTAREA, max_length=limits.TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The scheduled meeting already has a time and place; a reopened consultation may need new ones.
        self.fields["scheduled_at"].required = False
        self.fields["place"].required = False


class JointSessionForm(MeetingForm):
    minutes = forms.CharField(label=_("Minutes"), widget=TEXTAREA, max_length=limits.TEXT)
    decisions = forms.CharField(label=_("Decisions"), widget=TEXTAREA, max_length=limits.TEXT)


class DisputeResolveForm(Form):
    """调解协议书 (人民调解法 art. 28–29): the agreement as structured fields. The parties are the dispute's
    (copied when it is recorded); the respondent's ID number, which intake does not ask, may be given here."""

    facts = forms.CharField(label=_("Facts"), widget=TEXTAREA, max_length=limits.TEXT)
    dispute = forms.CharField(label=_("Matters in dispute"), widget=TEXTAREA, max_length=limits.TEXT)
    terms = agreement_forms.TermsField(label=_("Agreed terms"))
    respondent_id_number = forms.CharField(
        label=_("Respondent ID number"), required=False, validators=[validate_id_number]
    )
    mediators = forms.CharField(label=_("Mediators"), max_length=200)
    committee = forms.CharField(label=_("People's mediation committee"), max_length=200)
    signed_on = forms.DateField(label=_("Date signed"), widget=DATE)
    judicial_confirmation = forms.BooleanField(
        label=_("The parties want judicial confirmation (司法确认)"), required=False
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=200)

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise forms.ValidationError(_("An agreement cannot be signed in the future."), code="future")
        return signed_on

    def clean_respondent_id_number(self):
        return self.cleaned_data["respondent_id_number"].strip().upper()


class HelpResolveForm(Form):
    solution = forms.CharField(label=_("Solution"), widget=TEXTAREA, max_length=limits.TEXT)
    proxy_service_done = forms.BooleanField(label=_("Proxy service done for the enterprise"), required=False)


class FollowUpForm(Form):
    """The follow-up call, and whether each agreed term was performed (履行情况). The performance is optional:
    the party's own answer through their link does not say it, and a term left out stays unrecorded."""

    answer = forms.ChoiceField(label=_("Applicant's answer"), choices=FollowUpAnswer.choices)
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False, max_length=limits.REASON)
    performance = agreement_forms.PerformanceField(label=_("Performance of the agreed terms"), required=False)

    def __init__(self, *args, terms=(), **kwargs):
        super().__init__(*args, **kwargs)
        performance = cast(agreement_forms.PerformanceField, self.fields["performance"])
        performance.terms = list(terms)


class DispatchForm(Form):
    specialties = forms.MultipleChoiceField(
        label=_("Specialties needed"), choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.TypedChoiceField(label=_("Urgency"), choices=Priority.choices, coerce=int)
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False, max_length=limits.REASON)


class AdviseForm(Form):
    text = forms.CharField(label=_("Professional advice"), widget=TEXTAREA, max_length=limits.TEXT)


SCORES = [(n, str(n)) for n in range(1, 6)]


class FeedbackForm(Form):
    rating = forms.TypedChoiceField(label=_("Enterprise rating (1-5)"), choices=SCORES, coerce=int)
    comment = forms.CharField(
        label=_("Enterprise comment"), widget=TEXTAREA, required=False, max_length=limits.REASON
    )


class AssessForm(Form):
    quality_score = forms.TypedChoiceField(label=_("Quality score (1-5)"), choices=SCORES, coerce=int)
    comment = forms.CharField(label=_("Comment"), widget=TEXTAREA, required=False, max_length=limits.REASON)


# ---- actions ---------------------------------------------------------------------------------------------


class ReturnForm(Form):
    """A return (退回): a code from the one list, and a text (required with 其他). The rule is
    ``cases.services.returns.return_input``, the API's too."""

    code = forms.ChoiceField(
        label=_("Why it goes back"),
        choices=ReturnReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why it goes back.")},
    )
    reason = forms.CharField(
        label=_("Details"),
        widget=TEXTAREA,
        max_length=limits.REASON,
        required=False,
        help_text=_("Required with “Other”."),
    )

    def clean(self):
        data = super().clean() or {}
        if not self.errors:
            try:
                data["code"], data["reason"] = return_input(code=data["code"], reason=data.get("reason"))
            except InvalidInput as error:
                self.add_error(error.field, str(error.message))
        return data


class ReleaseForm(ReturnForm):
    """Releasing a claimed task to the queue is a return: its code, and a text (with 其他)."""


class ReturnDecisionForm(Form):
    """The receiving unit's decision on a return; re-dispatching a dispute needs a note (the reason it goes out
    again: ``cases.services.returns.decision_input``, which the command applies)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=ReturnDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose re-dispatch or uphold.")},
    )
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, max_length=limits.REASON, required=False)


def _days_help() -> str:
    return _("1 to %(limit)s (%(limit)s when empty); the step resumes by itself then.") % {
        "limit": settings.PAUSE_MAX_WORKING_DAYS
    }


class PauseForm(Form):
    """The holder waits for a party: why, and for how many working days at most (then the step resumes by
    itself). The rule is ``cases.services.clocks.pause_checked``, the API's too."""

    reason = forms.CharField(
        label=_("Waiting for"),
        widget=TEXTAREA,
        max_length=limits.REASON,
        error_messages={"required": _("Say which party the step waits for, and why.")},
    )
    days = AsciiIntegerField(label=_("Working days"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = lazy(_days_help, str)()

    def clean(self):
        data = super().clean() or {}
        if not self.errors:
            try:
                data["reason"], data["days"] = pause_checked(reason=data["reason"], days=data.get("days"))
            except InvalidInput as error:
                self.add_error(error.field, str(error.message))
        return data


class ExtensionAskForm(Form):
    """The holder of a step asks for a later due moment (延期申请), and says why. When the step may have one, and
    how late, is the service's (``cases.services.extensions``): it knows the step's clock."""

    due_at = forms.DateTimeField(
        label=_("New due moment"),
        widget=DATETIME,
        error_messages={"required": _("Give the new due moment.")},
    )
    reason = forms.CharField(
        label=_("Why the step needs more time"),
        widget=TEXTAREA,
        max_length=limits.REASON,
        error_messages={"required": _("Say why the step needs more time.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].help_text = lazy(_extension_help, str)()


def _extension_help() -> str:
    return _("After the current due moment, at most %(limit)s working days past it.") % {
        "limit": settings.EXTENSION_MAX_WORKING_DAYS
    }


EXTENSION_DECISIONS = [("approve", _("Approve")), ("refuse", _("Refuse"))]


class ExtensionDecisionForm(Form):
    """A supervisor's decision on an extension request: approve, or refuse with a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=EXTENSION_DECISIONS,
        error_messages={
            "required": _("Approve or refuse the request."),
            "invalid_choice": _("Approve or refuse the request."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse)"), widget=TEXTAREA, required=False, max_length=limits.REASON
    )

    def clean(self):
        data = super().clean() or {}
        if not self.errors:
            data["approve"] = data["decision"] == "approve"
            try:
                data["reason"] = decision_checked(approve=data["approve"], reason=data["reason"])
            except InvalidInput as error:
                self.add_error(error.field, str(error.message))
        return data


NAME_THE_PERSON = _("Name the person (their login) to reassign the task to.")
NAME_THE_TASK_AND_PERSON = _("Name the task (its id) and the person (their login) to reassign it to.")


class ReassignForm(Form):
    """Who gets the task, and why. The page offers ``candidates`` (the people who may take the step) by id;
    the API names the person by login (``by_login``) and leaves the service to say why one may not have it."""

    to_user = forms.ModelChoiceField(label=_("Reassign to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Why"), widget=TEXTAREA, required=False, max_length=limits.REASON)

    def __init__(self, *args, candidates=None, by_login: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        to_user = cast("forms.ModelChoiceField[User]", self.fields["to_user"])
        if candidates is not None:
            to_user.queryset = candidates
        if by_login:
            to_user.to_field_name = "username"
            to_user.error_messages.update(required=NAME_THE_PERSON, invalid_choice=NAME_THE_PERSON)


class CaseReassignForm(ReassignForm):
    """v1's ``cases/{reference}/actions/reassign/``: the body names the task too, and every refusal of the
    input asks for both."""

    task = AsciiIntegerField(label=_("Task"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, by_login=True, **kwargs)
        for name in ("to_user", "task"):
            self.fields[name].error_messages.update(
                required=NAME_THE_TASK_AND_PERSON, invalid_choice=NAME_THE_TASK_AND_PERSON
            )


class SideExitForm(Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=TEXTAREA,
        max_length=limits.REASON,
        error_messages={"required": _("Give a reason.")},
    )
    to = forms.CharField(
        label=_("Referred to (department or unit)"), max_length=limits.REFERRED_TO, required=False
    )


class UnmaskForm(Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=limits.REASON,
        error_messages={"required": _("Say why you need to see the personal data.")},
    )


def _attachment_help() -> str:
    return _("A photo (JPEG, PNG, WebP), a PDF or a Word file (.docx), at most %(size)s.") % {
        "size": max_size()
    }


class AttachmentForm(Form):
    """One evidence file per upload; what it is and whether it is too large is judged by its content when it
    is attached (``cases.attachments``). The API names the step it belongs to by its task's id (``task``);
    the pages by the task page the form is on."""

    file = forms.FileField(label=_("File"), widget=forms.FileInput(attrs={"accept": ACCEPT}))
    task = AsciiIntegerField(
        label=_("Step (its task's id)"), min_value=1, max_value=10**18 - 1, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = lazy(_attachment_help, str)()

    def clean(self):
        data = super().clean() or {}
        getlist = getattr(self.files, "getlist", None)
        if getlist is not None and len(getlist(self.add_prefix("file"))) > 1:
            self.add_error("file", _("Attach one file at a time."))
        return data


class DuplicateChoiceForm(Form):
    """重复件 at intake: the possible duplicates were seen (the page's confirm step), and the case the new one
    repeats, if any (its reference, one of those shown)."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    duplicate_of = forms.CharField(
        label=_("Register it as a repeat of"),
        max_length=20,
        required=False,
        validators=[
            RegexValidator(
                rf"^{REFERENCE_PATTERN}\Z",
                _("Name the case by its reference, TX-2026-000123."),
                code="reference",
            )
        ],
    )


class IntakeUnitForm(Form):
    """The API's intake may name the ``unit`` to register in (a supervisor's, below them)."""

    unit = AsciiIntegerField(label=_("Unit"), min_value=1, required=False)


# ---- queries -------------------------------------------------------------------------------------------------

PAGE_SIZE_MAX = 200


def page_size_field() -> AsciiIntegerField:
    return AsciiIntegerField(label=_("Page size"), min_value=1, max_value=PAGE_SIZE_MAX, required=False)


# The case list's light filter: each light as ``deadlines.case_sla`` gives it now, or no deadline at all.
LIGHT_FILTERS = [*Light.choices, (NO_DEADLINE_LIGHT, _("No deadline"))]
CASE_ORDERS = [(CaseOrder.NEWEST.value, _("Newest first")), (CaseOrder.DUE.value, _("Due first"))]


class CaseFilterForm(Form):
    """The case list's query: the filters, the page cursor and the page size (pages and API alike)."""

    state = forms.ChoiceField(
        label=_("State"), choices=CaseState.choices, required=False, error_messages=CHOICE_ERRORS
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CaseKind.choices, required=False, error_messages=CHOICE_ERRORS
    )
    unit = AsciiIntegerField(label=_("Unit"), min_value=1, required=False)
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    light = forms.ChoiceField(
        label=_("Light"),
        choices=LIGHT_FILTERS,
        required=False,
        error_messages={"invalid_choice": _("Choose green, yellow, red, paused or none (no deadline).")},
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=CASE_ORDERS,
        required=False,
        error_messages={
            "invalid_choice": _("Choose newest (the newest first, the default) or due (the soonest first).")
        },
    )
    after = forms.CharField(label=_("Page"), max_length=40, required=False)
    page_size = page_size_field()

    def filters(self) -> dict:
        """The cleaned query as ``case_page_for_user`` takes it."""
        data = self.cleaned_data
        size = {"size": data["page_size"]} if data["page_size"] else {}
        return {
            "after": data["after"],
            "state": data["state"],
            "kind": data["kind"],
            "unit_id": data["unit"],
            "q": data["q"].strip(),
            "light": data["light"],
            "order": data["sort"] or CaseOrder.NEWEST,
            **size,
        }


TASK_SCOPES = [(scope, scope) for scope in ("queue", "inbox", "archive")]


def step_choices() -> list[tuple[str, Promise]]:
    """Every step by name (a name two kinds share is one choice), for the worklists' step filter."""
    from cases.steps import STEPS  # the steps' forms are in this module

    return sorted({step.name: step.title for step in STEPS}.items())


class WorklistForm(Form):
    """A worklist's filters and order (pages and API alike; ``WorklistPreference`` keeps what a person chose)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=CaseKind.choices, required=False, error_messages=CHOICE_ERRORS
    )
    step = forms.ChoiceField(
        label=_("Step"),
        choices=step_choices,
        required=False,
        error_messages=CHOICE_ERRORS,
    )
    unit = AsciiIntegerField(label=_("Unit"), min_value=1, required=False)
    light = forms.ChoiceField(
        label=_("Light"),
        choices=LIGHT_FILTERS,
        required=False,
        error_messages={"invalid_choice": _("Choose green, yellow, red, paused or none (no deadline).")},
    )
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=WorklistOrder.choices,
        required=False,
        error_messages={
            "invalid_choice": _(
                "Choose priority (the most urgent first), due (the soonest first), age (the oldest first) "
                "or finished (done last first)."
            )
        },
    )

    FILTERS = ("kind", "step", "unit", "light", "q", "sort")

    def filters(self) -> dict:
        """The cleaned filters as ``workflow.selectors.worklist`` takes them."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "step": data["step"],
            "unit_id": data["unit"],
            "light": data["light"],
            "q": data["q"].strip(),
            "sort": data["sort"],
        }

    def remembered(self) -> dict:
        """What a person's ``WorklistPreference`` keeps: the filters they set, as they sent them."""
        return {name: self.data[name] for name in self.FILTERS if self.data.get(name) not in (None, "")}


class TaskListForm(WorklistForm):
    """The API's task list: which list, its filters and order, which page of it."""

    scope = forms.ChoiceField(
        label=_("List"),
        choices=TASK_SCOPES,
        required=False,
        error_messages={"invalid_choice": _("scope is one of queue, inbox, archive.")},
    )
    after = forms.CharField(label=_("Page"), max_length=80, required=False)
    # Before pages were read by cursor: page 1 is the first page, later ones are refused (follow ``next``).
    page = AsciiIntegerField(
        label=_("Page"),
        min_value=1,
        max_value=1,
        required=False,
        error_messages={
            "max_value": _("Follow the next link of each page (its after cursor): there are no page numbers.")
        },
    )
    page_size = page_size_field()


class NotificationListForm(Form):
    """The API's notification stream: those the client has not seen, from its cursor (the last id it saw and the
    last horizon it was given)."""

    after = AsciiIntegerField(label=_("After"), min_value=0, required=False)
    horizon = AsciiIntegerField(label=_("Horizon"), min_value=0, max_value=2**63 - 1, required=False)


def first_error(form: forms.Form) -> tuple[str, str]:
    """A refused form's first field and its message, with the field's label: ``(field, message)``."""
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else ""
    error = str(errors[0])
    return field, str(_("%(field)s: %(error)s") % {"field": label, "error": error}) if label else error


class AsciiIntegerListField(forms.Field):
    """A list of ASCII-digit integers: repeated form values, or a JSON list."""

    default_error_messages = {"invalid": _("Give a list of whole numbers in digits 0-9.")}

    def __init__(self, *, max_items: int = 1000, **kwargs):
        self.max_items = max_items
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, list | tuple) or len(value) > self.max_items:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        numbers = []
        for item in value:
            text = str(item).strip() if isinstance(item, int | str) and not isinstance(item, bool) else ""
            if not text.isascii() or not text.isdigit() or len(text) > 18:  # 18 digits: a 64-bit id
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            numbers.append(int(text))
        return numbers


class NoteForm(Form):
    """A note on a case (备注): its text, with @logins to mention people who see the case."""

    note = forms.CharField(
        label=_("Note"),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mention someone who works on the case with @ followed by their login."),
        error_messages={"required": _("Write the note.")},
    )


class ClaimManyForm(Form):
    """Several queue tasks to claim at once (their ids)."""

    tasks = AsciiIntegerListField(label=_("Tasks"), max_items=50, required=False)

    def clean_tasks(self):
        tasks = self.cleaned_data["tasks"]
        if not tasks:
            raise forms.ValidationError(_("Choose the tasks to claim."), code="required")
        return tasks


class MarkReadForm(Form):
    """Which of one's notifications to mark read: some ``ids``, all ``up_to`` an id, or (neither) all."""

    ids = AsciiIntegerListField(label=_("Notifications"), required=False)
    up_to = AsciiIntegerField(label=_("Up to"), min_value=0, required=False)

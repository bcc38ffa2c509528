"""The step catalogue: every human step of both lifecycles, defined once.

A step carries what it is: its name, title, who does it, the form that takes its input (pages and API build it
from here, with the same fields, choices and attendee rule), the service that writes it, the transitions that
write fires, its initial values, and an example completion (the demo, the benchmarks and the tests work cases
with it). A flow node holds its step (``workflow.nodes.CaseTask``); nothing else is keyed by a step's name, but
for how long it may take: that is data, the deadline policies administrators keep (``DeadlinePolicy``, seeded
from practice by a migration).

One vocabulary: a node is named as its step, and a step's write fires the transition of the same name, except
where the step says otherwise (``note``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases import forms as step_forms
from cases.models import Case, CaseKind, FollowUpAnswer, Specialty, User
from cases.rules import Audience, may_attend_people_q
from cases.services import steps as writes
from cases.services.agreements import agreement_terms


def _no_initial(case: Case) -> dict:
    return {}


def _tomorrow() -> Any:
    return timezone.now() + timedelta(days=1)


@dataclass(frozen=True)
class Step:
    name: str
    title: Promise
    kind: CaseKind
    audience: Audience
    form: type[forms.Form]
    write: Callable[..., None]  # (case=, actor=, **the form's cleaned data)
    transitions: tuple[str, ...]  # what the write may fire; () for none
    example: Callable[[Case], dict]  # a valid completion, as the form's cleaned data
    specialty: str | None = None
    initial: Callable[[Case], dict] = field(default=_no_initial)
    note: str = ""  # where a name differs on purpose
    # The party answers this step themselves through a single-use link (``cases.services.satisfaction``):
    # (rating 1-5, comment) as the step form's data.
    party_answer: Callable[[int, str], dict] | None = None

    def form_for(self, case: Case, data: Any = None) -> forms.Form:
        """The step's form for a case, as the task page and the API build it."""
        form_class = self.form
        if issubclass(form_class, step_forms.MeetingForm):
            attendees = (
                User.objects.filter(may_attend_people_q(case))
                .select_related("unit")
                .prefetch_related("groups")
                .order_by("unit__path", "username")
            )
            return form_class(data, initial=self.initial(case), attendee_choices=attendees)
        if issubclass(form_class, step_forms.FollowUpForm):
            return form_class(data, initial=self.initial(case), terms=agreement_terms(case))
        return form_class(data, initial=self.initial(case))

    def complete(self, *, case: Case, actor: User, data: dict) -> None:
        self.write(case=case, actor=actor, **data)


RESOLUTION_NOTE = (
    "fires `resolve`; the step and its node are `resolution` because a flow's node cannot be named `resolve` "
    "(viewflow's `this.resolve` is a method of its own)"
)


def _follow_up_from_party(rating: int, comment: str) -> dict:
    """The party's 1-5: 4 and 5 are satisfied, 3 basically satisfied, 1 and 2 dissatisfied (which reopens the
    consultation, as the worker's answer would)."""
    if rating >= 4:
        answer = FollowUpAnswer.SATISFIED
    elif rating == 3:
        answer = FollowUpAnswer.BASICALLY_SATISFIED
    else:
        answer = FollowUpAnswer.DISSATISFIED
    return {"answer": answer.value, "note": comment}


def _meeting_example(place: str, departments: str) -> dict:
    return {"scheduled_at": _tomorrow(), "place": place, "departments": departments}


def _scheduled_meeting(case: Case) -> dict:
    """The consultation starts from the meeting that was scheduled (its time, place, departments and
    attendees), as ``writes.consult`` records it: nothing is asked twice."""
    meeting = case.meetings.filter(held=False).order_by("-scheduled_at").first()
    if meeting is None:
        return {}
    return {
        "scheduled_at": timezone.localtime(meeting.scheduled_at),
        "place": meeting.place,
        "departments": meeting.departments,
        "attendees": [person.pk for person in meeting.attendees.all()],
    }


def _assess(kind: CaseKind) -> Step:
    """考核表彰, the same step for both kinds: the supervisor's assessment closes the case."""
    return Step(
        name="assess",
        title=_("Assessment"),
        kind=kind,
        audience=Audience.SUPERVISOR,
        form=step_forms.AssessForm,
        write=writes.assess,
        transitions=("commend",),
        example=lambda case: {"quality_score": 5, "comment": "及时高效"},
        note="fires `commend`: the assessment is the 考核表彰 that closes the case",
    )


# ---- 同心接访 micro-dispute ---------------------------------------------------------------------------------

TRIAGE = Step(
    name="triage",
    title=_("Triage"),
    kind=CaseKind.DISPUTE,
    audience=Audience.WORKER,
    form=step_forms.TriageForm,
    write=writes.triage,
    transitions=("triage",),
    initial=lambda case: {"category": case.dispute.category, "priority": case.priority},
    example=lambda case: {"category": case.dispute.category, "priority": case.priority},
)
CONVENE = Step(
    name="convene",
    title=_("Schedule the consultation"),
    kind=CaseKind.DISPUTE,
    audience=Audience.WORKER,
    form=step_forms.ConveneForm,
    write=writes.convene,
    transitions=("convene",),
    example=lambda case: _meeting_example("祥泰社区议事厅", "司法所, 物业公司"),
)
CONSULT = Step(
    name="consult",
    title=_("Consultation"),
    kind=CaseKind.DISPUTE,
    audience=Audience.WORKER,
    form=step_forms.ConsultForm,
    write=writes.consult,
    transitions=("conclude",),
    initial=lambda case: _scheduled_meeting(case),
    example=lambda case: {
        "minutes": "双方陈述诉求，调解员释法明理。",
        "decisions": "物业限期整改，业主按期缴费。",
    },
    note="fires `conclude` (CONSULTING → RESOLVING): `consult` is the help request's transition into the "
    "consultation, fired when every specialty has answered",
)


def _committee_of(case: Case) -> str:
    """人民调解委员会 of the case's unit, as the agreement names it unless the mediator writes another."""
    return f"{case.unit.name}人民调解委员会"


def _agreement_example(case: Case) -> dict:
    today = timezone.localdate()
    return {
        "facts": "申请人反映楼上住户装修噪音扰民，双方多次协商未果。",
        "dispute": "施工时间与噪音扰民的赔偿。",
        "terms": [
            {
                "content": "被申请人每日12:00-14:00及18:00后停止施工。",
                "method": "自行履行",
                "deadline": today,
            },
            {"content": "被申请人向申请人赔偿人民币500元。", "method": "现金当面支付", "deadline": today},
        ],
        "respondent_id_number": "",
        "mediators": "张调解",
        "committee": _committee_of(case),
        "signed_on": today,
        "judicial_confirmation": True,
        "outcome": "调解成功",
    }


def _follow_up_example(case: Case) -> dict:
    performance = [
        {"term": term.number, "status": "performed", "performed_on": timezone.localdate(), "remark": ""}
        for term in agreement_terms(case)
    ]
    return {"answer": "satisfied", "note": "回访满意", "performance": performance}


DISPUTE_RESOLVE = Step(
    name="resolution",
    title=_("Resolution"),
    kind=CaseKind.DISPUTE,
    audience=Audience.WORKER,
    form=step_forms.DisputeResolveForm,
    write=writes.resolve,
    transitions=("resolve",),
    initial=lambda case: {
        "committee": _committee_of(case),
        "signed_on": timezone.localdate(),
        "mediators": case.created_by.get_full_name() or case.created_by.username,
    },
    example=_agreement_example,
    note=RESOLUTION_NOTE,
)


FOLLOW_UP = Step(
    name="follow_up",
    title=_("Follow-up call"),
    kind=CaseKind.DISPUTE,
    audience=Audience.WORKER,
    form=step_forms.FollowUpForm,
    write=writes.follow_up,
    transitions=("confirm", "reopen"),
    example=_follow_up_example,
    note="fires `confirm` (satisfied) or `reopen` (dissatisfied: back to the consultation)",
    party_answer=_follow_up_from_party,
)
DISPUTE_ASSESS = _assess(CaseKind.DISPUTE)

# ---- 三师 enterprise help request ---------------------------------------------------------------------------

DISPATCH = Step(
    name="dispatch",
    title=_("Dispatch to the work list"),
    kind=CaseKind.HELP_REQUEST,
    audience=Audience.WORKER,
    form=step_forms.DispatchForm,
    write=writes.dispatch,
    transitions=("dispatch",),
    initial=lambda case: {"specialties": case.help_request.specialties, "priority": case.priority},
    example=lambda case: {"specialties": case.help_request.specialties, "priority": 1},
)


def _advise(specialty: Specialty, title: Promise) -> Step:
    return Step(
        name=f"advise_{specialty.value}",
        title=title,
        kind=CaseKind.HELP_REQUEST,
        audience=Audience.PROFESSIONAL,
        specialty=specialty.value,
        form=step_forms.AdviseForm,
        write=partial(writes.advise, specialty=specialty.value),
        transitions=(),
        example=lambda case: {"text": "依据相关法规出具专业意见。"},
        note="fires no transition: the flow's join fires `consult` when every specialty has answered",
    )


ADVISE_LEGAL = _advise(Specialty.LEGAL, _("Legal advice"))
ADVISE_ACCOUNTING = _advise(Specialty.ACCOUNTING, _("Accounting advice"))
ADVISE_TAX = _advise(Specialty.TAX, _("Tax advice"))
ADVICE_STEPS = (ADVISE_LEGAL, ADVISE_ACCOUNTING, ADVISE_TAX)
JOINT_SESSION = Step(
    name="joint_session",
    title=_("Joint session"),
    kind=CaseKind.HELP_REQUEST,
    audience=Audience.WORKER,
    form=step_forms.JointSessionForm,
    write=writes.joint_session,
    transitions=("conclude",),
    example=lambda case: {
        **_meeting_example("三师助企工作站", "税务局, 司法局"),
        "minutes": "资源对接会商。",
        "decisions": "联合出具解决方案。",
    },
    note="fires `conclude` (CONSULTING → RESOLVING), as the dispute's consultation does",
)
HELP_RESOLVE = Step(
    name="resolution",
    title=_("Resolution"),
    kind=CaseKind.HELP_REQUEST,
    audience=Audience.WORKER,
    form=step_forms.HelpResolveForm,
    write=writes.resolve,
    transitions=("resolve",),
    example=lambda case: {"solution": "完成税务筹划并代办申报。", "proxy_service_done": True},
    note=RESOLUTION_NOTE,
)
FEEDBACK = Step(
    name="feedback",
    title=_("Enterprise feedback"),
    kind=CaseKind.HELP_REQUEST,
    audience=Audience.WORKER,
    form=step_forms.FeedbackForm,
    write=writes.feedback,
    transitions=("rate",),
    example=lambda case: {"rating": 5, "comment": "非常满意"},
    note="fires `rate`: the transition is named for what the enterprise does",
    party_answer=lambda rating, comment: {"rating": rating, "comment": comment},
)
HELP_ASSESS = _assess(CaseKind.HELP_REQUEST)

STEPS: tuple[Step, ...] = (
    TRIAGE,
    CONVENE,
    CONSULT,
    DISPUTE_RESOLVE,
    FOLLOW_UP,
    DISPUTE_ASSESS,
    DISPATCH,
    *ADVICE_STEPS,
    JOINT_SESSION,
    HELP_RESOLVE,
    FEEDBACK,
    HELP_ASSESS,
)


def steps_of(kind: str) -> tuple[Step, ...]:
    """The steps of one kind, in the catalogue's order."""
    return tuple(step for step in STEPS if step.kind == kind)

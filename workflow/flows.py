"""The two case flows. Flows orchestrate human steps; the case's transitions, made by services, decide.

DisputeFlow (同心接访): intake → triage → convene (meeting scheduled) → consult (minutes, decisions) →
resolve (agreement) → follow-up call; a dissatisfied answer loops back to consultation → assess → end.

HelpRequestFlow (祥泰暖心 三师): intake → dispatch into the 工作清单 → one claimable advice task per specialty,
joined when all are answered → joint session with departments → resolve → enterprise feedback → assess → end.

Side exits (reject, refer, withdraw) cancel the process; escalation cancels it and starts a new one at the
parent unit. Every human step's completion is one service call (``workflow.services.task_complete``).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.status import STATUS

from cases import rules
from cases.models import CaseKind, FollowUpAnswer, User
from cases.services.transitions import case_apply_transition
from workflow.audience import PROFESSIONAL, SUPERVISOR, WORKER
from workflow.models import CaseProcess
from workflow.nodes import CaseTask

# Wait for the process row lock (instead of failing fast) so a losing claimant sees the winner's claim.
LOCK = lock.SelectForUpdateLock(nowait=False, attempts=1)


class CaseFlow(flow.Flow):
    process_class = CaseProcess
    lock_impl = LOCK
    case_kind: str = ""

    def start_case(self, activation, case, assignee=None):
        activation.process.case = case
        if assignee is not None:
            activation.process.data = {"assignee_id": assignee.pk}
        return activation.process

    def opening_worker(self, activation):
        """The person who registered (or escalated) the case takes the first step, if they work that unit."""
        assignee = activation.process.data.get("assignee_id")
        if assignee is None:
            return None
        user = User.objects.get(pk=assignee)
        return user if rules.works_case(activation.process.case, user) else None

    def previous_worker(self, activation):
        """Later steps stay with the worker who did the last worker step of this process."""
        done = (
            activation.process.task_set.filter(status=STATUS.DONE, owner__isnull=False)
            .exclude(flow_task_type="START")
            .select_related("owner")
            .order_by("-finished", "-pk")
        )
        for task in done:
            node = task.flow_task
            if getattr(node, "audience", None) == WORKER:
                return task.owner if rules.works_case(activation.process.case, task.owner) else None
        return None


class DisputeFlow(CaseFlow):
    process_title = _("Micro-dispute")
    case_kind = CaseKind.DISPUTE

    start = flow.StartHandle(this.start_case).Next(this.triage)
    triage = (
        CaseTask(step="triage", audience=WORKER)
        .Annotation(title=_("Triage"))
        .Assign(this.opening_worker)
        .Next(this.convene)
    )
    convene = (
        CaseTask(step="convene", audience=WORKER)
        .Annotation(title=_("Schedule the consultation"))
        .Assign(this.previous_worker)
        .Next(this.consult)
    )
    consult = (
        CaseTask(step="consult", audience=WORKER)
        .Annotation(title=_("Consultation"))
        .Assign(this.previous_worker)
        .Next(this.resolution)
    )
    resolution = (
        CaseTask(step="resolve", audience=WORKER)
        .Annotation(title=_("Resolution"))
        .Assign(this.previous_worker)
        .Next(this.follow_up)
    )
    follow_up = (
        CaseTask(step="follow_up", audience=WORKER)
        .Annotation(title=_("Follow-up call"))
        .Assign(this.previous_worker)
        .Next(this.satisfied)
    )
    satisfied = flow.If(this.is_satisfied).Then(this.assess).Else(this.consult)
    assess = CaseTask(step="assess", audience=SUPERVISOR).Annotation(title=_("Assessment")).Next(this.end)
    end = flow.End()

    def is_satisfied(self, activation) -> bool:
        return activation.process.case.dispute.follow_up_answer != FollowUpAnswer.DISSATISFIED


def needs(specialty: str):
    """Split condition: the request asks for this specialty."""

    def condition(activation) -> bool:
        return specialty in activation.process.case.help_request.specialties

    return condition


class HelpRequestFlow(CaseFlow):
    process_title = _("Enterprise help request")
    case_kind = CaseKind.HELP_REQUEST

    start = flow.StartHandle(this.start_case).Next(this.dispatch)
    dispatch = (
        CaseTask(step="dispatch", audience=WORKER)
        .Annotation(title=_("Dispatch to the work list"))
        .Assign(this.opening_worker)
        .Next(this.split)
    )
    split = (
        flow.Split()
        .Next(this.advise_legal, case=needs("legal"))
        .Next(this.advise_accounting, case=needs("accounting"))
        .Next(this.advise_tax, case=needs("tax"))
    )
    advise_legal = (
        CaseTask(step="advise", audience=PROFESSIONAL, specialty="legal")
        .Annotation(title=_("Legal advice"))
        .Next(this.join)
    )
    advise_accounting = (
        CaseTask(step="advise", audience=PROFESSIONAL, specialty="accounting")
        .Annotation(title=_("Accounting advice"))
        .Next(this.join)
    )
    advise_tax = (
        CaseTask(step="advise", audience=PROFESSIONAL, specialty="tax")
        .Annotation(title=_("Tax advice"))
        .Next(this.join)
    )
    join = flow.Join().Next(this.begin_consultation)
    begin_consultation = flow.Function(this.all_advice_in).Next(this.joint_session)
    joint_session = (
        CaseTask(step="joint_session", audience=WORKER)
        .Annotation(title=_("Joint session"))
        .Assign(this.previous_worker)
        .Next(this.resolution)
    )
    resolution = (
        CaseTask(step="resolve", audience=WORKER)
        .Annotation(title=_("Resolution"))
        .Assign(this.previous_worker)
        .Next(this.feedback)
    )
    feedback = (
        CaseTask(step="feedback", audience=WORKER)
        .Annotation(title=_("Enterprise feedback"))
        .Assign(this.previous_worker)
        .Next(this.assess)
    )
    assess = CaseTask(step="assess", audience=SUPERVISOR).Annotation(title=_("Assessment")).Next(this.end)
    end = flow.End()

    def all_advice_in(self, activation):
        case = activation.process.case
        case_apply_transition(case=case, name="consult", actor=None, check_permission=False)


FLOWS = {CaseKind.DISPUTE: DisputeFlow, CaseKind.HELP_REQUEST: HelpRequestFlow}


def flow_for(case) -> type[CaseFlow]:
    return FLOWS[case.kind]

"""The two case flows. Flows orchestrate human steps; the case's transitions, made by services, decide.

DisputeFlow (同心接访): intake → triage → convene (meeting scheduled) → consult (minutes, decisions) →
resolve (agreement) → follow-up call; a dissatisfied answer loops back to consultation → assess → end.

HelpRequestFlow (祥泰暖心 三师): intake → dispatch into the 工作清单 → one claimable advice task per specialty,
joined when all are answered → joint session with departments → resolve → enterprise feedback → assess → end.

Side exits (reject, refer, withdraw) cancel the process; escalation cancels it and starts a new one at the
parent unit. Every human step's completion is one service call (``workflow.services.task_complete``).

Each human node holds its step from the catalogue (``cases.steps``) and is named as that step.
"""

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import STATUS

from cases import rules
from cases import steps as step
from cases.models import CaseKind, FollowUpAnswer, User
from cases.services.claims import case_advice_complete
from workflow.locks import CaseRowLock
from workflow.models import CaseProcess
from workflow.nodes import CaseTask


class CaseFlow(flow.Flow):
    process_class = CaseProcess
    lock_impl = CaseRowLock()  # waits (no NOWAIT), so a losing claimant sees the winner's claim
    case_kind: str = ""

    def start_case(self, activation, case, assignee=None):
        activation.process.case = case
        if assignee is not None:
            activation.process.data = {"assignee_id": assignee.pk}
            activation.process.assignee = assignee  # in hand for opening_worker, saves reading it back
        return activation.process

    def opening_worker(self, activation):
        """The person who registered (or escalated) the case takes the first step, if they work that unit."""
        process = activation.process
        user = getattr(process, "assignee", None)
        if user is None and process.data.get("assignee_id") is not None:
            user = User.objects.get(pk=process.data["assignee_id"])
        return user if user is not None and rules.works_case(process.case, user) else None

    def previous_worker(self, activation):
        """Later steps stay with the worker who did the last worker step of this process, while they still
        work the case's unit (one query: the role and unit are checked in SQL, none when the step just done
        was a worker step: ``task_complete`` leaves its worker on the process as ``last_worker``)."""
        case = activation.process.case
        just_done = getattr(activation.process, "last_worker", None)
        if just_done is not None:
            return just_done if rules.works_case(case, just_done) else None
        worker_steps = [
            node
            for node in self.nodes()
            if isinstance(node, CaseTask) and node.step.audience is rules.Audience.WORKER
        ]
        last = (
            activation.process.task_set.filter(
                status=STATUS.DONE, owner__isnull=False, flow_task__in=worker_steps
            )
            .annotate(
                owner_works=Exists(
                    User.objects.filter(rules.works_case_people_q(case), pk=OuterRef("owner_id"))
                )
            )
            .select_related("owner")
            .order_by("-finished", "-pk")
            .first()
        )
        return last.owner if last is not None and last.owner_works else None


class DisputeFlow(CaseFlow):
    process_title = _("Micro-dispute")
    case_kind = CaseKind.DISPUTE

    start = flow.StartHandle(this.start_case).Next(this.triage)
    triage = CaseTask(step.TRIAGE).Assign(this.opening_worker).Next(this.convene)
    convene = CaseTask(step.CONVENE).Assign(this.previous_worker).Next(this.consult)
    consult = CaseTask(step.CONSULT).Assign(this.previous_worker).Next(this.resolution)
    resolution = CaseTask(step.DISPUTE_RESOLVE).Assign(this.previous_worker).Next(this.follow_up)
    follow_up = CaseTask(step.FOLLOW_UP).Assign(this.previous_worker).Next(this.satisfied)
    satisfied = flow.If(this.is_satisfied).Then(this.assess).Else(this.consult)
    assess = CaseTask(step.DISPUTE_ASSESS).Next(this.end)
    end = flow.End()

    def is_satisfied(self, activation: Any) -> bool:
        return activation.process.case.dispute.follow_up_answer != FollowUpAnswer.DISSATISFIED


def needs(specialty: str | None):
    """Split condition: the request asks for this specialty."""

    def condition(activation: Any) -> bool:
        return specialty in activation.process.case.help_request.specialties

    return condition


class HelpRequestFlow(CaseFlow):
    process_title = _("Enterprise help request")
    case_kind = CaseKind.HELP_REQUEST

    start = flow.StartHandle(this.start_case).Next(this.dispatch)
    dispatch = CaseTask(step.DISPATCH).Assign(this.opening_worker).Next(this.split)
    split = (
        flow.Split()
        .Next(this.advise_legal, case=needs(step.ADVISE_LEGAL.specialty))
        .Next(this.advise_accounting, case=needs(step.ADVISE_ACCOUNTING.specialty))
        .Next(this.advise_tax, case=needs(step.ADVISE_TAX.specialty))
    )
    advise_legal = CaseTask(step.ADVISE_LEGAL).Next(this.join)
    advise_accounting = CaseTask(step.ADVISE_ACCOUNTING).Next(this.join)
    advise_tax = CaseTask(step.ADVISE_TAX).Next(this.join)
    join = flow.Join().Next(this.begin_consultation)
    begin_consultation = flow.Function(this.all_advice_in).Next(this.joint_session)
    joint_session = CaseTask(step.JOINT_SESSION).Assign(this.previous_worker).Next(this.resolution)
    resolution = CaseTask(step.HELP_RESOLVE).Assign(this.previous_worker).Next(this.feedback)
    feedback = CaseTask(step.FEEDBACK).Assign(this.previous_worker).Next(this.assess)
    assess = CaseTask(step.HELP_ASSESS).Next(this.end)
    end = flow.End()

    def all_advice_in(self, activation: Any) -> None:
        case_advice_complete(case=activation.process.case)


FLOWS: dict[str, type[CaseFlow]] = {CaseKind.DISPUTE: DisputeFlow, CaseKind.HELP_REQUEST: HelpRequestFlow}


def flow_for(case: Any) -> type[CaseFlow]:
    return FLOWS[case.kind]

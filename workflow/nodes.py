"""A human step on a case. viewflow keeps the task; the step (``cases.steps``) says what it is and who may
take it."""

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from viewflow.workflow import flow
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import rules
from cases.models import Case, User
from cases.steps import Step


def task_page(request: HttpRequest, process_pk: int, task_pk: int, **kwargs: object) -> HttpResponseRedirect:
    """viewflow's own task URLs are not mounted; a node's view points at the project's task page."""
    return HttpResponseRedirect(reverse("task", args=[task_pk]))


class CaseTask(flow.View):
    """The node of one step. Its name in the flow is the step's name (checked by the tests)."""

    def __init__(self, step: Step, **kwargs: object):
        super().__init__(task_page, **kwargs)
        self.step = step
        self.Annotation(title=step.title)

    def case_of(self, task: Task) -> Case:
        return task.process.caseprocess.case

    def may_take(self, user: User, case: Case) -> bool:
        return rules.may_take(
            audience=self.step.audience, specialty=self.step.specialty, case=case, user=user
        )

    # viewflow calls these from its activations; the project's services call them before every action.
    def can_assign(self, user: User, task: Task) -> bool:
        if task.owner_id is not None or task.status != STATUS.NEW or not user.is_authenticated:
            return False
        return self.may_take(user, self.case_of(task))

    def can_execute(self, user: User, task: Task) -> bool:
        return (
            user.is_authenticated
            and task.owner_id == user.pk
            and task.status in (STATUS.ASSIGNED, STATUS.STARTED)
            and self.may_take(user, self.case_of(task))
        )

    def can_unassign(self, user: User, task: Task) -> bool:
        if task.owner_id is None or task.status != STATUS.ASSIGNED or not user.is_authenticated:
            return False
        return task.owner_id == user.pk or rules.supervises_case(self.case_of(task), user)

"""A human step on a case. viewflow keeps the task; the audience rule decides who may take it."""

from django.http import HttpResponseRedirect
from django.urls import reverse
from viewflow.workflow import flow
from viewflow.workflow.status import STATUS

from workflow import audience as audiences


def task_page(request, process_pk, task_pk, **kwargs):
    """viewflow's own task URLs are not mounted; a node's view points at the project's task page."""
    return HttpResponseRedirect(reverse("task", args=[task_pk]))


class CaseTask(flow.View):
    def __init__(self, *, step: str, audience: str, specialty: str | None = None, **kwargs):
        super().__init__(task_page, **kwargs)
        self.step = step
        self.audience = audience
        self.specialty = specialty

    def case_of(self, task):
        return task.process.caseprocess.case

    def may_take(self, user, case) -> bool:
        return audiences.may_take(audience=self.audience, specialty=self.specialty, case=case, user=user)

    # viewflow calls these from its activations; the project's services call them before every action.
    def can_assign(self, user, task) -> bool:
        if task.owner_id is not None or task.status != STATUS.NEW or not user.is_authenticated:
            return False
        return self.may_take(user, self.case_of(task))

    def can_execute(self, user, task) -> bool:
        return (
            user.is_authenticated
            and task.owner_id == user.pk
            and task.status in (STATUS.ASSIGNED, STATUS.STARTED)
            and self.may_take(user, self.case_of(task))
        )

    def can_unassign(self, user, task) -> bool:
        if task.owner_id is None or task.status != STATUS.ASSIGNED or not user.is_authenticated:
            return False
        if task.owner_id == user.pk:
            return True
        return audiences.may_take(
            audience=audiences.SUPERVISOR, specialty=None, case=self.case_of(task), user=user
        )

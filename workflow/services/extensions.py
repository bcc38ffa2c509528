"""Commands on extension requests (延期申请): the holder of a step asks, a supervisor of the case decides.

Each locks the case (``workflow.locks``), as every change of a case does, re-reads what it changes under the
lock and leaves the rules to ``cases.services.extensions``. Asking is a command on one task: it takes the task
commands' lock and holder check (``workflow.services.tasks``). Each is the outermost command: it owns the
transaction. Two supervisors deciding one request at once: the second waits for the first's lock, then finds it
decided (a conflict).
"""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from cases.errors import NotFound
from cases.models import ExtensionRequest, User
from cases.services import extensions
from cases.transactions import command
from workflow.locks import case_lock
from workflow.selectors import case_get_for_user
from workflow.services.tasks import _held_by, _task_locked


@command
def task_extension_ask(*, task_id: int, user: User, due_at: datetime | None, reason: str) -> ExtensionRequest:
    """The step's holder asks for a later due moment, with a reason (audited; the case's supervisors hear)."""
    due_at, reason = extensions.extension_checked(due_at=due_at, reason=reason)
    with _task_locked(task_id, user) as (task, _node, case):
        _held_by(task, user, _("Only the person who holds the step may ask for its extension."))
        return extensions.extension_ask(case=case, task_id=task.pk, actor=user, due_at=due_at, reason=reason)


@command
def extension_decide(*, extension_id: int, user: User, approve: bool, reason: str) -> ExtensionRequest:
    """A supervisor of the case approves or refuses the request (a refusal with a reason); whoever asked hears.
    A request of a case the user may not see is a 404."""
    reason = extensions.decision_checked(approve=approve, reason=reason)
    reference = (
        ExtensionRequest.objects.filter(pk=extension_id).values_list("case__reference", flat=True).first()
    )
    if reference is None:
        raise NotFound()
    visible = case_get_for_user(reference=reference, user=user)
    case = case_lock(visible.pk)
    if case is None:
        raise NotFound()
    request = ExtensionRequest.objects.select_related("requested_by", "decided_by").get(pk=extension_id)
    request.case = case  # the locked row
    return extensions.extension_decide(case=case, request=request, actor=user, approve=approve, reason=reason)

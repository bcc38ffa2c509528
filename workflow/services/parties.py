"""The commands for the parties: a new tracking code, a public progress note, and the party's own answer
through their satisfaction link. Each locks the case (``workflow.locks``), as every change of a case does."""

from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.errors import CaseError, Conflict, InvalidInput, NotFound, NotTaskOwner
from cases.models import Case, PublicNote, SatisfactionLink, User
from cases.services import tracking
from cases.services.satisfaction import (
    LinkState,
    satisfaction_link_answered,
    satisfaction_link_get,
    satisfaction_link_state,
)
from cases.transactions import command
from workflow.locks import case_lock
from workflow.selectors import OPEN_TASK_STATUSES, case_get_for_user
from workflow.services.tasks import task_complete


def _locked(reference: str, user: User) -> Case:
    """The case the user may see (a 404 otherwise), locked."""
    visible = case_get_for_user(reference=reference, user=user)
    case = case_lock(visible.pk)
    if case is None:
        raise NotFound()
    return case


@command
def tracking_code_reissue(*, reference: str, user: User) -> tuple[Case, str]:
    """A new tracking code for the case (the old one stops working); returns the case and the code, which is
    shown once."""
    case = _locked(reference, user)
    return case, tracking.tracking_code_reissue(case=case, actor=user)


@command
def public_note_add(*, reference: str, user: User, text: str) -> PublicNote:
    case = _locked(reference, user)
    return tracking.public_note_add(case=case, actor=user, text=text)


class LinkGone(CaseError):
    """The link cannot be used (any more): broken, used, expired, or its step is done."""

    status_code = 410

    def __init__(self, state: LinkState):
        super().__init__(str(state))
        self.state = state


SATISFACTION_LATER = _(
    "Your answer cannot be recorded right now: the case is being handed over to another worker. Please try "
    "again later; your link still works."
)


@command
def satisfaction_answer(*, token: str, rating: int, comment: str = "") -> Case:
    """The party rates 1-5 (and comments) through their link: the step is completed as if its holder had
    recorded the answer (``task_complete``, by the holder: the step's write, its transition, its audit row,
    its points), the link is used up and the holder hears of it. The case is locked first, so the same link
    used twice at once completes the step once; the second finds it used (410).

    The step must have a holder: while it waits in a queue between two workers (released or its worker
    gone) the answer is refused for now (409) and the link stays usable."""
    if rating not in range(1, 6):
        raise InvalidInput(_("Choose a rating from 1 to 5."), field="rating")
    found = satisfaction_link_get(token=token)
    if found is None:
        raise LinkGone(LinkState.UNKNOWN)
    case = case_lock(found.case_id)
    link = SatisfactionLink.objects.get(pk=found.pk)  # as it is now, under the case's lock
    task = Task.objects.filter(pk=link.task_id).first()
    step_open = task is not None and task.status in OPEN_TASK_STATUSES
    state = satisfaction_link_state(link, step_open=step_open)
    if state is not LinkState.OPEN:
        raise LinkGone(state)
    assert case is not None and task is not None
    if task.status != STATUS.ASSIGNED or task.owner_id is None:
        raise Conflict(SATISFACTION_LATER)
    step = task.flow_task.step
    assert step.party_answer is not None  # a link is issued only for such a step
    form = step.form_for(case, step.party_answer(rating, comment))
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise InvalidInput(messages[0], field="comment" if field in ("note", "comment") else field)
    satisfaction_link_answered(link=link, case=case, holder_id=task.owner_id, rating=rating, comment=comment)
    try:
        task_complete.within(task_id=task.pk, user=task.owner, data=form.cleaned_data)
    except NotTaskOwner:  # the holder no longer works the case's unit: someone else must take the step first
        raise Conflict(SATISFACTION_LATER) from None
    return case

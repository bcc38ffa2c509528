"""Writing a note on a case: the case as the writer may see it (with their queue's reach: a professional who
only finds it in their queue sees it, and is told notes come with a claim), then the domain decides."""

from cases.models import CaseNote, User
from cases.services import notes
from cases.transactions import command
from workflow.selectors import case_get_for_user


@command
def case_note_add(*, reference: str, user: User, text: str) -> CaseNote:
    case = case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    return notes.note_add(case=case, author=user, text=text)

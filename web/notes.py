"""The notes section of the case page (备注): the thread and the form, for whoever sees the case's notes."""

from typing import Any

from cases.forms import NoteForm
from cases.models import Case, User
from cases.selectors.notes import case_sees_notes, note_list

NOTE_IDS = "note_%s"  # the case page's other forms have fields of their own: ids of its own


def notes_context(*, case: Case, user: User, note_form: NoteForm | None = None) -> dict[str, Any]:
    """``notes_shown`` False: the section is left out (a professional before claiming, who only finds the case
    in their queue)."""
    if not case_sees_notes(case=case, user=user):
        return {"notes_shown": False}
    return {
        "notes_shown": True,
        "notes": list(note_list(case=case, user=user)),
        "note_form": note_form or NoteForm(auto_id=NOTE_IDS),
    }

"""Reads of a case's notes (备注) with their rule (``rules.sees_notes``)."""

from django.db.models import QuerySet

from cases import rules
from cases.errors import NotAllowed
from cases.models import Case, CaseNote, CaseParticipant, User
from cases.services.notes import NOTES_COME_WITH_A_CLAIM


def case_sees_notes(*, case: Case, user: User) -> bool:
    if rules.sees_notes(case, user, took_part=False):
        return True
    took_part = user.is_authenticated and CaseParticipant.objects.filter(case=case, person=user).exists()
    return rules.sees_notes(case, user, took_part=took_part)


def note_list(*, case: Case, user: User) -> QuerySet[CaseNote]:
    """The case's notes, oldest first, for whoever sees them; someone who sees the case but not its notes (a
    professional before claiming) is told they come with a claim (403). The caller found the case for the
    user (a case they may not see is a 404 before this)."""
    if not case_sees_notes(case=case, user=user):
        raise NotAllowed(NOTES_COME_WITH_A_CLAIM)
    return case.notes.select_related("author").prefetch_related("mentions").order_by("created_at", "pk")

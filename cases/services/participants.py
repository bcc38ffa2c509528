"""Who takes part in a case (``CaseParticipant``): kept by the workflow as steps get and lose owners."""

from collections.abc import Iterable

from cases.models import Case, CaseParticipant
from cases.transactions import in_transaction


@in_transaction
def participants_add(*, case: Case, person_ids: Iterable[int]) -> None:
    """One statement, whoever is already there (``ON CONFLICT DO NOTHING``)."""
    CaseParticipant.objects.bulk_create(
        [CaseParticipant(case=case, person_id=person_id) for person_id in set(person_ids)],
        ignore_conflicts=True,
    )


@in_transaction
def participant_remove(*, case: Case, person_id: int) -> None:
    """The person no longer holds any step of the case (released, or reassigned away)."""
    CaseParticipant.objects.filter(case=case, person_id=person_id).delete()

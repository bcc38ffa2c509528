"""Who takes part in a case (``CaseParticipant``): kept by the workflow as steps get and lose owners.

When the command knows who takes part (``cases.carried``, read with the lock), a person already there costs
no statement, and a new one is written with the command's batch (one statement at its end) while the set in
memory, which the case's followers are read from, follows at once."""

from collections.abc import Iterable

from django.db import connection

from cases.carried import carried
from cases.models import Case, CaseParticipant
from cases.transactions import in_transaction
from notifications.events import statement_later


@in_transaction
def participants_add(*, case: Case, person_ids: Iterable[int]) -> None:
    """Whoever is already there stays once (``ON CONFLICT DO NOTHING``)."""
    known = carried(case).participants
    new = sorted(set(person_ids) - (known or set()))
    if not new:
        return
    if known is None or connection.vendor != "postgresql":  # now: the followers are read from the database
        CaseParticipant.objects.bulk_create(
            [CaseParticipant(case=case, person_id=person_id) for person_id in new], ignore_conflicts=True
        )
        return
    known.update(new)
    statement_later(
        "INSERT INTO cases_caseparticipant (case_id, person_id, since) "
        "SELECT %s, person, now() FROM unnest(%s::bigint[]) AS person ON CONFLICT DO NOTHING",
        [case.pk, new],
    )


@in_transaction
def participant_remove(*, case: Case, person_id: int) -> None:
    """The person no longer holds any step of the case (released, or reassigned away)."""
    CaseParticipant.objects.filter(case=case, person_id=person_id).delete()
    known = carried(case).participants
    if known is not None:
        known.discard(person_id)

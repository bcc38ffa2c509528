"""What a person chose on a worklist (``WorklistPreference``): kept so that the list opens as they left it."""

from cases.models import User, WorklistPreference
from cases.transactions import command


@command
def worklist_preference_save(*, user: User, worklist: str, query: dict) -> WorklistPreference:
    """Keep ``query`` (checked filters, as sent: ``WorklistForm.remembered``) as the person's choice for that
    list; an empty one forgets it."""
    preference, _created = WorklistPreference.objects.update_or_create(
        user=user, worklist=worklist, defaults={"query": query}
    )
    return preference

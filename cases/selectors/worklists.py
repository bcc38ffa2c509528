"""Reads of what a person chose on their worklists (``WorklistPreference``)."""

from cases.models import User, WorklistPreference


def worklist_preference_get(*, user: User, worklist: str) -> dict:
    """The filters and order the person last set on the list (``{}`` when none): still to be checked by the
    list's form, as any query is."""
    preference = WorklistPreference.objects.filter(user=user, worklist=worklist).first()
    return dict(preference.query) if preference else {}

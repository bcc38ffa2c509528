"""Who hears about a case: the people following it."""

from viewflow.workflow.models import Task

from cases.models import Case


def case_follower_ids(case: Case) -> set[int]:
    """The person who registered the case and everyone who holds or held one of its tasks."""
    owners = Task.objects.filter(process__caseprocess__case=case, owner__isnull=False).values_list(
        "owner_id", flat=True
    )
    return {case.created_by_id, *owners}

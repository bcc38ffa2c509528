"""Reads of extension requests (延期申请) with their access rule: a case's and a step's requests are read by
whoever may see the case or the task (the caller checked that); the requests awaiting a decision are listed for
the supervisors who may decide them: of the cases of their subtree, not their own."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from cases import rules
from cases.models import Case, ExtensionRequest, ExtensionState, User

RELATED = ("case", "requested_by", "decided_by")


def extension_list_of_case(*, case: Case) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(case=case).select_related(*RELATED).order_by("asked_at", "id")


def extension_list_of_task(*, task_id: int) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(task_id=task_id).select_related(*RELATED).order_by("number")


def extensions_by_task(task_ids: Iterable[int]) -> dict[int, list[ExtensionRequest]]:
    """The requests of these tasks, by task id (one query)."""
    found: dict[int, list[ExtensionRequest]] = {}
    for request in (
        ExtensionRequest.objects.filter(task_id__in=list(task_ids))
        .select_related(*RELATED)
        .order_by("number")
    ):
        found.setdefault(request.task_id, []).append(request)
    return found


def extension_pending_q(user: User) -> Q:
    """The requests awaiting a decision that ``user`` may decide: of the cases they supervise, not their own."""
    return (
        Q(state=ExtensionState.PENDING)
        & rules.supervises_case_cases_q(user, prefix="case__")
        & ~Q(requested_by=user.pk)
    )


def extension_list_pending_for_user(*, user: User) -> QuerySet[ExtensionRequest]:
    """What awaits the supervisor's decision in their subtree, the oldest request first."""
    if not (user.is_authenticated and user.is_active):
        return ExtensionRequest.objects.none()
    return (
        ExtensionRequest.objects.filter(extension_pending_q(user))
        .select_related("case__unit", "requested_by")
        .order_by("asked_at", "id")
    )
